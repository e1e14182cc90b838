#pragma once
// Packets per RTP payload type on one stream, and which payload types the SDPs of its m=
// line allow. A packet of a payload type no SDP named is counted as an error (and still
// forwarded), as upstream does; the codec query shows is the payload type with the most
// packets.
//
// Threading: allow() and count() run on the owning worker; the counts are relaxed atomics
// any thread may read. Slots are only ever added (as upstream adds and never removes), so a
// reader never sees a slot change its payload type.

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

#include "daemon/media/counter.hpp"

namespace rtpe::media {

struct AllowedPayload {
    uint8_t payload_type = 0;
    uint32_t clock_rate = 0;  // 0: unknown (a dynamic type without rtpmap)
    bool telephone_event = false;  // RFC 4733 events (DTMF logging reads them)
};

class PayloadCounts {
public:
    static constexpr std::size_t kSlots = 32;

    // Worker: adds the payload types not allowed yet (a full table ignores the rest).
    void allow(const std::vector<AllowedPayload>& payloads);

    // Packet path: counts a packet of payload_type; false when no SDP allowed it.
    // clock_rate gets the type's clock rate (0 when unknown or not allowed).
    bool count(uint8_t payload_type, uint32_t& clock_rate) {
        const uint8_t slot = slot_of_[payload_type & 0x7f];
        if (slot == kNone) {
            clock_rate = 0;
            return false;
        }
        clock_rate = slots_[slot].clock_rate;
        bump(slots_[slot].packets);
        return true;
    }

    // Worker: whether an allowed payload type is telephone-event.
    bool telephone_event(uint8_t payload_type) const {
        const uint8_t slot = slot_of_[payload_type & 0x7f];
        return slot != kNone && slots_[slot].telephone_event;
    }

    // Any thread: the payload type with the most packets (none before the first packet).
    // Ties go the way upstream's hash table iteration sends them, so query shows the same.
    std::optional<uint8_t> most_used() const;
    uint64_t packets(uint8_t payload_type) const;
    // The payload types allowed so far, in the order they were allowed.
    std::vector<uint8_t> allowed() const;

private:
    static constexpr uint8_t kNone = 0xff;
    struct Slot {
        std::atomic<uint8_t> payload_type{0};
        uint32_t clock_rate = 0;  // worker only
        bool telephone_event = false;  // worker only
        std::atomic<uint64_t> packets{0};
    };
    std::array<uint8_t, 128> slot_of_ = make_empty_index();
    std::array<Slot, kSlots> slots_;
    std::atomic<uint8_t> used_{0};

    static std::array<uint8_t, 128> make_empty_index() {
        std::array<uint8_t, 128> a;
        a.fill(kNone);
        return a;
    }
};

}  // namespace rtpe::media
