#pragma once
// Per-SSRC receive statistics of one stream (one direction): sequence tracking as RFC 3550
// appendix A.1 describes it (extended highest sequence, cycles, loss, duplicates,
// reordering) and interarrival jitter as appendix A.8 computes it.
//
// The table is bounded: a stream that shows more SSRCs than it has slots (a broken or
// hostile sender) evicts the least recently seen one, and counts it.
//
// Threading: the owning worker calls record(); the figures (SsrcFigures) are relaxed
// atomics any thread may read, the tracking state behind them is the worker's alone.

#include <array>
#include <atomic>
#include <cstdint>

#include "daemon/media/counter.hpp"

namespace rtpe::media {

// What query, the CLI and the statistics read of one SSRC.
struct SsrcFigures {
    std::atomic<uint32_t> ssrc{0};
    std::atomic<bool> in_use{false};
    std::atomic<uint64_t> packets{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<uint32_t> base_sequence{0};      // the first sequence number seen
    std::atomic<uint32_t> highest_sequence{0};   // extended (cycles << 16 | highest)
    std::atomic<uint64_t> duplicates{0};
    std::atomic<uint64_t> reordered{0};
    std::atomic<uint32_t> jitter{0};             // RFC 3550 A.8, timestamp units
    std::atomic<uint8_t> payload_type{0};        // of the last packet
    std::atomic<uint32_t> clock_rate{0};         // of the last packet's payload type; 0 = unknown

    // Packets the sequence numbers say were sent, and of them not received (never below 0).
    uint64_t expected() const;
    uint64_t lost() const;
};

// The tracking state of one SSRC, on its worker.
struct SsrcTracker {
    uint16_t max_sequence = 0;
    uint32_t cycles = 0;
    uint32_t bad_sequence = 0x10001;  // a value no 16-bit sequence has: no restart pending
    int64_t last_transit = 0;
    bool have_transit = false;
    uint32_t jitter_q4 = 0;           // jitter times 16, the RFC's integer form
    uint64_t last_seen = 0;           // the table's clock when this SSRC last arrived
};

class SsrcTable {
public:
    static constexpr std::size_t kCapacity = 16;

    // One RTP packet of ssrc; arrival_us is the monotonic receive time and clock_rate the
    // payload type's (0: no jitter for it). Returns true when the SSRC is new to the table.
    bool record(uint32_t ssrc, uint16_t sequence, uint32_t timestamp, uint8_t payload_type, uint32_t clock_rate,
                std::size_t bytes, int64_t arrival_us);

    // Slots in use are those with in_use set; any thread.
    const std::array<SsrcFigures, kCapacity>& figures() const { return figures_; }
    const SsrcFigures* find(uint32_t ssrc) const;
    uint64_t evictions() const { return peek(evictions_); }

private:
    std::size_t slot_for(uint32_t ssrc, bool& created);
    void start(std::size_t slot, uint32_t ssrc, uint16_t sequence);

    std::array<SsrcFigures, kCapacity> figures_;
    std::array<SsrcTracker, kCapacity> trackers_;
    std::size_t used_ = 0;
    std::size_t last_slot_ = 0;  // most packets belong to the SSRC of the one before
    uint64_t clock_ = 0;
    int64_t epoch_us_ = -1;      // arrival times relative to the first packet keep products small
    std::atomic<uint64_t> evictions_{0};
};

}  // namespace rtpe::media
