#pragma once
// The plain relay as a Sink: what arrives on one stream leaves through the socket of the
// peer-facing stream, to that stream's endpoint.

#include "daemon/media/sink.hpp"

namespace rtpe::media {

class Forwarder final : public Sink {
public:
    // target: the stream facing the other participant; both live on the same worker.
    void set_target(PacketStream* target) { target_ = target; }
    PacketStream* target() const { return target_; }
    void consume(const Packet& packet, Egress& egress) override;

private:
    PacketStream* target_ = nullptr;
};

}  // namespace rtpe::media
