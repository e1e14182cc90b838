#include "daemon/media/payload_counts.hpp"

#include <gtest/gtest.h>

namespace rtpe::media {

namespace {
void send(PayloadCounts& c, uint8_t pt, int n) {
    uint32_t clock = 0;
    for (int i = 0; i < n; ++i)
        c.count(pt, clock);
}
// The SDP of the observations below: m=audio ... RTP/AVP 0 8 101 96
void offer(PayloadCounts& c) {
    c.allow({{0, 8000}, {8, 8000}, {101, 8000}, {96, 0}});
}
}  // namespace

TEST(PayloadCounts, UnknownTypesAreRefusedWithoutClock) {
    PayloadCounts c;
    offer(c);
    uint32_t clock = 1;
    EXPECT_TRUE(c.count(8, clock));
    EXPECT_EQ(clock, 8000u);
    EXPECT_FALSE(c.count(99, clock));
    EXPECT_EQ(clock, 0u);
    EXPECT_FALSE(c.count(13, clock));
    EXPECT_EQ(c.packets(8), 1u);
    EXPECT_EQ(c.packets(99), 0u);
}

TEST(PayloadCounts, NothingBeforeTheFirstPacket) {
    PayloadCounts c;
    offer(c);
    EXPECT_FALSE(c.most_used());
}

// The sequences Debian's rtpengine 10.5 was observed with (two packets per step), and
// the payload type its query showed after each.
TEST(PayloadCounts, MostUsedMatchesUpstreamIncludingTies) {
    PayloadCounts c;
    offer(c);
    send(c, 0, 2);
    EXPECT_EQ(c.most_used(), 0);
    send(c, 96, 2);
    EXPECT_EQ(c.most_used(), 96);  // tie 0:2 96:2, upstream shows 96 (which has no name)
    send(c, 8, 2);
    EXPECT_EQ(c.most_used(), 96);
    send(c, 0, 2);
    EXPECT_EQ(c.most_used(), 0);

    PayloadCounts d;
    offer(d);
    send(d, 8, 3);
    send(d, 0, 3);
    EXPECT_EQ(d.most_used(), 8);
    send(d, 101, 3);
    EXPECT_EQ(d.most_used(), 101);
}

TEST(PayloadCounts, AllowOnlyAddsAndKeepsCounts) {
    PayloadCounts c;
    offer(c);
    send(c, 8, 5);
    c.allow({{8, 8000}, {9, 8000}});
    EXPECT_EQ(c.packets(8), 5u);
    EXPECT_EQ(c.allowed(), (std::vector<uint8_t>{0, 8, 101, 96, 9}));
}

TEST(PayloadCounts, TableIsBounded) {
    PayloadCounts c;
    std::vector<AllowedPayload> many;
    for (int pt = 0; pt < 128; ++pt)
        many.push_back({static_cast<uint8_t>(pt), 8000});
    c.allow(many);
    EXPECT_EQ(c.allowed().size(), PayloadCounts::kSlots);
    uint32_t clock = 0;
    EXPECT_FALSE(c.count(127, clock));
    EXPECT_TRUE(c.count(0, clock));
}

}  // namespace rtpe::media
