#include "util/parse.hpp"

#include <gtest/gtest.h>

namespace rtpe {

TEST(ParseInt, AcceptsWholeNumbers) {
    EXPECT_EQ(parse_int("0"), 0);
    EXPECT_EQ(parse_int("-1"), -1);
    EXPECT_EQ(parse_int("+42"), 42);
    EXPECT_EQ(parse_int("9223372036854775807"), INT64_MAX);
}

TEST(ParseInt, RejectsEverythingElse) {
    for (const char* bad : {"", "+", "-", " 1", "1 ", "1x", "0x10", "1.5", "9223372036854775808", "++1"})
        EXPECT_FALSE(parse_int(bad).has_value()) << bad;
}

TEST(ParseDouble, AcceptsAndRejects) {
    EXPECT_DOUBLE_EQ(*parse_double("1.5"), 1.5);
    EXPECT_DOUBLE_EQ(*parse_double("-3"), -3.0);
    for (const char* bad : {"", "abc", "1.5x", "inf", "nan", " 1"})
        EXPECT_FALSE(parse_double(bad).has_value()) << bad;
}

TEST(ParseBool, KeyFileSpellings) {
    EXPECT_EQ(parse_bool("true"), true);
    EXPECT_EQ(parse_bool("false"), false);
    EXPECT_EQ(parse_bool("1"), true);
    EXPECT_EQ(parse_bool("0"), false);
    EXPECT_FALSE(parse_bool("TRUE!").has_value());
    EXPECT_FALSE(parse_bool("").has_value());
}

}  // namespace rtpe
