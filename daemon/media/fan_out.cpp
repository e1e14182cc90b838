#include "daemon/media/fan_out.hpp"

#include "daemon/media/deliver.hpp"
#include "daemon/media/packet_stream.hpp"

namespace rtpe::media {

void FanOut::consume(const Packet& packet, Egress& egress) {
    // A subscriber that has not answered yet has no endpoint: it gets nothing.
    for (PacketStream* target : targets_)
        if (target->sendable())
            deliver(*target, packet, egress);
}

}  // namespace rtpe::media
