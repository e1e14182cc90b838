#include "daemon/media/rtcp_quality.hpp"

#include <gtest/gtest.h>

#include "daemon/media/packet_stream.hpp"

namespace rtpe::media {

namespace {

constexpr uint32_t kA = 0xAAAA0001, kB = 0xBBBB0002;
constexpr uint32_t kDlsr350ms = 22938;  // 0.35 s in 1/65536 s

// One side of a call: its RTP stream (for the payload clock) and its RTCP stream.
struct Side {
    PacketStream rtp{-1, false};
    PacketStream rtcp{-1, true};
    Side(uint32_t ssrc) {
        rtp.payloads().allow({{0, 8000}});
        rtcp.rtp_sibling = &rtp;
        uint32_t clock = 0;
        rtp.payloads().count(0, clock);
        rtp.ssrcs().record(ssrc, 1, 0, 0, clock, 172, 0);
    }
};

rtp::RtcpSummary rr(uint32_t from, uint32_t about, uint32_t lsr, uint8_t fraction_lost = 0, uint32_t jitter = 0) {
    rtp::RtcpSummary s;
    s.sender_ssrc = from;
    s.report_block_count = 1;
    s.report_blocks[0].ssrc = about;
    s.report_blocks[0].lsr = lsr;
    s.report_blocks[0].dlsr = kDlsr350ms;
    s.report_blocks[0].fraction_lost = fraction_lost;
    s.report_blocks[0].jitter = jitter;
    s.report_blocks[0].cumulative_lost = 3;
    return s;
}

}  // namespace

// The exchange Debian's daemon was observed with: SRs from both, then RRs 600 ms later
// with DLSR 350 ms, so each leg is 250 ms; a sample needs both legs.
TEST(RtcpQuality, BothLegsMakeOneSample) {
    Side a(kA), b(kB);
    a.rtcp.forwarder.set_targets(&b.rtcp, nullptr);
    b.rtcp.forwarder.set_targets(&a.rtcp, nullptr);
    const int64_t t0 = 5'000'000;
    a.rtcp.rtcp_quality.remember_sender_report(kA, 0x1111, t0);
    b.rtcp.rtcp_quality.remember_sender_report(kB, 0x2222, t0);
    QualitySample out[4];
    const auto rr_b = rr(kB, kA, 0x1111);
    // B reports first: B's leg is known, A's not yet: a sample without the end-to-end figure.
    ASSERT_EQ(RtcpQuality::on_report_blocks(b.rtcp, a.rtcp, rr_b, t0 + 600'000, 100, out, 4), 1u);
    EXPECT_EQ(out[0].rtt_us, 0u);
    EXPECT_EQ(out[0].mos_x10, 0);
    EXPECT_NEAR(static_cast<double>(out[0].rtt_leg_us), 250'000, 100);
    const auto rr_a = rr(kA, kB, 0x2222, 25, 160);
    ASSERT_EQ(RtcpQuality::on_report_blocks(a.rtcp, b.rtcp, rr_a, t0 + 601'000, 100, out, 4), 1u);
    EXPECT_NEAR(static_cast<double>(out[0].rtt_us), 500'000, 2000);
    EXPECT_NEAR(static_cast<double>(out[0].rtt_leg_us), 251'000, 100);
    EXPECT_EQ(out[0].jitter_ms, 20u);    // 160 samples at 8 kHz
    EXPECT_EQ(out[0].packet_loss, 9u);   // 25/256
    EXPECT_EQ(out[0].cumulative_lost, 3);
    EXPECT_EQ(out[0].reported_at, 100);
    EXPECT_GT(out[0].mos_x10, 10);
}

TEST(RtcpQuality, UnknownSrBadDelayAndTooSoonGiveNothing) {
    Side a(kA), b(kB);
    QualitySample out[4];
    a.rtcp.rtcp_quality.remember_sender_report(kA, 0x1111, 1'000'000);
    EXPECT_EQ(RtcpQuality::on_report_blocks(b.rtcp, a.rtcp, rr(kB, kA, 0x9999), 1'600'000, 1, out, 4), 0u);
    // The RR claims to have held the SR longer than it has been around: negative round trip.
    EXPECT_EQ(RtcpQuality::on_report_blocks(b.rtcp, a.rtcp, rr(kB, kA, 0x1111), 1'100'000, 1, out, 4), 0u);
    EXPECT_EQ(RtcpQuality::on_report_blocks(b.rtcp, a.rtcp, rr(kB, kA, 0x1111), 1'600'000, 1, out, 4), 1u);
    a.rtcp.rtcp_quality.remember_sender_report(kA, 0x1112, 1'700'000);
    EXPECT_EQ(RtcpQuality::on_report_blocks(b.rtcp, a.rtcp, rr(kB, kA, 0x1112), 2'300'000, 1, out, 4), 0u);  // < 1 s
}

TEST(QualityLog, AveragesOnlyOverSamplesWithMosAndKeepsFirstExtremes) {
    QualityLog log;
    QualitySample none;  // a one-legged sample
    none.rtt_leg_us = 250'000;
    none.reported_at = 10;
    QualitySample s1{27, 500'000, 250'000, 0, 0, 11, 0}, s2{27, 510'000, 255'000, 2, 0, 12, 1},
        s3{30, 100'000, 50'000, 0, 0, 13, 1};
    for (const auto& s : {none, s1, s2, s3})
        log.add(kA, s);
    const auto& e = log.by_ssrc().at(kA);
    EXPECT_EQ(e.samples.size(), 4u);
    EXPECT_EQ(e.count, 3u);
    EXPECT_EQ(e.sum_mos / e.count, 28u);
    EXPECT_EQ(e.lowest->reported_at, 11);
    EXPECT_EQ(e.highest->reported_at, 13);
    EXPECT_EQ(e.cumulative_lost, 1);
}

}  // namespace rtpe::media
