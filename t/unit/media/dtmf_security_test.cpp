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

}  // namespace
