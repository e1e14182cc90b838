// block DTMF's modes: upstream's names, and what DtmfReplacer puts in place of each digit
// (tone cycles through its frequencies, random never repeats the digit it hides).

#include "daemon/media/dtmf_security.hpp"

#include <gtest/gtest.h>

#include <set>

namespace {

using namespace rtpe::media;
using Kind = DtmfReplacement::Kind;

TEST(DtmfSecurity, ParsesUpstreamsModeNames) {
    EXPECT_EQ(parse_dtmf_mode("off"), DtmfMode::off);
    EXPECT_EQ(parse_dtmf_mode("drop"), DtmfMode::drop);
    EXPECT_EQ(parse_dtmf_mode("silence"), DtmfMode::silence);
    EXPECT_EQ(parse_dtmf_mode("tone"), DtmfMode::tone);
    EXPECT_EQ(parse_dtmf_mode("random"), DtmfMode::random);
    EXPECT_EQ(parse_dtmf_mode("zero"), DtmfMode::zero);
    EXPECT_EQ(parse_dtmf_mode("DTMF"), DtmfMode::digit);
    EXPECT_EQ(parse_dtmf_mode("dtmf"), DtmfMode::digit);
    EXPECT_EQ(parse_dtmf_mode("digit"), std::nullopt);
    EXPECT_EQ(parse_dtmf_mode(""), std::nullopt);
}

TEST(DtmfSecurity, OnlyReplacingModesNeedTheChain) {
    DtmfSecurity s;
    for (auto [mode, chain] : {std::pair{DtmfMode::off, false}, {DtmfMode::drop, false}, {DtmfMode::silence, true},
                               {DtmfMode::tone, true}, {DtmfMode::random, true}, {DtmfMode::zero, true},
                               {DtmfMode::digit, true}}) {
        s.mode = mode;
        EXPECT_EQ(s.in_chain(), chain) << static_cast<int>(mode);
    }
}

TEST(DtmfReplacer, SilenceKeepsTheDigitsLevel) {
    DtmfReplacer r(1);
    DtmfSecurity s;
    s.mode = DtmfMode::silence;
    EXPECT_EQ(r.next(s, 5, 12), (DtmfReplacement{Kind::silence, 0, 0, 12}));
}

TEST(DtmfReplacer, ToneCyclesThroughTheFrequenciesAtTheGivenVolume) {
    DtmfReplacer r(1);
    DtmfSecurity s;
    s.mode = DtmfMode::tone;
    EXPECT_EQ(r.next(s, 5, 12).frequency, 400);  // the default
    s.frequencies = {{1000, 1500, 2000}};
    s.frequency_count = 3;
    s.volume = 20;
    std::vector<uint16_t> got;
    for (int i = 0; i < 5; ++i) {
        const DtmfReplacement x = r.next(s, 1, 12);
        EXPECT_EQ(x.kind, Kind::tone);
        EXPECT_EQ(x.volume, 20);
        got.push_back(x.frequency);
    }
    // The first digit above used the first slot: the next one is the second frequency.
    EXPECT_EQ(got, (std::vector<uint16_t>{1500, 2000, 1000, 1500, 2000}));
}

TEST(DtmfReplacer, ZeroAndDtmfPlayTheirDigit) {
    DtmfReplacer r(1);
    DtmfSecurity s;
    s.mode = DtmfMode::zero;
    EXPECT_EQ(r.next(s, 9, 10), (DtmfReplacement{Kind::digit, 0, 0, 10}));
    s.mode = DtmfMode::digit;
    s.digit = 11;
    EXPECT_EQ(r.next(s, 9, 10), (DtmfReplacement{Kind::digit, 0, 11, 10}));
}

TEST(DtmfReplacer, RandomNeverGivesTheDigitAwayAndUsesThemAll) {
    DtmfSecurity s;
    s.mode = DtmfMode::random;
    for (uint8_t event = 0; event < 16; ++event) {
        DtmfReplacer r(event + 1234);
        std::set<uint8_t> seen;
        for (int i = 0; i < 400; ++i) {
            const DtmfReplacement x = r.next(s, event, 10);
            ASSERT_EQ(x.kind, Kind::digit);
            ASSERT_NE(x.event, event);
            ASSERT_LT(x.event, 16);
            seen.insert(x.event);
        }
        EXPECT_EQ(seen.size(), 15u) << int{event};
    }
    // One seed, one sequence; another seed, another.
    DtmfReplacer a(7), b(7), c(8);
    std::vector<uint8_t> sa, sb, sc;
    for (int i = 0; i < 20; ++i) {
        sa.push_back(a.next(s, 3, 10).event);
        sb.push_back(b.next(s, 3, 10).event);
        sc.push_back(c.next(s, 3, 10).event);
    }
    EXPECT_EQ(sa, sb);
    EXPECT_NE(sa, sc);
}

DtmfTriggers triggers(const char* start, const char* end = "") {
    DtmfTriggers t;
    EXPECT_TRUE(t.start.assign(start));
    EXPECT_TRUE(t.end.assign(end));
    t.start_mode = DtmfMode::drop;
    t.end_mode = DtmfMode::silence;
    t.digit_delay_ms = 1000;
    return t;
}

TEST(DtmfDigits, TakesDtmfDigitsOnly) {
    DtmfDigits d;
    EXPECT_TRUE(d.assign("0123456789*#abcd"));
    EXPECT_EQ(d.view(), "0123456789*#ABCD");
    EXPECT_FALSE(d.assign("12x"));
    EXPECT_FALSE(d.assign("01234567890123456"));  // 17: more than fits
    EXPECT_EQ(d.view(), "0123456789*#ABCD");      // unchanged
    EXPECT_TRUE(d.assign(""));
    EXPECT_TRUE(d.empty());
}

TEST(DtmfTriggerState, TriggerThenEndTriggerThenNothingMore) {
    const DtmfTriggers t = triggers("12", "45");
    DtmfTriggerState s;
    EXPECT_EQ(s.digit(t, '1', 0), std::nullopt);
    EXPECT_EQ(s.digit(t, '3', 100), std::nullopt);  // 1 3 is not 1 2
    EXPECT_EQ(s.digit(t, '1', 200), std::nullopt);
    EXPECT_EQ(s.digit(t, '2', 300), DtmfMode::drop);
    EXPECT_EQ(s.digit(t, '4', 400), std::nullopt);
    EXPECT_EQ(s.digit(t, '5', 500), DtmfMode::silence);
    // Done: 10.5 arms nothing after the end.
    EXPECT_EQ(s.digit(t, '1', 600), std::nullopt);
    EXPECT_EQ(s.digit(t, '2', 700), std::nullopt);
}

TEST(DtmfTriggerState, DigitsFurtherApartThanTheDelayAreNoRun) {
    const DtmfTriggers t = triggers("12");
    DtmfTriggerState s;
    EXPECT_EQ(s.digit(t, '1', 0), std::nullopt);
    EXPECT_EQ(s.digit(t, '2', 1001), std::nullopt);
    EXPECT_EQ(s.digit(t, '1', 1500), std::nullopt);
    EXPECT_EQ(s.digit(t, '2', 2500), DtmfMode::drop);  // exactly the delay still counts
}

TEST(DtmfTriggerState, EndsAfterDigitsOrTime) {
    DtmfTriggers t = triggers("#");
    t.end_digits = 2;
    DtmfTriggerState s;
    EXPECT_EQ(s.tick(t, 0), std::nullopt);
    EXPECT_EQ(s.digit(t, '#', 0), DtmfMode::drop);
    EXPECT_EQ(s.digit(t, '1', 100), std::nullopt);
    EXPECT_EQ(s.digit(t, '2', 200), DtmfMode::silence);
    t.end_digits = 0;
    t.end_ms = 300;
    DtmfTriggerState timed;
    EXPECT_EQ(timed.digit(t, '#', 1000), DtmfMode::drop);
    EXPECT_EQ(timed.tick(t, 1299), std::nullopt);
    EXPECT_EQ(timed.tick(t, 1300), DtmfMode::silence);
    EXPECT_EQ(timed.tick(t, 1400), std::nullopt);  // once
}

TEST(DtmfTriggerState, LongRunsKeepTheirLatestDigits) {
    const DtmfTriggers t = triggers("9*");
    DtmfTriggerState s;
    for (int i = 0; i < 40; ++i)
        EXPECT_EQ(s.digit(t, '0', i), std::nullopt);
    EXPECT_EQ(s.digit(t, '9', 40), std::nullopt);
    EXPECT_EQ(s.digit(t, '*', 41), DtmfMode::drop);
    EXPECT_EQ(DtmfTriggerState{}.digit(DtmfTriggers{}, '1', 0), std::nullopt);  // no trigger, no switch
}

}  // namespace
