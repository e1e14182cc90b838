#pragma once
// Call quality from relayed RTCP, as upstream computes it: a receiver report about a
// sender report we relayed gives the round trip of the reporter's leg (arrival of the RR
// minus arrival of the SR minus DLSR); with the other leg's last round trip, the block's
// jitter and loss, it makes one MOS sample for the reporting SSRC.
//
// RtcpQuality is worker state of one RTCP-carrying stream; samples go up to the control
// thread as events and are kept per call in a QualityLog, which query and delete show.

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>

#include "rtp/mos.hpp"
#include "rtp/rtcp.hpp"

namespace rtpe::media {

class PacketStream;

struct QualitySample {
    int mos_x10 = 0;              // 0: none
    uint64_t rtt_us = 0;          // end to end: both legs
    uint64_t rtt_leg_us = 0;      // the reporter's leg
    uint32_t jitter_ms = 0;
    uint32_t packet_loss = 0;     // percent
    int64_t reported_at = 0;      // wall-clock seconds
    int32_t cumulative_lost = 0;  // as the block said
};

// --mos: set once at startup.
void set_mos_type(rtp::MosType type);

class RtcpQuality {
public:
    // The SRs that arrived here recently, by sender SSRC and the NTP middle bits a
    // receiver echoes as LSR.
    void remember_sender_report(uint32_t ssrc, uint32_t ntp_middle, int64_t now_us);

    // For an RTCP compound that arrived on `here`, whose peer-facing stream relays it:
    // samples (into out, at most cap) for the report blocks about SSRCs whose SRs `peer`
    // relayed. Returns how many; the reporter is summary.sender_ssrc.
    static std::size_t on_report_blocks(PacketStream& here, PacketStream& peer, const rtp::RtcpSummary& summary,
                                        int64_t now_us, int64_t wall_s, QualitySample* out, std::size_t cap);

    // Upstream's per-SSRC "last RTT": the round trip measured from reports about this side's
    // SRs (the other party's leg), added to the reporter's own leg for the end-to-end figure.
    int64_t last_rtt_us = 0;

private:
    struct SenderReportSeen {
        uint32_t ssrc = 0;
        uint32_t ntp_middle = 0;
        int64_t received_us = 0;
    };
    const SenderReportSeen* find(uint32_t ssrc, uint32_t lsr) const;

    std::array<SenderReportSeen, 8> reports_{};
    std::size_t next_ = 0;
    int64_t last_sample_us_ = 0;
};

// A call's MOS samples by reporting SSRC (control thread).
class QualityLog {
public:
    static constexpr std::size_t kMaxSamples = 1024;  // per SSRC; the oldest go, sums stay

    struct PerSsrc {
        std::deque<QualitySample> samples;
        uint64_t count = 0;  // samples with a MOS: what averages and extremes cover
        uint64_t sum_mos = 0, sum_mos_squared = 0, sum_rtt = 0, sum_rtt_leg = 0, sum_jitter = 0, sum_loss = 0;
        std::optional<QualitySample> lowest, highest;
        int32_t cumulative_lost = 0;
    };

    void add(uint32_t ssrc, const QualitySample& sample);
    const std::map<uint32_t, PerSsrc>& by_ssrc() const { return by_ssrc_; }

private:
    std::map<uint32_t, PerSsrc> by_ssrc_;
};

}  // namespace rtpe::media
