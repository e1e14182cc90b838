#include "daemon/media/rtcp_quality.hpp"

#include <atomic>

#include "daemon/media/packet_stream.hpp"

namespace rtpe::media {

namespace {

std::atomic<rtp::MosType> g_mos_type{rtp::MosType::cq};
constexpr int64_t kMaxRttUs = 10'000'000;      // upstream discards longer round trips
constexpr int64_t kMinSampleGapUs = 1'000'000;  // and samples less than a second apart

// The clock rate of ssrc's payload, as received on stream (0: unknown).
uint32_t clock_rate_of(const PacketStream* stream, uint32_t ssrc) {
    if (!stream)
        return 0;
    const SsrcFigures* f = stream->ssrcs().find(ssrc);
    return f ? peek(f->clock_rate) : 0;
}

}  // namespace

void set_mos_type(rtp::MosType type) {
    g_mos_type.store(type, std::memory_order_relaxed);
}

void RtcpQuality::remember_sender_report(uint32_t ssrc, uint32_t ntp_middle, int64_t now_us) {
    reports_[next_] = {ssrc, ntp_middle, now_us};
    next_ = (next_ + 1) % reports_.size();
}

const RtcpQuality::SenderReportSeen* RtcpQuality::find(uint32_t ssrc, uint32_t lsr) const {
    for (const auto& r : reports_)
        if (r.received_us && r.ssrc == ssrc && r.ntp_middle == lsr)
            return &r;
    return nullptr;
}

std::size_t RtcpQuality::on_report_blocks(PacketStream& here, PacketStream& peer, const rtp::RtcpSummary& summary,
                                          int64_t now_us, int64_t wall_s, QualitySample* out, std::size_t cap) {
    if (!summary.sender_ssrc)
        return 0;
    RtcpQuality& reporter = here.rtcp_quality;
    std::size_t n = 0;
    for (std::size_t i = 0; i < summary.report_block_count && n < cap; ++i) {
        const rtp::ReportBlock& rb = summary.report_blocks[i];
        if (!rb.lsr || !rb.dlsr)
            continue;  // no SR seen by the reporter: no delay to know
        const SenderReportSeen* sr = peer.rtcp_quality.find(rb.ssrc, rb.lsr);
        if (!sr)
            continue;
        const int64_t rtt = now_us - sr->received_us - static_cast<int64_t>(rb.dlsr) * 1000000 / 65536;
        if (rtt <= 0 || rtt > kMaxRttUs)
            continue;
        peer.rtcp_quality.last_rtt_us = rtt;
        if (reporter.last_sample_us_ && now_us - reporter.last_sample_us_ < kMinSampleGapUs)
            continue;
        // Jitter is in the reported source's clock; failing that, the reporter's own.
        uint32_t clock = clock_rate_of(peer.rtp_sibling, rb.ssrc);
        if (!clock)
            clock = clock_rate_of(here.rtp_sibling, *summary.sender_ssrc);
        if (!clock)
            continue;  // upstream discards reports it cannot scale
        QualitySample s;
        s.rtt_leg_us = static_cast<uint64_t>(rtt);
        // Both legs make the end-to-end figure; until the other side has reported on ours,
        // the sample has none (and, under CQ, no MOS), as upstream records it.
        s.rtt_us = reporter.last_rtt_us ? static_cast<uint64_t>(rtt + reporter.last_rtt_us) : 0;
        s.jitter_ms = rtp::jitter_to_ms(rb.jitter, clock);
        s.packet_loss = rtp::packet_loss_percent(rb.fraction_lost);
        s.mos_x10 = rtp::mos_x10({s.rtt_us, s.jitter_ms, s.packet_loss}, g_mos_type.load(std::memory_order_relaxed));
        s.reported_at = wall_s;
        s.cumulative_lost = rb.cumulative_lost;
        reporter.last_sample_us_ = now_us;
        out[n++] = s;
    }
    return n;
}

void QualityLog::add(uint32_t ssrc, const QualitySample& s) {
    PerSsrc& e = by_ssrc_[ssrc];
    if (e.samples.size() == kMaxSamples)
        e.samples.pop_front();
    e.samples.push_back(s);
    e.cumulative_lost = s.cumulative_lost;
    // A sample without MOS shows in the progression only, as upstream's do.
    if (!s.mos_x10)
        return;
    ++e.count;
    e.sum_mos += static_cast<uint64_t>(s.mos_x10);
    e.sum_mos_squared += static_cast<uint64_t>(s.mos_x10) * static_cast<uint64_t>(s.mos_x10);
    e.sum_rtt += s.rtt_us;
    e.sum_rtt_leg += s.rtt_leg_us;
    e.sum_jitter += s.jitter_ms;
    e.sum_loss += s.packet_loss;
    // The first of equal values stays, as upstream keeps it.
    if (!e.lowest || s.mos_x10 < e.lowest->mos_x10)
        e.lowest = s;
    if (!e.highest || s.mos_x10 > e.highest->mos_x10)
        e.highest = s;
}

}  // namespace rtpe::media
