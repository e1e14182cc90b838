#pragma once
// What the statistics are folded from, as plain values: what one ended call contributes
// and what the running calls amount to now. The call layer builds them (see
// daemon/call/call_samples.hpp); stats/ knows nothing of calls.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rtpe::stats {

// Why a call ended; each reason has its own counter in upstream's statistics.
enum class EndReason { regular, forced, timeout, silent_timeout, final_timeout, offer_timeout };
inline constexpr std::size_t kEndReasonCount = 6;

struct Relayed {
    uint64_t packets = 0, bytes = 0, errors = 0;
    // What arrived classified (RFC 7983) or refused, ours beside upstream's figures: STUN
    // and DTLS datagrams, RTP/RTCP that did not parse, SRTP/SRTCP that did not authenticate.
    uint64_t stun = 0, dtls = 0, malformed = 0, srtp_failures = 0;
    // Of packets, bytes and errors: what the kernel forwarded (or failed to).
    uint64_t kernel_packets = 0, kernel_bytes = 0, kernel_errors = 0;
    // Ours too: what the clocked stages of codec chains did to the RTP they took: packets
    // that came after their turn or twice, packets that never came, packet times filled,
    // held packets given up, and --dtx-shift moving the clock forward or back.
    uint64_t playout_late = 0, playout_duplicates = 0, playout_lost = 0, playout_filled = 0, playout_dropped = 0,
             playout_shifted_forward = 0, playout_shifted_back = 0;
    uint64_t user_packets() const { return packets - kernel_packets; }
    uint64_t user_bytes() const { return bytes - kernel_bytes; }
    uint64_t user_errors() const { return errors - kernel_errors; }
    Relayed& operator+=(const Relayed& o);
    Relayed operator-(const Relayed& o) const;
};

// Every figure of Relayed, for what is done to all of them alike.
inline constexpr std::array<uint64_t Relayed::*, 17> kRelayedFigures = {
    &Relayed::packets,         &Relayed::bytes,          &Relayed::errors,
    &Relayed::stun,            &Relayed::dtls,           &Relayed::malformed,
    &Relayed::srtp_failures,   &Relayed::kernel_packets, &Relayed::kernel_bytes,
    &Relayed::kernel_errors,   &Relayed::playout_late,   &Relayed::playout_duplicates,
    &Relayed::playout_lost,    &Relayed::playout_filled, &Relayed::playout_dropped,
    &Relayed::playout_shifted_forward, &Relayed::playout_shifted_back};

inline Relayed& Relayed::operator+=(const Relayed& o) {
    for (auto figure : kRelayedFigures)
        this->*figure += o.*figure;
    return *this;
}

inline Relayed Relayed::operator-(const Relayed& o) const {
    Relayed r = *this;
    for (auto figure : kRelayedFigures)
        r.*figure -= o.*figure;
    return r;
}

// MOS samples (from relayed RTCP) of one call or summed over calls. MOS in tenths, as
// computed; the other figures summed over the same samples. Upstream 10.5 shows the MOS
// sums only; the rest is there for averages a later upstream shows.
struct QualityFigures {
    uint64_t samples = 0;
    uint64_t mos_x10 = 0, mos_x10_squared = 0;
    int lowest_mos_x10 = 0, highest_mos_x10 = 0;  // 0: no sample
    uint64_t jitter_ms = 0, rtt_us = 0, packet_loss = 0;
    QualityFigures& operator+=(const QualityFigures& o);
};

// The codec chains of one kind ("PCMU/8000 -> G722/8000"): how many run now, and what went
// through them (RTP packets and payload bytes in, PCM samples to the encoder).
struct ChainFigures {
    uint64_t transcoders = 0, packets = 0, bytes = 0, samples = 0;
    ChainFigures& operator+=(const ChainFigures& o) {
        transcoders += o.transcoders;
        packets += o.packets;
        bytes += o.bytes;
        samples += o.samples;
        return *this;
    }
};
// By chain kind, in the order each was first seen.
class Chains {
public:
    ChainFigures& operator[](const std::string& name) {
        for (auto& [n, f] : entries_)
            if (n == name)
                return f;
        return entries_.emplace_back(name, ChainFigures{}).second;
    }
    const ChainFigures* find(const std::string& name) const {
        for (const auto& [n, f] : entries_)
            if (n == name)
                return &f;
        return nullptr;
    }
    auto begin() const { return entries_.begin(); }
    auto end() const { return entries_.end(); }
    bool empty() const { return entries_.empty(); }
    void clear() { entries_.clear(); }

private:
    std::vector<std::pair<std::string, ChainFigures>> entries_;
};

// What one call contributes to the totals when it ends.
struct EndedCallSample {
    EndReason reason = EndReason::regular;
    double duration = 0;  // seconds
    Relayed relayed;      // RTP and RTCP, every stream
    // Per media line, by what its two RTP streams received: nothing either way, or one way only.
    uint64_t streams_without_packets = 0, one_way_streams = 0;
    QualityFigures quality;
    Chains chains;  // its codec chains (transcoders: 0, they are no longer running)
};

// The calls running now.
struct RunningCalls {
    uint64_t sessions = 0;
    // RTP streams that received a packet, by who forwarded: userspace only, the kernel
    // only, or both.
    uint64_t media_streams = 0, media_kernel = 0, media_mixed = 0;
    uint64_t v4 = 0, v6 = 0, mixed = 0;  // answered calls by the address families of their media
    Relayed relayed;                      // so far
    QualityFigures quality;               // sampled so far
    Chains chains;                        // so far
};

}  // namespace rtpe::stats
