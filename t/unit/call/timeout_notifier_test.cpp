#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "daemon/call/call.hpp"
#include "daemon/call/timeout_notifier.hpp"

namespace rtpe::call {

namespace {

// A call with an answered dialogue A <-> B and the given callback address.
std::unique_ptr<Call> answered(const std::string& ip) {
    auto call = std::make_unique<Call>("abc@host");
    Participant& a = call->add("A");
    Participant& b = call->add("B");
    a.peer = &b;
    b.peer = &a;
    call->callback_ip = ip;
    return call;
}

std::vector<std::string> methods(const std::vector<XmlrpcCall>& calls) {
    std::vector<std::string> out;
    for (const auto& c : calls)
        out.push_back(c.method);
    return out;
}

}  // namespace

TEST(TimeoutNotifier, SemsOnePerTaggedParticipant) {
    auto owner = answered("10.0.0.1");
    Call& call = *owner;
    call.add("");  // an untagged side is skipped
    const auto calls = timeout_notifications(call, "http://%%:8090/", XmlrpcFormat::sems);
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].url, "http://10.0.0.1:8090/");
    EXPECT_EQ(calls[0].method, "di");
    EXPECT_EQ(calls[0].params, (std::vector<std::string>{"sbc", "postControlCmd", "A", "teardown"}));
    EXPECT_EQ(calls[1].params, (std::vector<std::string>{"sbc", "postControlCmd", "B", "teardown"}));
}

TEST(TimeoutNotifier, CallIdOnce) {
    auto owner = answered("[::1]");
    const Call& call = *owner;
    const auto calls = timeout_notifications(call, "http://%%/RPC2", XmlrpcFormat::call_id);
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].url, "http://[::1]/RPC2");
    EXPECT_EQ(calls[0].method, "teardown");
    EXPECT_EQ(calls[0].params, (std::vector<std::string>{"abc@host"}));
}

TEST(TimeoutNotifier, KamailioOncePerDialogue) {
    auto owner = answered("10.0.0.1");
    const auto calls = timeout_notifications(*owner, "http://sip:5060/", XmlrpcFormat::kamailio);
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].url, "http://sip:5060/");  // no %%: as given
    EXPECT_EQ(calls[0].method, "dlg.terminate_dlg");
    EXPECT_EQ(calls[0].params, (std::vector<std::string>{"abc@host", "A", "B"}));

    Call offered("x");
    Participant& a = offered.add("A");
    Participant& b = offered.add("");
    a.peer = &b;
    b.peer = &a;
    EXPECT_TRUE(timeout_notifications(offered, "http://sip/", XmlrpcFormat::kamailio).empty());
    EXPECT_EQ(methods(timeout_notifications(offered, "http://sip/", XmlrpcFormat::sems)),
              (std::vector<std::string>{"di"}));
}

TEST(TimeoutNotifier, BodyIsEscapedXmlrpc) {
    const std::string body = xmlrpc_request_body({"http://x/", "teardown", {"a<b&c>\"'"}});
    EXPECT_NE(body.find("<methodCall>"), std::string::npos);
    EXPECT_NE(body.find("<methodName>teardown</methodName>"), std::string::npos);
    EXPECT_NE(body.find("<param><value><string>a&lt;b&amp;c&gt;&quot;&apos;</string></value></param>"),
              std::string::npos);
}

TEST(TimeoutNotifier, HttpUrls) {
    auto u = parse_http_url("http://127.0.0.1:8090/RPC2");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "127.0.0.1");
    EXPECT_EQ(u->port, "8090");
    EXPECT_EQ(u->path, "/RPC2");
    u = parse_http_url("HTTP://sbc.example");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "sbc.example");
    EXPECT_EQ(u->port, "80");
    EXPECT_EQ(u->path, "/");
    u = parse_http_url("http://[2001:db8::1]:5080/x?y");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "2001:db8::1");
    EXPECT_EQ(u->port, "5080");
    EXPECT_EQ(u->path, "/x?y");
    for (const char* bad : {"https://h/", "ftp://h/", "http://", "http://:80/", "http://h:/", "http://h:8x/",
                            "http://u:p@h/", "http://[::1/", "http://[::1]x/"})
        EXPECT_FALSE(parse_http_url(bad)) << bad;
}

}  // namespace rtpe::call
