#pragma once
// The plain relay as a Sink: what arrives on one stream leaves through the socket of the
// peer-facing stream, to that stream's endpoint. RTCP may take another way than RTP: a
// participant multiplexing RTCP on its RTP port (RFC 5761) facing one that does not.

#include "daemon/media/sink.hpp"

namespace rtpe::media {

class Forwarder final : public Sink {
public:
    // target: the stream facing the other participant; rtcp_target, when set, the one
    // that RTCP goes to instead. All live on the same worker.
    void set_targets(PacketStream* target, PacketStream* rtcp_target) {
        target_ = target;
        rtcp_target_ = rtcp_target;
    }
    PacketStream* target() const { return target_; }
    // Where RTCP received here is sent.
    PacketStream* rtcp_target() const { return rtcp_target_ ? rtcp_target_ : target_; }
    void consume(const Packet& packet, Egress& egress) override;

private:
    PacketStream* target_ = nullptr;
    PacketStream* rtcp_target_ = nullptr;
};

}  // namespace rtpe::media
