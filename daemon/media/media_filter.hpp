#pragma once
// What block DTMF, block media and silence media leave of one flow (a sender's stream
// towards one destination): RTP of the sender's telephone-event payload types is DTMF,
// all other RTP is media; RTCP and everything that is not RTP always pass. Silencing
// overwrites the payload of the codecs whose silence is one repeated byte (G.711, G.722),
// as upstream does; other codecs pass unchanged. block DTMF's modes other than drop are
// no verdict here: the sender's codec chain applies them (media/dtmf_security.hpp).
//
// A value the control thread computes and posts to the stream's worker whole; judging a
// packet is a few table lookups, no allocation.

#include <array>
#include <bitset>
#include <cstdint>
#include <optional>
#include <string_view>

#include "daemon/media/sink.hpp"

namespace rtpe::media {

class MediaFilter {
public:
    enum class Verdict { pass, drop, silence };

    bool block_dtmf = false;
    bool block_media = false;
    bool silence_media = false;

    // The sender's SDP: which payload types are telephone-event, and the silence byte of
    // each other type that has one.
    void set_dtmf_type(uint8_t type) { dtmf_types_.set(type & 0x7f); }
    void set_silence_byte(uint8_t type, uint8_t value) { silence_[type & 0x7f] = static_cast<int16_t>(value); }

    bool active() const { return block_dtmf || block_media || silence_media; }
    bool is_dtmf(uint8_t type) const { return dtmf_types_.test(type & 0x7f); }

    Verdict judge(const Packet& packet) const {
        if (!packet.is_rtp)
            return Verdict::pass;
        if (is_dtmf(packet.header.payload_type))
            return block_dtmf ? Verdict::drop : Verdict::pass;
        if (block_media)
            return Verdict::drop;
        return silence_media && silence_[packet.header.payload_type & 0x7f] >= 0 ? Verdict::silence : Verdict::pass;
    }
    uint8_t silence_byte(uint8_t type) const { return static_cast<uint8_t>(silence_[type & 0x7f]); }

private:
    std::bitset<128> dtmf_types_;
    std::array<int16_t, 128> silence_ = make_no_silence();
    static constexpr std::array<int16_t, 128> make_no_silence() {
        std::array<int16_t, 128> a{};
        a.fill(-1);
        return a;
    }
};

// The silence byte of an encoding ("PCMU/8000"), when its silence is one repeated byte.
std::optional<uint8_t> silence_byte_of(std::string_view encoding);

class Egress;
class PacketStream;

// deliver() of what the filter leaves: nothing when dropped, a silenced copy (built in the
// egress's scratch) when silenced, the packet itself otherwise.
void deliver_filtered(const MediaFilter& filter, PacketStream& to, const Packet& packet, Egress& egress);

}  // namespace rtpe::media
