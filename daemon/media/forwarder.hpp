#pragma once
// The plain relay as a Sink: what arrives on one stream leaves through the socket of the
// peer-facing stream, to that stream's endpoint. RTCP may take another way than RTP: a
// participant multiplexing RTCP on its RTP port (RFC 5761) facing one that does not.

#include "daemon/media/bundle_routes.hpp"
#include "daemon/media/media_filter.hpp"
#include "daemon/media/sink.hpp"

namespace rtpe::media {

class Forwarder final : public Sink {
    // Before the filter, whose flags come first: what a packet reads is on one cache line.
    PacketStream* target_ = nullptr;
    PacketStream* rtcp_target_ = nullptr;
    BundleRoutes* bundle_ = nullptr;

public:
    // target: the stream facing the other participant; rtcp_target, when set, the one
    // that RTCP goes to instead. All live on the same worker.
    void set_targets(PacketStream* target, PacketStream* rtcp_target) {
        target_ = target;
        rtcp_target_ = rtcp_target;
    }
    // A BUNDLE transport's: each packet goes to its own m= line's peer instead.
    void set_bundle(BundleRoutes* routes) { bundle_ = routes; }
    PacketStream* target() const { return bundle_ ? nullptr : target_; }
    bool active() const { return target_ || bundle_; }
    // Where RTCP received here is sent.
    PacketStream* rtcp_target() const { return bundle_ ? nullptr : rtcp_target_ ? rtcp_target_ : target_; }
    void consume(const Packet& packet, Egress& egress) override;

    // block DTMF / block media / silence media on this flow (the control thread's value).
    MediaFilter filter;
};

}  // namespace rtpe::media
