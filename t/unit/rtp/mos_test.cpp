#include "rtp/mos.hpp"

#include <gtest/gtest.h>

namespace rtpe::rtp {

// Effective latency e = rtt_ms + 2 jitter + 10; R = 93.2 - e/40 (e < 160) or
// 93.2 - (e - 120)/10, minus 2.5 per percent lost; MOS = 1 + 0.035 R + 7e-6 R (R-60) (100-R),
// times 10 and truncated.
TEST(Mos, HandWorked) {
    // e = 20 + 10 + 10 = 40, R = 92.2, MOS = 1 + 3.227 + 0.1621 = 4.389
    EXPECT_EQ(mos_x10({20'000, 5, 0}, MosType::cq), 43);
    // e = 300 + 40 + 10 = 350, R = 93.2 - 23 = 70.2, MOS = 1 + 2.457 + 0.1494 = 3.606
    EXPECT_EQ(mos_x10({300'000, 20, 0}, MosType::cq), 36);
    // e = 30, R = 92.45 - 25 = 67.45, MOS = 1 + 2.3608 + 0.1145 = 3.475
    EXPECT_EQ(mos_x10({20'000, 0, 10}, MosType::cq), 34);
    // Sub-millisecond RTT is truncated away before the floating point part: e = 10.
    EXPECT_EQ(mos_x10({999, 0, 0}, MosType::cq), 44);
}

TEST(Mos, Clamps) {
    // R = 92.45 - 100 < 0: the floor of 1.0.
    EXPECT_EQ(mos_x10({20'000, 0, 40}, MosType::cq), 10);
    // R = 4.95: the cubic gives 0.992, which upstream refuses to report.
    EXPECT_EQ(mos_x10({20'000, 0, 35}, MosType::cq), 0);
    // e = 1010, R = 4.2: likewise.
    EXPECT_EQ(mos_x10({1'000'000, 0, 0}, MosType::cq), 0);
    // Never above 4.4: with e = 10 and no loss R = 92.95, MOS = 4.404.
    EXPECT_EQ(mos_x10({0, 0, 0}, MosType::lq), 44);
}

TEST(Mos, ConversationalNeedsRtt) {
    EXPECT_EQ(mos_x10({0, 5, 0}, MosType::cq), 0);
    // LQ reports without an RTT: e = 20, R = 92.7, MOS = 1 + 3.2445 + 0.1549 = 4.399
    EXPECT_EQ(mos_x10({0, 5, 0}, MosType::lq), 43);
    // ...and, as upstream mr10.5 does, still counts an RTT it has.
    EXPECT_EQ(mos_x10({300'000, 20, 0}, MosType::lq), 36);
}

TEST(Mos, MatchesDebianDaemon) {
    // The packaged rtpengine 10.5.3.5 with --mos=LQ and with --mos=CQ, both legs answering
    // SRs 252 ms late, no jitter or loss, reported "MOS": 27 for an end-to-end RTT of
    // 504 063 us; with only one leg's RTT known (end-to-end 0) LQ gave 44 and CQ nothing.
    // e = 514, R = 53.8, MOS = 1 + 1.883 - 0.108 = 2.775
    EXPECT_EQ(mos_x10({504'063, 0, 0}, MosType::lq), 27);
    EXPECT_EQ(mos_x10({504'063, 0, 0}, MosType::cq), 27);
    EXPECT_EQ(mos_x10({0, 0, 0}, MosType::lq), 44);
    EXPECT_EQ(mos_x10({0, 0, 0}, MosType::cq), 0);
}

TEST(Mos, NtpMiddle) {
    EXPECT_EQ(ntp_middle(0x83aa7e80, 0x80000000), 0x7e808000u);
    // 1970-01-01 is NTP second 2208988800 = 0x83aa7e80.
    EXPECT_EQ(ntp_middle_from_unix(0, 0), 0x7e800000u);
    EXPECT_EQ(ntp_middle_from_unix(0, 500'000), 0x7e808000u);
    EXPECT_EQ(ntp_middle_from_unix(1, 250'000), 0x7e814000u);
}

TEST(Mos, RttFromReport) {
    // SR sent at 0x10000000, held 1 s (65536) at the receiver, RR back 6553 units
    // (99 990.2 us) later than that.
    EXPECT_EQ(rtt_from_report(0x10000000 + 0x10000 + 6553, 0x10000000, 0x10000), 99'990u);
    // Across the wrap of the 32-bit middle: 0x1800 - 0x800 = 4096 units = 62.5 ms.
    EXPECT_EQ(rtt_from_report(0x00000800, 0xfffff000, 0x800), 62'500u);
    // No SR seen, or no delay given.
    EXPECT_FALSE(rtt_from_report(0x10000000, 0, 0x10000));
    EXPECT_FALSE(rtt_from_report(0x10000000, 0x0f000000, 0));
    // Arrival before LSR + DLSR: clocks disagree.
    EXPECT_FALSE(rtt_from_report(0x10000000 + 0x8000, 0x10000000, 0x10000));
    EXPECT_FALSE(rtt_from_report(0x10000000 + 0x10000, 0x10000000, 0x10000));
    // Over 10 s.
    EXPECT_FALSE(rtt_from_report(0x10000000 + 0x10000 + 11 * 65536, 0x10000000, 0x10000));
    EXPECT_EQ(rtt_from_report(0x10000000 + 0x10000 + 10 * 65536, 0x10000000, 0x10000), 10'000'000u);
}

TEST(Mos, JitterAndLoss) {
    EXPECT_EQ(jitter_to_ms(800, 8000), 100u);
    EXPECT_EQ(jitter_to_ms(45, 8000), 5u);  // 5.625 truncated
    EXPECT_EQ(jitter_to_ms(480, 48000), 10u);
    EXPECT_EQ(jitter_to_ms(45, 0), 45u);
    EXPECT_EQ(jitter_to_ms(0xffffffff, 8000), 536'870'911u);
    EXPECT_EQ(packet_loss_percent(0), 0u);
    EXPECT_EQ(packet_loss_percent(26), 10u);   // 10.16
    EXPECT_EQ(packet_loss_percent(128), 50u);
    EXPECT_EQ(packet_loss_percent(255), 99u);  // 99.6
}

}  // namespace rtpe::rtp
