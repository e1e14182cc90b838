#include "daemon/media/ssrc_table.hpp"

namespace rtpe::media {

namespace {

// RFC 3550 A.1's limits: a jump forward of up to 3000 is loss, a jump back of up to 100
// is a late packet; anything else is a restart once two packets agree on it.
constexpr uint32_t kMaxDropout = 3000;
constexpr uint32_t kMaxMisorder = 100;
constexpr uint32_t kSequenceModulus = 1u << 16;

}  // namespace

uint64_t SsrcFigures::expected() const {
    const uint32_t highest = peek(highest_sequence), base = peek(base_sequence);
    return highest >= base ? static_cast<uint64_t>(highest - base) + 1 : 0;
}

uint64_t SsrcFigures::lost() const {
    const uint64_t exp = expected();
    const uint64_t got = peek(packets) - peek(duplicates);
    return exp > got ? exp - got : 0;
}

const SsrcFigures* SsrcTable::find(uint32_t ssrc) const {
    for (const auto& f : figures_)
        if (peek(f.in_use) && peek(f.ssrc) == ssrc)
            return &f;
    return nullptr;
}

void SsrcTable::start(std::size_t slot, uint32_t ssrc, uint16_t sequence) {
    SsrcFigures& f = figures_[slot];
    // Marked unused while being rewritten, so a reader never pairs the new SSRC with old figures.
    put(f.in_use, false);
    put(f.ssrc, ssrc);
    put(f.packets, uint64_t{0});
    put(f.bytes, uint64_t{0});
    put(f.base_sequence, uint32_t{sequence});
    put(f.highest_sequence, uint32_t{sequence});
    put(f.duplicates, uint64_t{0});
    put(f.reordered, uint64_t{0});
    put(f.jitter, uint32_t{0});
    trackers_[slot] = SsrcTracker{};
    trackers_[slot].max_sequence = sequence;
    f.in_use.store(true, std::memory_order_release);
}

std::size_t SsrcTable::slot_for(uint32_t ssrc, bool& created) {
    created = false;
    if (last_slot_ < used_ && peek(figures_[last_slot_].ssrc) == ssrc)
        return last_slot_;
    for (std::size_t i = 0; i < used_; ++i)
        if (peek(figures_[i].ssrc) == ssrc)
            return i;
    created = true;
    if (used_ < kCapacity)
        return used_++;
    std::size_t oldest = 0;
    for (std::size_t i = 1; i < kCapacity; ++i)
        if (trackers_[i].last_seen < trackers_[oldest].last_seen)
            oldest = i;
    bump(evictions_);
    return oldest;
}

bool SsrcTable::record(uint32_t ssrc, uint16_t sequence, uint32_t timestamp, uint8_t payload_type,
                       uint32_t clock_rate, std::size_t bytes, int64_t arrival_us) {
    bool created = false;
    const std::size_t slot = slot_for(ssrc, created);
    last_slot_ = slot;
    if (created)
        start(slot, ssrc, sequence);
    SsrcFigures& f = figures_[slot];
    SsrcTracker& t = trackers_[slot];
    t.last_seen = ++clock_;
    bump(f.packets);
    bump(f.bytes, static_cast<uint64_t>(bytes));
    put(f.payload_type, payload_type);
    put(f.clock_rate, clock_rate);

    bool in_order = false;
    if (!created) {
        const uint16_t delta = static_cast<uint16_t>(sequence - t.max_sequence);
        if (delta == 0) {
            bump(f.duplicates);
            return false;
        }
        if (delta < kMaxDropout) {
            if (sequence < t.max_sequence)
                t.cycles += kSequenceModulus;
            t.max_sequence = sequence;
            in_order = true;
        } else if (delta <= kSequenceModulus - kMaxMisorder) {
            // A big jump: the sender restarted, if the next packet follows this one.
            if (sequence == t.bad_sequence) {
                const uint64_t packets = peek(f.packets), bytes_so_far = peek(f.bytes);
                start(slot, ssrc, sequence);
                put(f.packets, packets);
                put(f.bytes, bytes_so_far);
                put(f.base_sequence, uint32_t{sequence} - static_cast<uint32_t>(packets - 1));
                in_order = true;
            } else {
                t.bad_sequence = (static_cast<uint32_t>(sequence) + 1) & (kSequenceModulus - 1);
                return false;
            }
        } else {
            bump(f.reordered);  // late, within the misorder window
        }
        put(f.highest_sequence, t.cycles + t.max_sequence);
    } else {
        in_order = true;
    }

    // RFC 3550 A.8: the difference of relative transit times, smoothed by 1/16. Transit is
    // taken in the payload's clock, so only packets whose clock rate we know count.
    if (clock_rate && in_order) {
        if (epoch_us_ < 0)
            epoch_us_ = arrival_us;
        const int64_t arrival = (arrival_us - epoch_us_) * static_cast<int64_t>(clock_rate) / 1000000;
        const int64_t transit = arrival - static_cast<int64_t>(timestamp);
        if (t.have_transit) {
            int64_t d = transit - t.last_transit;
            if (d < 0)
                d = -d;
            // Wrapped timestamps give absurd differences; they are not jitter.
            if (d < (int64_t{1} << 31)) {
                const int64_t q4 = static_cast<int64_t>(t.jitter_q4) + d - ((static_cast<int64_t>(t.jitter_q4) + 8) >> 4);
                t.jitter_q4 = q4 < 0 ? 0 : static_cast<uint32_t>(q4 > 0xffffffffLL ? 0xffffffffLL : q4);
            }
        }
        t.last_transit = transit;
        t.have_transit = true;
        put(f.jitter, t.jitter_q4 >> 4);
    }
    return created;
}

}  // namespace rtpe::media
