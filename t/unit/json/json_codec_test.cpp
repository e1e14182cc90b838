#include "json/json_codec.hpp"

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "codec_expectations.hpp"

#include "bencode/codec.hpp"

namespace rtpe::json {
namespace {

using bencode::Value;
using namespace std::string_literals;


Value must_decode(std::string_view in) {
    return test_support::must_decode(&json::decode, in);
}

std::string reject(std::string_view in) {
    return test_support::reject(&json::decode, in);
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

TEST(JsonDecode, NgPing) {
    Value v = must_decode(R"({"command":"ping"})");
    ASSERT_TRUE(v.is_dictionary());
    EXPECT_EQ(*v.find_string("command"), "ping");
}

TEST(JsonDecode, ScalarMapping) {
    Value v = must_decode(R"([1, -2, true, false, null, "x", 0, ""])");
    ASSERT_TRUE(v.is_list());
    const auto& l = v.as_list();
    ASSERT_EQ(l.size(), 8u);
    EXPECT_EQ(l[0], Value::integer(1));
    EXPECT_EQ(l[1], Value::integer(-2));
    EXPECT_EQ(l[2], Value::string("true"));
    EXPECT_EQ(l[3], Value::string("false"));
    EXPECT_EQ(l[4], Value::string(""));
    EXPECT_EQ(l[5], Value::string("x"));
    EXPECT_EQ(l[6], Value::integer(0));
    EXPECT_EQ(l[7], Value::string(""));
}

TEST(JsonDecode, TopLevelScalars) {
    EXPECT_EQ(must_decode("42"), Value::integer(42));
    EXPECT_EQ(must_decode(R"("s")"), Value::string("s"));
    EXPECT_EQ(must_decode("true"), Value::string("true"));
    EXPECT_EQ(must_decode("null"), Value::string(""));
    EXPECT_EQ(must_decode(" \t\r\n{}\n "), Value::dictionary());
}

TEST(JsonDecode, FloatsBecomeShortestText) {
    EXPECT_EQ(must_decode("1.5"), Value::string("1.5"));
    EXPECT_EQ(must_decode("1.50"), Value::string("1.5"));
    EXPECT_EQ(must_decode("0.1"), Value::string("0.1"));
    EXPECT_EQ(must_decode("-2.25"), Value::string("-2.25"));
    EXPECT_EQ(must_decode("1e2"), Value::string("100"));
    EXPECT_EQ(must_decode("20.0"), Value::string("20"));
    EXPECT_EQ(must_decode("2.5E-3"), Value::string("0.0025"));
    EXPECT_EQ(must_decode("1e300"), Value::string("1e+300"));
    EXPECT_EQ(must_decode("-0.0"), Value::string("-0"));
    EXPECT_TRUE(starts_with(reject("1e400"), "invalid JSON at byte"));
    EXPECT_TRUE(starts_with(reject("-1e400"), "invalid JSON at byte"));
}

TEST(JsonDecode, Int64Limits) {
    EXPECT_EQ(must_decode("9223372036854775807"), Value::integer(std::numeric_limits<int64_t>::max()));
    EXPECT_EQ(must_decode("-9223372036854775808"), Value::integer(std::numeric_limits<int64_t>::min()));
    EXPECT_EQ(reject("9223372036854775808"), "integer overflow");
    EXPECT_EQ(reject("18446744073709551615"), "integer overflow");
    EXPECT_EQ(reject("18446744073709551616"), "integer overflow");
    EXPECT_EQ(reject("-9223372036854775809"), "integer overflow");
    EXPECT_EQ(reject("[1, 99999999999999999999999]"), "integer overflow");
}

TEST(JsonDecode, UnicodeEscapes) {
    EXPECT_EQ(must_decode(R"("\u00e9")"), Value::string("\xc3\xa9"));
    EXPECT_EQ(must_decode(R"("\u20AC")"), Value::string("\xe2\x82\xac"));
    EXPECT_EQ(must_decode(R"("\ud83d\ude00")"), Value::string("\xf0\x9f\x98\x80"));
    EXPECT_EQ(must_decode(R"("a\u0000b")"), Value::string("a\0b"s));
    EXPECT_EQ(must_decode(R"("\"\\\/\b\f\n\r\t")"), Value::string("\"\\/\b\f\n\r\t"));
    EXPECT_EQ(must_decode("\"\xc3\xa9\""), Value::string("\xc3\xa9"));
    reject(R"("\ud800")");
    reject(R"("\ude00")");
    reject(R"("\ud83dx")");
    reject(R"("\u12")");
    reject(R"("\x41")");
}

TEST(JsonDecode, NestedAndOrder) {
    Value v = must_decode(R"({"z":1,"a":{"flags":["trust-address","SIP-source-address"],"replace":[]},"m":[[],{}]})");
    const auto& d = v.as_dictionary();
    ASSERT_EQ(d.size(), 3u);
    EXPECT_EQ(d[0].first, "z");
    EXPECT_EQ(d[1].first, "a");
    EXPECT_EQ(d[2].first, "m");
    const Value* flags = d[1].second.find("flags");
    ASSERT_NE(flags, nullptr);
    ASSERT_EQ(flags->as_list().size(), 2u);
    EXPECT_EQ(flags->as_list()[1], Value::string("SIP-source-address"));
    EXPECT_EQ(d[2].second.as_list()[1], Value::dictionary());
}

TEST(JsonDecode, DuplicateKeyLastValueWinsInFirstPosition) {
    Value v = must_decode(R"({"a":1,"b":2,"a":[3]})");
    const auto& d = v.as_dictionary();
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].first, "a");
    ASSERT_TRUE(d[0].second.is_list());
    EXPECT_EQ(d[1].first, "b");
}

TEST(JsonDecode, InvalidDocuments) {
    for (const std::string& doc : {
             ""s, " "s, "{"s, "}"s, "["s, "]"s, R"({"a"})"s, R"({"a":})"s, R"({"a":1,})"s, "[1,]"s,
             "[,1]"s, "{'a':1}"s, "{a:1}"s, "tru"s, "nul"s, "True"s, "01"s, "-"s, "1."s, ".5"s,
             "+1"s, "0x10"s, "NaN"s, "Infinity"s, "[1 2]"s, R"({"a" 1})"s, R"({1:2})"s,
             "\"unterminated"s, "\"raw\ncontrol\""s, "\"a\x01\""s, "\"\xff\""s, "\"\xc3\""s,
             "\"\xed\xa0\x80\""s, "\"\xc0\xaf\""s, "/* c */ 1"s, "1 // c"s, "\0"s, "[\0]"s,
         })
        EXPECT_TRUE(starts_with(reject(doc), "invalid JSON at byte")) << doc;
}

TEST(JsonDecode, TrailingData) {
    EXPECT_TRUE(starts_with(reject("{} x"), "invalid JSON at byte"));
    EXPECT_TRUE(starts_with(reject("1 2"), "invalid JSON at byte"));
    EXPECT_TRUE(starts_with(reject("[1]]"), "invalid JSON at byte"));
    EXPECT_TRUE(starts_with(reject("{}{}"), "invalid JSON at byte"));
    EXPECT_EQ(reject("{}\0"s), "invalid JSON at byte 3: NUL byte");
    EXPECT_EQ(reject("1\0 2"s), "invalid JSON at byte 2: NUL byte");
}

TEST(JsonDecode, ErrorTextIsShortAndDoesNotEchoInput) {
    const std::string big = "\"" + std::string(10000, 'a') + "\x01\"";
    const std::string error = reject(big);
    EXPECT_LT(error.size(), 200u) << error;
    EXPECT_EQ(reject("[1,"), "invalid JSON at byte 4: unexpected end of input");
    EXPECT_EQ(reject("{} x"), "invalid JSON at byte 4: invalid literal");
    EXPECT_EQ(reject("1e400"), "invalid JSON at byte 5: number out of range");
}

TEST(JsonDecode, TruncatedAtEveryPosition) {
    const std::string doc =
        R"({"command":"offer","sdp":"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n","flags":["trust-address"],)"
        R"("replace":["origin"],"n":-12,"f":1.5e3,"t":true,"x":null,"d":{"\u00e9":[{}]}})";
    ASSERT_TRUE(decode(doc).has_value());
    for (std::size_t n = 0; n < doc.size(); ++n)
        EXPECT_FALSE(decode(std::string_view(doc).substr(0, n)).has_value()) << "prefix " << n;
}

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonDecode, DepthLimit) {
    EXPECT_TRUE(decode(nested_arrays(bencode::kMaxDepth)).has_value());
    EXPECT_EQ(reject(nested_arrays(bencode::kMaxDepth + 1)), "nesting too deep");

    std::string objects;
    for (std::size_t i = 0; i < bencode::kMaxDepth; ++i)
        objects += R"({"k":)";
    objects += "1" + std::string(bencode::kMaxDepth, '}');
    EXPECT_TRUE(decode(objects).has_value());
    EXPECT_EQ(reject("[" + objects + "]"), "nesting too deep");
}

TEST(JsonDecode, MillionOpenArraysRejectedFast) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(reject(std::string(1'000'000, '[')), "nesting too deep");
    EXPECT_EQ(reject(nested_arrays(1'000'000)), "nesting too deep");
    std::string objects;
    for (int i = 0; i < 1'000'000; ++i)
        objects += R"({"a":)";
    EXPECT_EQ(reject(objects), "nesting too deep");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(JsonEncode, Compact) {
    Value v = Value::dictionary();
    v.set("result", "pong");
    EXPECT_EQ(json::encode(v), R"({"result":"pong"})");

    Value w = Value::dictionary();
    w.set("z", "1");
    w.set_integer("a", -7);
    Value& l = w.set("l", Value::list());
    l.push_back(Value::integer(std::numeric_limits<int64_t>::min()));
    l.push_back(Value::list());
    l.push_back(Value::dictionary());
    w.set_integer("max", std::numeric_limits<int64_t>::max());
    EXPECT_EQ(json::encode(w), R"({"z":"1","a":-7,"l":[-9223372036854775808,[],{}],"max":9223372036854775807})");
    EXPECT_EQ(json::encode(Value::list()), "[]");
    EXPECT_EQ(json::encode(Value::string("")), R"("")");
    EXPECT_EQ(json::encode(Value::integer(0)), "0");
}

TEST(JsonEncode, Escaping) {
    EXPECT_EQ(json::encode(Value::string("a\"b\\c/d")), R"("a\"b\\c/d")");
    EXPECT_EQ(json::encode(Value::string("\b\f\n\r\t")), R"("\b\f\n\r\t")");
    EXPECT_EQ(json::encode(Value::string("\x01\x1f\x7f")), "\"\\u0001\\u001f\x7f\"");
    EXPECT_EQ(json::encode(Value::string("a\0b"s)), R"("a\u0000b")");
    EXPECT_EQ(json::encode(Value::string("\xc3\xa9\xf0\x9f\x98\x80")), "\"\xc3\xa9\xf0\x9f\x98\x80\"");

    Value d = Value::dictionary();
    d.set("k\"ey\n", "v");
    EXPECT_EQ(json::encode(d), R"({"k\"ey\n":"v"})");
}

TEST(JsonEncode, InvalidUtf8IsReplaced) {
    const std::string fffd = "\xef\xbf\xbd";
    EXPECT_EQ(json::encode(Value::string("a\xff" "b")), "\"a" + fffd + "b\"");
    EXPECT_EQ(json::encode(Value::string("\xc3")), "\"" + fffd + "\"");
    EXPECT_EQ(json::encode(Value::string("x\xc3")), "\"x" + fffd + "\"");
    EXPECT_EQ(json::encode(Value::string("\xed\xa0\x80")).find('\xed'), std::string::npos);

    Value d = Value::dictionary();
    d.set("\x80", "\xfe");
    // Whatever the replacement, the output must be JSON that decodes again.
    auto back = decode(json::encode(d));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->as_dictionary()[0].first, fffd);
    EXPECT_EQ(back->as_dictionary()[0].second, Value::string(fffd));
}

TEST(JsonRoundTrip, CanonicalInputs) {
    for (const std::string& doc : {
             R"({"command":"ping"})"s,
             R"({"result":"pong"})"s,
             R"({"sdp":"v=0\r\n","flags":["trust-address"],"replace":["origin","session-connection"],"call-id":"a@b"})"s,
             R"({"z":{"y":[[],[{}],-1,0,9223372036854775807]},"a":""})"s,
             R"([])"s,
             R"("\u0000\u001f\"\\")"s,
             "\"\xc3\xa9\""s,
             "-9223372036854775808"s,
         }) {
        auto v = decode(doc);
        ASSERT_TRUE(v.has_value()) << doc;
        EXPECT_EQ(json::encode(*v), doc);
        EXPECT_EQ(decode(json::encode(*v)), v);
    }
}

TEST(JsonRoundTrip, NonCanonicalInputsConverge) {
    auto v = decode(R"( { "a" : [ true , null , 2.50 ] } )");
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(json::encode(*v), R"({"a":["true","","2.5"]})");
    EXPECT_EQ(decode(json::encode(*v)), v);
}

TEST(JsonRoundTrip, SameTreeAsBencode) {
    auto from_json = decode(R"({"command":"offer","flags":["trust-address"],"n":5})");
    auto from_bencode = bencode::decode("d7:command5:offer5:flagsl13:trust-addresse1:ni5ee");
    ASSERT_TRUE(from_json.has_value());
    EXPECT_EQ(from_json, from_bencode);
}

}  // namespace
}  // namespace rtpe::json
