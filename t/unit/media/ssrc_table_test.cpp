#include "daemon/media/ssrc_table.hpp"

#include <gtest/gtest.h>

namespace rtpe::media {

namespace {
constexpr uint32_t kSsrc = 0x11223344;
constexpr uint32_t kClock = 8000;
// 20 ms packets of 160 samples, arriving exactly on time from t0.
int64_t on_time_us(int packet) {
    return 1'000'000 + packet * 20'000;
}
}  // namespace

TEST(SsrcTable, InOrderStreamHasNoLossNoJitter) {
    SsrcTable t;
    EXPECT_TRUE(t.record(kSsrc, 100, 0, 0, kClock, 172, on_time_us(0)));
    for (int i = 1; i < 50; ++i)
        EXPECT_FALSE(t.record(kSsrc, static_cast<uint16_t>(100 + i), 160u * i, 0, kClock, 172, on_time_us(i)));
    const SsrcFigures* f = t.find(kSsrc);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(peek(f->packets), 50u);
    EXPECT_EQ(peek(f->bytes), 50u * 172);
    EXPECT_EQ(f->expected(), 50u);
    EXPECT_EQ(f->lost(), 0u);
    EXPECT_EQ(peek(f->jitter), 0u);
    EXPECT_EQ(peek(f->duplicates), 0u);
}

TEST(SsrcTable, LossDuplicatesAndReordering) {
    SsrcTable t;
    t.record(kSsrc, 1, 0, 0, kClock, 10, on_time_us(0));
    t.record(kSsrc, 2, 160, 0, kClock, 10, on_time_us(1));
    // 3 and 4 lost, 6 arrives before 5, 6 duplicated
    t.record(kSsrc, 6, 800, 0, kClock, 10, on_time_us(5));
    t.record(kSsrc, 5, 640, 0, kClock, 10, on_time_us(5));
    t.record(kSsrc, 6, 800, 0, kClock, 10, on_time_us(5));
    t.record(kSsrc, 7, 960, 0, kClock, 10, on_time_us(6));
    const SsrcFigures* f = t.find(kSsrc);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(peek(f->highest_sequence), 7u);
    EXPECT_EQ(f->expected(), 7u);
    EXPECT_EQ(peek(f->duplicates), 1u);
    EXPECT_EQ(peek(f->reordered), 1u);
    EXPECT_EQ(f->lost(), 2u);  // 6 packets, one of them twice: 5 of 7 arrived
}

TEST(SsrcTable, SequenceWrapCountsCycles) {
    SsrcTable t;
    for (int i = 0; i < 10; ++i)
        t.record(kSsrc, static_cast<uint16_t>(65530 + i), 160u * i, 0, kClock, 10, on_time_us(i));
    const SsrcFigures* f = t.find(kSsrc);
    EXPECT_EQ(peek(f->highest_sequence), 65536u + 3);
    EXPECT_EQ(f->expected(), 10u);
    EXPECT_EQ(f->lost(), 0u);
}

TEST(SsrcTable, RestartNeedsTwoPacketsInARow) {
    SsrcTable t;
    t.record(kSsrc, 100, 0, 0, kClock, 10, on_time_us(0));
    t.record(kSsrc, 30000, 160, 0, kClock, 10, on_time_us(1));  // a stray jump: ignored
    EXPECT_EQ(peek(t.find(kSsrc)->highest_sequence), 100u);
    t.record(kSsrc, 101, 320, 0, kClock, 10, on_time_us(2));
    EXPECT_EQ(peek(t.find(kSsrc)->highest_sequence), 101u);
    t.record(kSsrc, 40000, 480, 0, kClock, 10, on_time_us(3));
    t.record(kSsrc, 40001, 640, 0, kClock, 10, on_time_us(4));  // the sender really restarted
    EXPECT_EQ(peek(t.find(kSsrc)->highest_sequence), 40001u);
    EXPECT_EQ(peek(t.find(kSsrc)->packets), 5u);
}

TEST(SsrcTable, JitterFollowsRfc3550) {
    SsrcTable t;
    // Every other packet arrives 10 ms (80 samples) late: |D| = 80 each time after the first.
    uint32_t expected_q4 = 0;
    for (int i = 0; i < 40; ++i) {
        const int64_t late = (i % 2) ? 10'000 : 0;
        t.record(kSsrc, static_cast<uint16_t>(i), 160u * i, 0, kClock, 10, on_time_us(i) + late);
        if (i > 0)
            expected_q4 += 80 - ((expected_q4 + 8) >> 4);
    }
    EXPECT_EQ(peek(t.find(kSsrc)->jitter), expected_q4 >> 4);
    EXPECT_GT(peek(t.find(kSsrc)->jitter), 70u);  // converges on 80
}

TEST(SsrcTable, UnknownClockRateLeavesJitterAlone) {
    SsrcTable t;
    for (int i = 0; i < 10; ++i)
        t.record(kSsrc, static_cast<uint16_t>(i), 0, 96, 0, 10, on_time_us(i) + (i % 2) * 10'000);
    EXPECT_EQ(peek(t.find(kSsrc)->jitter), 0u);
    EXPECT_EQ(peek(t.find(kSsrc)->payload_type), 96);
}

TEST(SsrcTable, ThousandsOfSsrcsEvictTheOldest) {
    SsrcTable t;
    for (uint32_t s = 1; s <= 5000; ++s)
        EXPECT_TRUE(t.record(s, 1, 0, 0, kClock, 10, on_time_us(0)));
    EXPECT_EQ(t.evictions(), 5000u - SsrcTable::kCapacity);
    std::size_t in_use = 0;
    for (const auto& f : t.figures())
        if (peek(f.in_use)) {
            ++in_use;
            EXPECT_GT(peek(f.ssrc), 5000u - SsrcTable::kCapacity);  // only the newest remain
        }
    EXPECT_EQ(in_use, SsrcTable::kCapacity);
    EXPECT_EQ(t.find(1), nullptr);
}

TEST(SsrcTable, ActiveSsrcSurvivesAFlood) {
    SsrcTable t;
    for (uint32_t s = 100; s < 1100; ++s) {
        t.record(kSsrc, static_cast<uint16_t>(s), 0, 0, kClock, 10, on_time_us(0));
        t.record(s, 1, 0, 0, kClock, 10, on_time_us(0));
    }
    ASSERT_NE(t.find(kSsrc), nullptr);
    EXPECT_EQ(peek(t.find(kSsrc)->packets), 1000u);
}

}  // namespace rtpe::media
