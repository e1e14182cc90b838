#include "bencode/codec.hpp"
#include "bencode/writer.hpp"

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "codec_expectations.hpp"

namespace rtpe::bencode {
namespace {

using namespace std::string_literals;


Value must_decode(std::string_view in) {
    return test_support::must_decode(&bencode::decode, in);
}

std::string reject(std::string_view in) {
    return test_support::reject(&bencode::decode, in);
}

void expect_round_trip(std::string_view canonical) {
    auto v = decode(canonical);
    ASSERT_TRUE(v.has_value()) << canonical;
    EXPECT_EQ(encode(*v), canonical);
    EXPECT_EQ(decode(encode(*v)), v);
}

const std::string kOffer =
    "d3:sdp63:v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
    "5:flagsl13:trust-addresse7:replacel6:origin18:session-connectione"
    "7:call-id8:abc@host8:from-tag3:ft17:command5:offere"s;

TEST(BencodeDecode, NgPing) {
    Value v = must_decode("d7:command4:pinge");
    ASSERT_TRUE(v.is_dictionary());
    ASSERT_EQ(v.as_dictionary().size(), 1u);
    const std::string* cmd = v.find_string("command");
    ASSERT_NE(cmd, nullptr);
    EXPECT_EQ(*cmd, "ping");
}

TEST(BencodeDecode, Scalars) {
    EXPECT_EQ(must_decode("i0e"), Value::integer(0));
    EXPECT_EQ(must_decode("i42e"), Value::integer(42));
    EXPECT_EQ(must_decode("i-42e"), Value::integer(-42));
    EXPECT_EQ(must_decode("0:"), Value::string(""));
    EXPECT_EQ(must_decode("4:spam"), Value::string("spam"));
    EXPECT_EQ(must_decode("le"), Value::list());
    EXPECT_EQ(must_decode("de"), Value::dictionary());
}

TEST(BencodeDecode, Int64Limits) {
    EXPECT_EQ(must_decode("i9223372036854775807e"), Value::integer(std::numeric_limits<int64_t>::max()));
    EXPECT_EQ(must_decode("i-9223372036854775808e"), Value::integer(std::numeric_limits<int64_t>::min()));
    EXPECT_EQ(reject("i9223372036854775808e"), "integer overflow");
    EXPECT_EQ(reject("i-9223372036854775809e"), "integer overflow");
    EXPECT_EQ(reject("i18446744073709551616e"), "integer overflow");
    EXPECT_EQ(reject("i99999999999999999999999999999e"), "integer overflow");
    EXPECT_EQ(reject("i-99999999999999999999999999999e"), "integer overflow");
}

TEST(BencodeDecode, BinaryStringWithNul) {
    const std::string bytes = "a\0b\xff\x80\r\n"s;
    Value v = must_decode("7:" + bytes);
    ASSERT_TRUE(v.is_string());
    EXPECT_EQ(v.as_string(), bytes);
    EXPECT_EQ(encode(v), "7:" + bytes);
}

TEST(BencodeDecode, NestedListsAndDicts) {
    Value v = must_decode("d1:ald1:bli1ei2el1:ceeee1:x0:e");
    const Value* a = v.find("a");
    ASSERT_NE(a, nullptr);
    ASSERT_TRUE(a->is_list());
    ASSERT_EQ(a->as_list().size(), 1u);
    const Value* b = a->as_list()[0].find("b");
    ASSERT_NE(b, nullptr);
    ASSERT_EQ(b->as_list().size(), 3u);
    EXPECT_EQ(b->as_list()[0], Value::integer(1));
    EXPECT_EQ(b->as_list()[1], Value::integer(2));
    ASSERT_TRUE(b->as_list()[2].is_list());
    EXPECT_EQ(b->as_list()[2].as_list()[0], Value::string("c"));
    EXPECT_EQ(*v.find_string("x"), "");
}

TEST(BencodeDecode, OfferWithSdpFlagsAndReplace) {
    Value v = must_decode(kOffer);
    EXPECT_EQ(*v.find_string("command"), "offer");
    EXPECT_EQ(v.find_string("sdp")->substr(0, 5), "v=0\r\n");
    ASSERT_TRUE(v.find("flags")->is_list());
    EXPECT_EQ(v.find("replace")->as_list().size(), 2u);
}

TEST(BencodeDecode, KeysInAnyOrderKeepInsertionOrder) {
    Value v = must_decode("d1:zi1e1:ai2e1:mi3ee");
    const auto& d = v.as_dictionary();
    ASSERT_EQ(d.size(), 3u);
    EXPECT_EQ(d[0].first, "z");
    EXPECT_EQ(d[1].first, "a");
    EXPECT_EQ(d[2].first, "m");
}

TEST(BencodeDecode, DuplicateKeyLastValueWinsInFirstPosition) {
    Value v = must_decode("d1:ai1e1:bi2e1:ai3ee");
    const auto& d = v.as_dictionary();
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].first, "a");
    EXPECT_EQ(d[0].second, Value::integer(3));
    EXPECT_EQ(d[1].first, "b");
}

TEST(BencodeDecode, DuplicateKeysInLargeDictionary) {
    // Past the indexing threshold duplicates must behave the same as in small dictionaries.
    std::string in = "d";
    for (int i = 0; i < 100; ++i) {
        const std::string key = "k" + std::to_string(i);
        in += std::to_string(key.size()) + ":" + key + "i" + std::to_string(i) + "e";
    }
    in += "2:k0i-1e3:k99i-99e2:k5le";
    in += "e";
    Value v = must_decode(in);
    const auto& d = v.as_dictionary();
    ASSERT_EQ(d.size(), 100u);
    EXPECT_EQ(d[0].first, "k0");
    EXPECT_EQ(d[0].second, Value::integer(-1));
    EXPECT_EQ(d[5].second, Value::list());
    EXPECT_EQ(d[99].second, Value::integer(-99));
    EXPECT_EQ(d[50].second, Value::integer(50));
}

TEST(BencodeDecode, ManyDistinctKeysStayFast) {
    std::string in = "d";
    for (int i = 0; i < 200000; ++i) {
        const std::string key = std::to_string(i);
        in += std::to_string(key.size()) + ":" + key + "0:";
    }
    in += "e";
    const auto start = std::chrono::steady_clock::now();
    Value v = must_decode(in);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(v.as_dictionary().size(), 200000u);
    EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST(BencodeDecode, ErrorOutParamIsOptional) {
    EXPECT_FALSE(decode("x").has_value());
    EXPECT_TRUE(decode("i1e").has_value());
}

TEST(BencodeDecode, EmptyInput) { EXPECT_EQ(reject(""), "empty input"); }

TEST(BencodeDecode, TrailingData) {
    EXPECT_EQ(reject("i1ei2e"), "trailing data");
    EXPECT_EQ(reject("d7:command4:pingee"), "trailing data");
    EXPECT_EQ(reject("4:spamx"), "trailing data");
    EXPECT_EQ(reject("le "), "trailing data");
    EXPECT_EQ(reject("0:\0"s), "trailing data");
}

TEST(BencodeDecode, MalformedIntegers) {
    EXPECT_EQ(reject("ie"), "empty integer");
    EXPECT_EQ(reject("i-e"), "empty integer");
    EXPECT_EQ(reject("i-0e"), "negative zero");
    EXPECT_EQ(reject("i--1e"), "invalid integer");
    EXPECT_EQ(reject("i01e"), "leading zero in integer");
    EXPECT_EQ(reject("i00e"), "leading zero in integer");
    EXPECT_EQ(reject("i-01e"), "leading zero in integer");
    EXPECT_EQ(reject("i+1e"), "invalid integer");
    EXPECT_EQ(reject("i1.5e"), "invalid integer");
    EXPECT_EQ(reject("i 1e"), "invalid integer");
    EXPECT_EQ(reject("i1 e"), "invalid integer");
    EXPECT_EQ(reject("i0x10e"), "invalid integer");
    EXPECT_EQ(reject("i1-e"), "invalid integer");
    EXPECT_EQ(reject("i"), "truncated integer");
    EXPECT_EQ(reject("i-"), "truncated integer");
    EXPECT_EQ(reject("i12"), "truncated integer");
}

TEST(BencodeDecode, MalformedStrings) {
    EXPECT_EQ(reject("5:spam"), "truncated string");
    EXPECT_EQ(reject("1:"), "truncated string");
    EXPECT_EQ(reject("4"), "truncated string");
    EXPECT_EQ(reject("99999999999999999999:x"), "truncated string");
    EXPECT_EQ(reject("4294967296:x"), "truncated string");
    EXPECT_EQ(reject("18446744073709551615:x"), "truncated string");
    EXPECT_EQ(reject("18446744073709551616:x"), "truncated string");
    EXPECT_EQ(reject("999999999999999999999999999999999999999999:x"), "truncated string");
    EXPECT_EQ(reject("01:a"), "leading zero in string length");
    EXPECT_EQ(reject("00:"), "leading zero in string length");
    EXPECT_EQ(reject("-1:a"), "invalid value");
    EXPECT_EQ(reject("4x:spam"), "invalid string length");
    EXPECT_EQ(reject("4 :spam"), "invalid string length");
}

TEST(BencodeDecode, MalformedContainers) {
    EXPECT_EQ(reject("l"), "unterminated list");
    EXPECT_EQ(reject("li1e"), "unterminated list");
    EXPECT_EQ(reject("d"), "unterminated dictionary");
    EXPECT_EQ(reject("d1:ai1e"), "unterminated dictionary");
    EXPECT_EQ(reject("d1:a"), "unterminated dictionary");
    EXPECT_EQ(reject("d1:ae"), "missing dictionary value");
    EXPECT_EQ(reject("di1ei2ee"), "dictionary key not a string");
    EXPECT_EQ(reject("dlei1ee"), "dictionary key not a string");
    EXPECT_EQ(reject("ddei1ee"), "dictionary key not a string");
    EXPECT_EQ(reject("d-1:ai1ee"), "dictionary key not a string");
    EXPECT_EQ(reject("e"), "invalid value");
    EXPECT_EQ(reject("x"), "invalid value");
    EXPECT_EQ(reject("lxe"), "invalid value");
    EXPECT_EQ(reject("\0"s), "invalid value");
}

TEST(BencodeDecode, TruncatedAtEveryPosition) {
    for (const std::string& doc : {"d7:command4:pinge"s, kOffer, "li-12el0:dee4:abcde"s}) {
        ASSERT_TRUE(decode(doc).has_value());
        for (std::size_t n = 0; n < doc.size(); ++n)
            EXPECT_FALSE(decode(std::string_view(doc).substr(0, n)).has_value()) << "prefix " << n << " of " << doc;
    }
}

std::string nested_lists(std::size_t depth) { return std::string(depth, 'l') + std::string(depth, 'e'); }

TEST(BencodeDecode, DepthLimit) {
    EXPECT_TRUE(decode(nested_lists(kMaxDepth)).has_value());
    EXPECT_EQ(reject(nested_lists(kMaxDepth + 1)), "nesting too deep");

    std::string dicts;
    for (std::size_t i = 0; i < kMaxDepth - 1; ++i)
        dicts += "d1:k";
    dicts += "de" + std::string(kMaxDepth - 1, 'e');
    EXPECT_TRUE(decode(dicts).has_value());
    EXPECT_EQ(reject("d1:k" + dicts + "e"), "nesting too deep");
}

TEST(BencodeDecode, MillionOpenListsRejectedFast) {
    const std::string deep(1'000'000, 'l');
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(reject(deep), "nesting too deep");
    EXPECT_EQ(reject(nested_lists(1'000'000)), "nesting too deep");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(BencodeRoundTrip, CanonicalInputs) {
    for (const std::string& doc : {
             "d7:command4:pinge"s,
             "d6:result4:ponge"s,
             kOffer,
             "i0e"s,
             "i-9223372036854775808e"s,
             "0:"s,
             "le"s,
             "de"s,
             "llelelee"s,
             "d0:0:e"s,
             "d1:bi1e1:ai2ee"s,
             "3:\0\0\0"s,
             "d4:tagsd3:ft1d5:mediald4:type5:audioeeeee"s,
         })
        expect_round_trip(doc);
}

TEST(BencodeRoundTrip, BuiltValue) {
    Value v = Value::dictionary();
    v.set("result", "ok");
    v.set_integer("created", 1700000000);
    v.set_integer("neg", std::numeric_limits<int64_t>::min());
    Value& list = v.set("flags", Value::list());
    list.push_back(Value::string("a\0b"s));
    list.push_back(Value::dictionary());
    v.set("empty", "");

    const std::string enc = encode(v);
    EXPECT_EQ(enc,
              "d6:result2:ok7:createdi1700000000e3:negi-9223372036854775808e"
              "5:flagsl3:a\0bdee5:empty0:e"s);
    EXPECT_EQ(decode(enc), v);
}

TEST(BencodeEncode, EncodeToAppends) {
    std::string out = "prefix";
    encode_to(Value::integer(-5), out);
    encode_to(Value::string("xy"), out);
    EXPECT_EQ(out, "prefixi-5e2:xy");
}

TEST(BencodeEncode, EncodedSizeMatchesEncoding) {
    Value d = Value::dictionary();
    d.append_integer("zero", 0);
    d.append_integer("min", std::numeric_limits<int64_t>::min());
    d.append_integer("max", std::numeric_limits<int64_t>::max());
    d.append_integer("neg", -10);
    d.append("long", std::string(1234, 'x'));
    d.append("", "");
    Value l = Value::list();
    l.push_back(Value::integer(9));
    l.push_back(Value::dictionary());
    l.push_back(Value::encoded("d1:ai1ee"));
    d.append("list", std::move(l));
    for (const Value& v : {d, Value::integer(99), Value::string("abc"), Value::list()})
        EXPECT_EQ(encoded_size(v), encode(v).size()) << encode(v);
}

TEST(BencodeWriter, WritesWhatTheDecoderReads) {
    std::string out = "x";
    {
        Writer w(out);
        w.dict().entry("a", "x").integer_entry("n", -42).key("l").list().string("").integer(0).end().end();
    }
    ASSERT_EQ(out.front(), 'x');
    out.erase(0, 1);
    EXPECT_EQ(out, "d1:a1:x1:ni-42e1:ll0:i0eee");
    const auto decoded = decode(out);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->find("n")->as_integer(), -42);
}

}  // namespace
}  // namespace rtpe::bencode

namespace rtpe::bencode {

TEST(BencodeFraming, CompleteLength) {
    EXPECT_EQ(complete_length("d7:command4:pinge"), 17u);
    EXPECT_EQ(complete_length("d7:command4:pinge1 d"), 17u);  // the next message follows
    EXPECT_EQ(complete_length("i42e"), 4u);
    EXPECT_EQ(complete_length("4:ping"), 6u);
    EXPECT_EQ(complete_length("ld1:ai1eee"), 10u);
    // Incomplete: every proper prefix of a message.
    const std::string message = "d7:command5:offer3:sdp10:v=0\r\no=- 1e";
    for (std::size_t n = 0; n < message.size(); ++n)
        EXPECT_EQ(complete_length(std::string_view(message).substr(0, n)), 0u) << n;
    EXPECT_EQ(complete_length(message), message.size());
    // Not bencode at all.
    for (const char* bad : {"x", "e", "d-", "4x", "d7:command4:ping}", "99999999999999999999:"})
        EXPECT_FALSE(complete_length(bad).has_value()) << bad;
    EXPECT_FALSE(complete_length(std::string(kMaxDepth + 1, 'l')).has_value());
}

}  // namespace rtpe::bencode
