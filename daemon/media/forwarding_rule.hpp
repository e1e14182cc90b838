#pragma once
// An established stream as one forwarding rule: what arrives on which local socket, from
// where, goes out of which local socket to where, for which payload types and SSRCs, with
// which crypto. This is what kernel offload will push into /proc/rtpengine for streams
// that need no userspace work.

#include <cstdint>
#include <optional>
#include <vector>

#include "net/address.hpp"

namespace rtpe::media {

class PacketStream;

struct ForwardingRule {
    net::SocketAddress local;            // the socket packets arrive on
    net::SocketAddress expected_source;  // the learned endpoint; only it may send
    net::SocketAddress egress_local;     // the socket they leave by
    net::SocketAddress destination;      // the peer's endpoint
    std::vector<uint8_t> payload_types;  // allowed by the SDPs (others: userspace counts them)
    std::vector<uint32_t> ssrcs;         // seen so far
    bool rtcp = false;
    // Crypto: none until SRTP lands; a rule with crypto will carry the keys.
};

// On the stream's worker: the rule, when stream is established (endpoint settled, a single
// forwarding sink to a peer with a known endpoint); nullopt while anything still needs
// userspace (learning, fan-out, no peer yet).
std::optional<ForwardingRule> describe_forwarding(const PacketStream& stream);

}  // namespace rtpe::media
