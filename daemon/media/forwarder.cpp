#include "daemon/media/forwarder.hpp"

#include "daemon/media/packet_stream.hpp"

namespace rtpe::media {

void Forwarder::consume(const Packet& packet, Egress& egress) {
    // No answer yet, or the other side is on hold (0.0.0.0): nowhere to send to.
    PacketStream* to = packet.is_rtcp && rtcp_target_ ? rtcp_target_ : target_;
    if (bundle_)
        if (const BundleRoute* route = bundle_->route(packet))
            to = packet.is_rtcp ? route->rtcp_target : route->target;
    if (!to || !to->sendable() || (to->player && packet.is_rtp))
        return;  // nowhere to send to, or play media speaks to that participant now
    deliver_filtered(filter, *to, packet, egress);
}

}  // namespace rtpe::media
