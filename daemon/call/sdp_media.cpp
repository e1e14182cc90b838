#include "daemon/call/sdp_media.hpp"


#include <optional>

#include "rtp/payload_types.hpp"
#include "util/parse.hpp"

namespace rtpe::call {

int family_of(const std::string& addr_type) {
    return addr_type == "IP6" ? AF_INET6 : AF_INET;
}

SdpEndpoints endpoints_of(const sdp::Session& session, std::size_t index) {
    SdpEndpoints e;
    const auto& section = session.media()[index];
    const uint16_t port = section.port();
    const auto connection = session.connection(index);
    std::optional<net::IpAddress> address;
    if (connection) {
        e.family = family_of(connection->addr_type);
        address = net::IpAddress::parse(connection->address);
    }
    if (!address)
        address = net::IpAddress::any(e.family);
    e.rtp = net::SocketAddress(*address, port);
    uint16_t rtcp_port = port ? static_cast<uint16_t>(port + 1) : 0;
    net::IpAddress rtcp_address = *address;
    if (auto rtcp = section.rtcp()) {
        rtcp_port = rtcp->port;
        if (auto a = net::IpAddress::parse(rtcp->address))
            rtcp_address = *a;
    }
    e.rtcp = net::SocketAddress(rtcp_address, rtcp_port);
    return e;
}

void apply_sdp_address(media::PacketStream& stream, const net::SocketAddress& advertised,
                       const media::RelayPolicy& policy) {
    stream.policy = policy;
    if (!(stream.advertised == advertised)) {
        stream.advertised = advertised;
        stream.endpoint = advertised;
        const bool fixed = policy.asymmetric || policy.learning == media::EndpointLearning::off;
        stream.endpoint_confirmed = fixed;
        stream.learning_started_ms = 0;
        stream.learning_rank = 0;
        media::put(stream.learning_state, fixed ? media::LearningState::fixed : media::LearningState::waiting);
    }
}

std::vector<media::AllowedPayload> payloads_of(const sdp::MediaSection& section,
                                               const std::vector<std::string>& formats,
                                               std::map<uint8_t, std::string>& names) {
    std::vector<media::AllowedPayload> out;
    for (const auto& format : formats) {
        const auto number = parse_int(format);
        if (!number || *number < 0 || *number > 127)
            continue;  // not RTP (udptl, BFCP, ...)
        media::AllowedPayload p;
        p.payload_type = static_cast<uint8_t>(*number);
        if (auto map = section.rtpmap(format)) {
            p.clock_rate = map->clock_rate;
            p.telephone_event = equals_ignoring_case(map->encoding, "telephone-event");
            std::string name = map->encoding + "/" + std::to_string(map->clock_rate);
            if (map->encoding_params && *map->encoding_params != "1")
                name += "/" + *map->encoding_params;
            names[p.payload_type] = std::move(name);
        } else if (auto known = rtp::static_rtpmap(format)) {
            const auto slash = known->find('/');
            p.clock_rate = static_cast<uint32_t>(parse_int(known->substr(slash + 1, known->find('/', slash + 1) - slash - 1)).value_or(0));
        }
        out.push_back(p);
    }
    return out;
}

}  // namespace rtpe::call
