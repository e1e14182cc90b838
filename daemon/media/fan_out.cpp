#include "daemon/media/fan_out.hpp"

#include "daemon/media/packet_stream.hpp"

namespace rtpe::media {

void FanOut::consume(const Packet& packet, Egress& egress) {
    // A subscriber that has not answered yet has no endpoint: it gets nothing.
    for (const Target& target : targets_)
        if (target.stream->sendable())
            deliver_filtered(target.filter, *target.stream, packet, egress);
}

}  // namespace rtpe::media
