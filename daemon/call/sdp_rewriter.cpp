#include "daemon/call/sdp_rewriter.hpp"

#include <algorithm>
#include <array>

#include "rtp/payload_types.hpp"

namespace rtpe::call {

namespace {

std::string addr_type_of(const net::IpAddress& address) {
    return address.is_v6() ? "IP6" : "IP4";
}

bool is_ice_attribute(const std::string& name) {
    static constexpr std::array<std::string_view, 8> kIce = {
        "ice-ufrag", "ice-pwd", "candidate", "ice-options", "remote-candidates", "end-of-candidates",
        "ice-lite",  "ice-mismatch"};
    return std::find(kIce.begin(), kIce.end(), name) != kIce.end();
}

bool is_direction(const std::string& name) {
    return sdp::parse_direction(name).has_value();
}

// The media section in upstream's order: m=, the other non-attribute lines, the codec
// attributes in payload order, the direction, a=rtcp, then the remaining attributes.
void rewrite_media(sdp::MediaSection& section, const MediaTarget& target, sdp::Direction direction,
                   const RewriteOptions& options) {
    auto description = section.media();
    const auto attributes = section.attributes();

    if (options.transport_protocol && (description.proto == "RTP/AVP" || description.proto == "RTP/AVPF"))
        section.set_proto(*options.transport_protocol);
    if (target.rejected)
        return;
    section.set_port(target.rtp_port);
    if (section.connection())
        section.set_connection({"IN", addr_type_of(target.address), target.address.to_string(), ""});

    for (const auto& a : attributes)
        section.remove_attributes(a.name);

    const bool is_rtp = description.proto.rfind("RTP/", 0) == 0 || description.proto.find("/RTP/") != std::string::npos;
    if (is_rtp) {
        for (const auto& pt : description.formats) {
            if (auto map = section.rtpmap(pt); !map) {
                bool listed = false;
                for (const auto& a : attributes)
                    if (a.name == "rtpmap" && a.value && sdp::parse_rtpmap(*a.value) &&
                        sdp::parse_rtpmap(*a.value)->payload_type == pt) {
                        section.add_attribute("rtpmap", *a.value);
                        listed = true;
                        break;
                    }
                if (!listed)
                    if (auto known = rtp::static_rtpmap(pt))
                        section.add_attribute("rtpmap", pt + " " + std::string(*known));
            }
            for (const auto& a : attributes)
                if (a.name == "fmtp" && a.value && sdp::parse_fmtp(*a.value) && sdp::parse_fmtp(*a.value)->format == pt)
                    section.add_attribute("fmtp", *a.value);
        }
    }
    section.add_attribute(std::string(sdp::direction_name(direction)));
    if (is_rtp && !options.no_rtcp_attribute) {
        if (options.full_rtcp_attribute)
            section.add_attribute("rtcp", std::to_string(target.rtcp_port) + " IN " + addr_type_of(target.address) + " " +
                                              target.address.to_string());
        else
            section.add_attribute("rtcp", std::to_string(target.rtcp_port));
    }
    for (const auto& a : attributes) {
        if (a.name == "rtcp" || is_direction(a.name) || (is_rtp && (a.name == "rtpmap" || a.name == "fmtp")))
            continue;
        if (options.ice_remove && is_ice_attribute(a.name))
            continue;
        section.add_attribute(a.name, a.value ? std::optional<std::string_view>(*a.value) : std::nullopt);
    }
}

}  // namespace

std::string rewrite_sdp(sdp::Session session, const std::vector<MediaTarget>& targets, const RewriteOptions& options,
                        const std::string& instance_id) {
    const MediaTarget* first = nullptr;
    for (const auto& t : targets)
        if (!t.rejected) {
            first = &t;
            break;
        }

    if (first && options.replace_origin)
        session.set_origin_address(addr_type_of(first->address), first->address.to_string());
    if (first && session.session().connection())
        session.session().set_connection({"IN", addr_type_of(first->address), first->address.to_string(), ""});
    if (options.ice_remove)
        for (const char* name : {"ice-ufrag", "ice-pwd", "ice-options", "ice-lite"})
            session.session().remove_attributes(name);

    for (std::size_t i = 0; i < session.media().size() && i < targets.size(); ++i) {
        const sdp::Direction direction = session.direction(i);
        rewrite_media(session.media()[i], targets[i], direction, options);
        if (options.loop_protect && !targets[i].rejected)
            session.media()[i].add_attribute(kLoopProtectAttribute, instance_id);
    }
    return sdp::print(session);
}

}  // namespace rtpe::call
