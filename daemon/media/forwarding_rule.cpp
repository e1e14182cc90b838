#include "daemon/media/forwarding_rule.hpp"

#include <sys/socket.h>

#include "daemon/media/packet_stream.hpp"

namespace rtpe::media {

namespace {

net::SocketAddress local_address(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
        return {};
    return net::SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len).value_or(net::SocketAddress{});
}

}  // namespace

std::optional<ForwardingRule> describe_forwarding(const PacketStream& s) {
    const PacketStream* peer = s.forwarder.target();
    if (!s.endpoint_confirmed || s.sinks.size() != 1 || *s.sinks.begin() != &s.forwarder || !peer ||
        !peer->sendable())
        return std::nullopt;
    ForwardingRule rule;
    rule.local = local_address(s.fd());
    rule.expected_source = s.endpoint;
    rule.egress_local = local_address(peer->fd());
    rule.destination = peer->endpoint;
    rule.payload_types = s.payloads().allowed();
    for (const auto& f : s.ssrcs().figures())
        if (peek(f.in_use))
            rule.ssrcs.push_back(peek(f.ssrc));
    rule.rtcp = s.is_rtcp();
    return rule;
}

}  // namespace rtpe::media
