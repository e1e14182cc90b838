#include "daemon/media/media_filter.hpp"

#include <cstring>

#include "daemon/media/deliver.hpp"
#include "daemon/media/egress.hpp"
#include "util/parse.hpp"

namespace rtpe::media {

std::optional<uint8_t> silence_byte_of(std::string_view encoding) {
    // The byte a silent frame of the codec repeats: G.711's codes for zero, and what
    // G.722's encoder settles on for zero input (upstream sends the same bytes).
    struct Entry {
        const char* name;
        uint8_t value;
    };
    static constexpr Entry kSilence[] = {{"PCMU", 0xff}, {"PCMA", 0xd5}, {"G722", 0xfa}};
    const std::string_view name = encoding.substr(0, encoding.find('/'));
    for (const auto& e : kSilence)
        if (equals_ignoring_case(name, e.name))
            return e.value;
    return std::nullopt;
}

void deliver_filtered(const MediaFilter& filter, PacketStream& to, const Packet& packet, Egress& egress) {
    switch (filter.judge(packet)) {
    case MediaFilter::Verdict::pass:
        deliver(to, packet, egress);
        return;
    case MediaFilter::Verdict::drop:
        return;
    case MediaFilter::Verdict::silence:
        break;
    }
    std::span<uint8_t> buffer = egress.scratch();
    if (packet.length > buffer.size())
        return;
    std::memcpy(buffer.data(), packet.data, packet.length);
    std::memset(buffer.data() + packet.header.payload_offset, filter.silence_byte(packet.header.payload_type),
                packet.header.payload_length);
    Packet silenced = packet;
    silenced.data = buffer.data();
    silenced.protected_data = nullptr;  // the payload changed: protected anew
    deliver(to, silenced, egress);
}

}  // namespace rtpe::media
