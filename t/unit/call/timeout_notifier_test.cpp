#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "daemon/call/call.hpp"
#include "daemon/call/timeout_notifier.hpp"
#include "http/client.hpp"
#include "net/socket.hpp"
#include "xmlrpc/document.hpp"

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
    const std::string body = xmlrpc_request_body({"http://x/", "teardown", {"a<b&c>\"'", "x"}});
    EXPECT_EQ(body.rfind("<?xml version=\"1.0\"", 0), 0u);
    EXPECT_NE(body.find("<methodCall>"), std::string::npos);
    EXPECT_NE(body.find("<methodName>teardown</methodName>"), std::string::npos);
    // xmlrpc-c escapes what must be in element content; quotes need not be.
    EXPECT_NE(body.find("<param><value><string>a&lt;b&amp;c&gt;\"'</string></value></param>"),
              std::string::npos);
    EXPECT_LT(body.find("a&lt;"), body.find("<string>x</string>"));  // in order
    EXPECT_THROW(xmlrpc_request_body({"http://x/", "teardown", {"\xff\xfe"}}), xmlrpc::Error);  // not UTF-8
}

TEST(TimeoutNotifier, XmlrpcResponses) {
    EXPECT_FALSE(xmlrpc::read_response("<?xml version=\"1.0\"?><methodResponse><params><param>"
                                       "<value><boolean>1</boolean></value></param></params></methodResponse>"));
    const auto fault = xmlrpc::read_response(
        "<?xml version=\"1.0\"?><methodResponse><fault><value><struct>"
        "<member><name>faultCode</name><value><int>500</int></value></member>"
        "<member><name>faultString</name><value><string>Dialog not found</string></value></member>"
        "</struct></value></fault></methodResponse>");
    ASSERT_TRUE(fault);
    EXPECT_EQ(fault->code, 500);
    EXPECT_EQ(fault->text, "Dialog not found");
    EXPECT_THROW(xmlrpc::read_response("<html>Bad gateway</html>"), xmlrpc::Error);
    EXPECT_THROW(xmlrpc::read_response(""), xmlrpc::Error);
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
    u = parse_http_url("https://sbc.example/RPC2");  // curl speaks TLS
    ASSERT_TRUE(u);
    EXPECT_EQ(u->scheme, "https");
    EXPECT_EQ(u->port, "443");
    u = parse_http_url("http://h:/");  // an empty port is the default one (RFC 3986), as curl reads it
    ASSERT_TRUE(u);
    EXPECT_EQ(u->port, "80");
    for (const char* bad : {"ftp://h/", "http://", "http://:80/", "http://h:8x/", "http://u:p@h/", "http://u@h/",
                            "http://[::1/", "http://[::1]x/", "sbc.example", ""})
        EXPECT_FALSE(parse_http_url(bad)) << bad;
}

// The transport alone, against sockets of this test.
TEST(TimeoutNotifier, HttpClientRefusedAndInterrupted) {
    net::Fd listener(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_GE(listener.get(), 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(listener.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)), 0);
    socklen_t len = sizeof(sin);
    ASSERT_EQ(getsockname(listener.get(), reinterpret_cast<sockaddr*>(&sin), &len), 0);
    const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(sin.sin_port)) + "/RPC2";

    http::Client client;
    // Bound but not listening: refused at once.
    http::Response r = client.post({url, "<x/>", "text/xml", "test", std::chrono::milliseconds(2000), ""});
    EXPECT_NE(r.error.find("Connection refused"), std::string::npos) << r.error;

    // Listening but never answering: the timeout ends it.
    ASSERT_EQ(listen(listener.get(), 4), 0);
    auto started = std::chrono::steady_clock::now();
    r = client.post({url, "<x/>", "text/xml", "test", std::chrono::milliseconds(300), ""});
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_FALSE(r.error.empty());
    EXPECT_GE(took, std::chrono::milliseconds(250));
    EXPECT_LT(took, std::chrono::milliseconds(2000));

    // ... or another thread's interrupt(), long before the timeout.
    started = std::chrono::steady_clock::now();
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        client.interrupt();
    });
    r = client.post({url, "<x/>", "text/xml", "test", std::chrono::milliseconds(20000), ""});
    took = std::chrono::steady_clock::now() - started;
    stopper.join();
    EXPECT_EQ(r.error, "interrupted");
    EXPECT_LT(took, std::chrono::milliseconds(2000));
    EXPECT_EQ(client.post({url, "", "text/xml", "test", std::chrono::milliseconds(20000), ""}).error, "interrupted");
}

}  // namespace rtpe::call
