// DTMF-delay's ring: a digit is reproduced once its delay has passed and its length is
// known, oldest first, as the mode in force then says (made-up times, in ms).

#include "daemon/media/dtmf_delay.hpp"

#include <gtest/gtest.h>

namespace {

using namespace rtpe::media;

DtmfSecurity delayed(DtmfMode mode, uint32_t delay_ms = 500) {
    DtmfSecurity s;
    s.mode = mode;
    s.delay_ms = delay_ms;
    return s;
}

TEST(DtmfDelay, ADelayNeedsTheChain) {
    EXPECT_TRUE(delayed(DtmfMode::off).in_chain());
    EXPECT_TRUE(delayed(DtmfMode::drop).in_chain());
    EXPECT_FALSE(delayed(DtmfMode::drop, 0).in_chain());
}

TEST(DtmfDelay, ADigitComesBackAfterTheDelayWithItsOwnLength) {
    DtmfDelayLine line;
    DtmfReplacer replacer(1);
    const DtmfSecurity s = delayed(DtmfMode::off);
    ASSERT_TRUE(line.begin(5, 10, 1000));
    EXPECT_EQ(line.next_due(s, replacer, 1400), std::nullopt);  // not ended yet
    line.end(5, 1180, 200);  // an event: its count (200 ms) beats the 180 ms it was seen
    EXPECT_EQ(line.next_due(s, replacer, 1499), std::nullopt);
    const auto digit = line.next_due(s, replacer, 1500);
    ASSERT_TRUE(digit);
    EXPECT_EQ(digit->event, 5);
    EXPECT_EQ(digit->volume, 10);
    EXPECT_EQ(digit->duration_ms, 200);
    EXPECT_EQ(digit->pause_ms, 0);
    EXPECT_TRUE(line.empty());
}

TEST(DtmfDelay, AHeardDigitLastsAsLongAsItWasHeard) {
    DtmfDelayLine line;
    DtmfReplacer replacer(1);
    line.begin(9, 7, 0);
    line.end(9, 260);
    line.end(9, 900);  // a repeated end changes nothing
    const auto digit = line.next_due(delayed(DtmfMode::off), replacer, 2000);
    ASSERT_TRUE(digit);
    EXPECT_EQ(digit->duration_ms, 260);
}

TEST(DtmfDelay, AnEndOfAnotherDigitIsNotItsEnd) {
    DtmfDelayLine line;
    DtmfReplacer replacer(1);
    line.begin(1, 10, 0);
    line.end(2, 100);
    EXPECT_EQ(line.next_due(delayed(DtmfMode::off), replacer, 1000), std::nullopt);
}

TEST(DtmfDelay, DigitsComeOutOldestFirstEachWhenDue) {
    DtmfDelayLine line;
    DtmfReplacer replacer(1);
    const DtmfSecurity s = delayed(DtmfMode::off);
    line.begin(1, 10, 0);
    line.end(1, 100);
    line.begin(2, 10, 300);
    line.end(2, 400);
    const auto first = line.next_due(s, replacer, 600);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->event, 1);
    EXPECT_EQ(line.next_due(s, replacer, 600), std::nullopt);  // 2 is due at 800
    const auto second = line.next_due(s, replacer, 800);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->event, 2);
}

TEST(DtmfDelay, ANewDigitEndsOneWhoseEndWasLost) {
    DtmfDelayLine line;
    DtmfReplacer replacer(1);
    line.begin(3, 10, 0);
    line.begin(4, 10, 250);
    const auto digit = line.next_due(delayed(DtmfMode::off), replacer, 500);
    ASSERT_TRUE(digit);
    EXPECT_EQ(digit->event, 3);
    EXPECT_EQ(digit->duration_ms, 250);
}

TEST(DtmfDelay, TheModeAtReproductionDecides) {
    for (DtmfMode withheld : {DtmfMode::drop, DtmfMode::silence, DtmfMode::tone}) {
        DtmfDelayLine line;
        DtmfReplacer replacer(1);
        line.begin(5, 10, 0);
        line.end(5, 100);
        line.begin(6, 10, 200);
        line.end(6, 300);
        EXPECT_EQ(line.next_due(delayed(withheld), replacer, 1000), std::nullopt) << static_cast<int>(withheld);
        EXPECT_TRUE(line.empty());  // passed over, not kept
    }
    DtmfDelayLine line;
    DtmfReplacer replacer(1);
    DtmfSecurity s = delayed(DtmfMode::digit);
    s.digit = 11;
    s.volume = 20;
    line.begin(5, 10, 0);
    line.end(5, 100);
    const auto digit = line.next_due(s, replacer, 500);
    ASSERT_TRUE(digit);
    EXPECT_EQ(digit->event, 11);
    EXPECT_EQ(digit->volume, 20);
}

TEST(DtmfDelay, NoDelayLeftReleasesWhatWasHeldAtOnce) {
    DtmfDelayLine line;
    DtmfReplacer replacer(1);
    line.begin(7, 10, 0);
    line.end(7, 100);
    EXPECT_TRUE(line.next_due(delayed(DtmfMode::off, 0), replacer, 100));
}

TEST(DtmfDelay, AFullRingKeepsNoMore) {
    DtmfDelayLine line;
    for (std::size_t i = 0; i < DtmfDelayLine::kCapacity; ++i)
        EXPECT_TRUE(line.begin(1, 10, static_cast<int64_t>(i) * 100));
    EXPECT_FALSE(line.begin(2, 10, 10000));
    DtmfReplacer replacer(1);
    std::size_t out = 0;
    while (const auto digit = line.next_due(delayed(DtmfMode::off), replacer, 20000)) {
        EXPECT_EQ(digit->event, 1);
        ++out;
    }
    // The last kept digit ended when the one that did not fit began.
    EXPECT_EQ(out, DtmfDelayLine::kCapacity);
}

}  // namespace
