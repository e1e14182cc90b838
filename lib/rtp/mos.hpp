#pragma once
// Call quality figures from RTCP receiver reports, computed the way rtpengine mr10.5 does so
// that the numbers in query replies, CDRs and Homer agree with the original's.

#include <cstdint>
#include <optional>

namespace rtpe::rtp {

// --mos=CQ or --mos=LQ.
enum class MosType : uint8_t { cq, lq };

struct MosInputs {
    // End-to-end round trip (both legs added), microseconds; 0 when unknown.
    uint64_t rtt_us = 0;
    // Interarrival jitter in milliseconds.
    uint32_t jitter_ms = 0;
    // Whole percent, as packet_loss_percent() gives.
    uint32_t packet_loss_percent = 0;
};

// MOS ×10 (10 = 1.0 … 50 = 5.0), or 0 when there is none to report.
//
// The R factor follows the simplified E-model PingPlotter publishes: effective latency
// rtt_ms + 2 × jitter + 10, a steeper penalty from 160 ms on, 2.5 per percent lost. CQ gives
// no MOS without an RTT. LQ does not need one, but upstream mr10.5 still feeds whatever RTT
// it has into the latency (its LQ branch clears a copy the formula never reads); we keep
// that so both daemons report the same MOS for the same reports.
int mos_x10(const MosInputs& in, MosType type);

// The middle 32 bits of a 64-bit NTP timestamp, the unit of LSR/DLSR (1/65536 s).
inline uint32_t ntp_middle(uint32_t ntp_msw, uint32_t ntp_lsw) {
    return (ntp_msw << 16) | (ntp_lsw >> 16);
}

// The same for a Unix time, e.g. when an RR arrived.
uint32_t ntp_middle_from_unix(int64_t seconds, uint32_t microseconds);

// RFC 3550 §6.4.1: RTT = arrival - LSR - DLSR, all in 1/65536 s, in microseconds. None when
// the block carries no LSR or DLSR (upstream treats a zero DLSR as "no SR seen" too), or
// when the result is not within (0, 10 s], the bounds upstream accepts.
std::optional<uint64_t> rtt_from_report(uint32_t arrival_ntp_middle, uint32_t lsr, uint32_t dlsr);

// RTCP jitter is in RTP timestamp units; milliseconds need the stream's clock rate. A zero
// clock rate leaves the value as it is, as upstream does.
uint32_t jitter_to_ms(uint32_t jitter, uint32_t clock_rate);

// fraction_lost is loss in 1/256; upstream reports whole percent, rounded down.
inline uint32_t packet_loss_percent(uint8_t fraction_lost) {
    return static_cast<uint32_t>(fraction_lost) * 100 / 256;
}

}  // namespace rtpe::rtp
