#include <gtest/gtest.h>

#include "daemon/control/cookie_cache.hpp"
#include "daemon/control/ng_commands.hpp"
#include "daemon/control/ng_message.hpp"
#include "daemon/control/ng_processor.hpp"

namespace rtpe::control {

TEST(NgFrame, SplitsAtFirstSpace) {
    auto f = split_frame("abc d7:command4:pinge");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->cookie, "abc");
    EXPECT_EQ(f->body, "d7:command4:pinge");
    EXPECT_EQ(split_frame("abc  x")->body, " x");
    EXPECT_FALSE(split_frame("nocookie"));
    EXPECT_FALSE(split_frame(" body"));
    EXPECT_FALSE(split_frame(""));
}

TEST(NgFrame, FormatDetection) {
    EXPECT_EQ(detect_format("{\"command\":\"ping\"}"), WireFormat::json);
    EXPECT_EQ(detect_format("d7:command4:pinge"), WireFormat::bencode);
    EXPECT_EQ(detect_format(""), WireFormat::bencode);
}

TEST(NgFrame, DecodeErrorsUseUpstreamReasons) {
    EXPECT_EQ(decode_body("dxx", WireFormat::bencode).error, "Could not decode bencode dictionary");
    EXPECT_EQ(decode_body("{x", WireFormat::json).error, "Failed to parse JSON document");
    EXPECT_EQ(decode_body("le", WireFormat::bencode).error, "Invalid NG data format");
    EXPECT_TRUE(decode_body("de", WireFormat::bencode).dictionary);
}

class NgProcessorTest : public ::testing::Test {
protected:
    NgProcessorTest() : processor_(table_, cache_) {
        add_basic_commands(table_);
        table_.add("count", [this](const NgRequest&, bencode::Value& reply) {
            ++runs_;
            reply.set_integer("runs", runs_);
        });
        table_.add("fail", [](const NgRequest&, bencode::Value&) { throw NgError("Unknown call-id"); });
        table_.add("bug", [](const NgRequest&, bencode::Value&) { throw std::runtime_error("oops"); });
    }
    std::string run(std::string_view msg, uint16_t port = 4000) {
        auto reply = processor_.process(msg, {*net::IpAddress::parse("127.0.0.1"), port});
        return reply ? *reply : "<dropped>";
    }

    NgCommandTable table_;
    CookieCache cache_;
    NgProcessor processor_;
    int runs_ = 0;
};

TEST_F(NgProcessorTest, Ping) {
    EXPECT_EQ(run("1 d7:command4:pinge"), "1 d6:result4:ponge");
    EXPECT_EQ(run("2 {\"command\":\"ping\"}"), "2 {\"result\":\"pong\"}");
}

TEST_F(NgProcessorTest, OkIsAppendedAfterHandlerKeys) {
    EXPECT_EQ(run("1 d7:command5:counte"), "1 d4:runsi1e6:result2:oke");
}

TEST_F(NgProcessorTest, RetransmissionDoesNotRunTwice) {
    EXPECT_EQ(run("x d7:command5:counte"), "x d4:runsi1e6:result2:oke");
    EXPECT_EQ(run("x d7:command5:counte"), "x d4:runsi1e6:result2:oke");
    EXPECT_EQ(runs_, 1);
    EXPECT_EQ(run("x d7:command5:counte", 4001), "x d4:runsi2e6:result2:oke");
}

TEST_F(NgProcessorTest, Errors) {
    EXPECT_EQ(run("1 d7:command3:fooe"), "1 d6:result5:error12:error-reason20:Unrecognized commande");
    EXPECT_EQ(run("2 d7:command4:faile"), "2 d6:result5:error12:error-reason15:Unknown call-ide");
    EXPECT_EQ(run("3 d7:command3:buge"), "3 d6:result5:error12:error-reason14:Internal errore");
    EXPECT_EQ(run("4 d1:xi1ee"),
              "4 d6:result5:error12:error-reason36:Dictionary contains no key \"command\"e");
    EXPECT_EQ(run("nocookie"), "<dropped>");
}

}  // namespace rtpe::control
