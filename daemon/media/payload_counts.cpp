#include "daemon/media/payload_counts.hpp"

namespace rtpe::media {

namespace {

// Upstream keeps these counts in a GLib hash table of integer keys and takes the first of
// a stable sort by count, so equal counts are ordered as the table is walked: bucket
// (key * 11) mod 7 for small tables, listed back to front. The larger rank wins a tie.
unsigned tie_rank(uint8_t payload_type) {
    return (payload_type * 11u) % 7u;
}

}  // namespace

void PayloadCounts::allow(const std::vector<AllowedPayload>& payloads) {
    for (const auto& p : payloads) {
        const uint8_t pt = p.payload_type & 0x7f;
        const uint8_t used = peek(used_);
        if (slot_of_[pt] != kNone) {
            if (p.clock_rate)
                slots_[slot_of_[pt]].clock_rate = p.clock_rate;
            slots_[slot_of_[pt]].telephone_event = p.telephone_event;
            continue;
        }
        if (used >= kSlots)
            return;
        slots_[used].clock_rate = p.clock_rate;
        slots_[used].telephone_event = p.telephone_event;
        put(slots_[used].payload_type, pt);
        slot_of_[pt] = used;
        used_.store(static_cast<uint8_t>(used + 1), std::memory_order_release);
    }
}

std::optional<uint8_t> PayloadCounts::most_used() const {
    const uint8_t used = used_.load(std::memory_order_acquire);
    std::optional<uint8_t> best;
    uint64_t best_packets = 0;
    for (uint8_t i = 0; i < used; ++i) {
        const uint64_t n = peek(slots_[i].packets);
        const uint8_t pt = peek(slots_[i].payload_type);
        if (n == 0)
            continue;
        if (!best || n > best_packets || (n == best_packets && tie_rank(pt) > tie_rank(*best))) {
            best = pt;
            best_packets = n;
        }
    }
    return best;
}

uint64_t PayloadCounts::packets(uint8_t payload_type) const {
    const uint8_t used = used_.load(std::memory_order_acquire);
    for (uint8_t i = 0; i < used; ++i)
        if (peek(slots_[i].payload_type) == payload_type)
            return peek(slots_[i].packets);
    return 0;
}

std::vector<uint8_t> PayloadCounts::allowed() const {
    const uint8_t used = used_.load(std::memory_order_acquire);
    std::vector<uint8_t> out;
    out.reserve(used);
    for (uint8_t i = 0; i < used; ++i)
        out.push_back(peek(slots_[i].payload_type));
    return out;
}

}  // namespace rtpe::media
