#include "daemon/homer/homer_sender.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "hep/hep3.hpp"
#include "net/socket.hpp"
#include "rtp/rtcp_json.hpp"
#include "hep/hep_test_vectors.hpp"

namespace rtpe::homer {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using namespace hep::testing;

const std::vector<uint8_t>& sr_sdes() {
    static const std::vector<uint8_t> packet = from_hex(kRtcpHex);
    return packet;
}

media::RtcpCapture capture(std::string_view call_id, const std::vector<uint8_t>& packet = sr_sdes()) {
    media::RtcpCapture c;
    c.call_id = call_id;
    c.source = addr("127.0.0.1", 47167);
    c.destination = addr("127.0.0.1", 46183);
    c.wall_us = int64_t{0x6b12cae0} * 1000000 + 0x0009217d;
    c.data = packet.data();
    c.length = packet.size();
    return c;
}

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds limit = 3000ms) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
        if (cond())
            return true;
        std::this_thread::sleep_for(5ms);
    }
    return cond();
}

struct Listener {
    net::Fd fd;
    net::SocketAddress address;
};

Listener tcp_listener(uint16_t port = 0, int rcvbuf = 0) {
    Listener l;
    l.fd.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int on = 1;
    setsockopt(l.fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (rcvbuf)  // inherited by accepted connections
        setsockopt(l.fd.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    net::SocketAddress a = addr("127.0.0.1", port);
    EXPECT_EQ(::bind(l.fd.get(), a.sockaddr_ptr(), a.length()), 0) << std::strerror(errno);
    EXPECT_EQ(::listen(l.fd.get(), 8), 0);
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    getsockname(l.fd.get(), reinterpret_cast<sockaddr*>(&ss), &len);
    l.address = *net::SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    return l;
}

net::Fd accept_within(const Listener& l, std::chrono::milliseconds limit) {
    pollfd p{l.fd.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) != 1)
        return {};
    return net::Fd(::accept4(l.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
}

// Reads whole HEP3 messages (split by their length field) until count arrived or time is up.
std::vector<std::string> read_hep_stream(int fd, std::size_t count, std::chrono::milliseconds limit = 3000ms) {
    std::string buffer;
    std::vector<std::string> messages;
    const auto deadline = Clock::now() + limit;
    while (messages.size() < count && Clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) != 1)
            continue;
        char chunk[4096];
        const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
        if (n <= 0)
            break;
        buffer.append(chunk, static_cast<std::size_t>(n));
        while (buffer.size() >= 6) {
            EXPECT_EQ(buffer.substr(0, 4), "HEP3");
            const std::size_t len = (static_cast<uint8_t>(buffer[4]) << 8) | static_cast<uint8_t>(buffer[5]);
            if (buffer.size() < len)
                break;
            messages.push_back(buffer.substr(0, len));
            buffer.erase(0, len);
        }
    }
    return messages;
}

std::string correlation_id(const std::string& hep) {
    const auto chunks = hep::decode_hep3(bytes(hep));
    if (!chunks)
        return "<undecodable>";
    for (const auto& c : *chunks)
        if (c.type == hep::chunk::kCorrelationId)
            return std::string(c.data.begin(), c.data.end());
    return "<none>";
}

HomerSettings tcp_settings(const net::SocketAddress& server) {
    HomerSettings s;
    s.server = server;
    s.transport = Transport::tcp;
    s.capture_id = 2099;
    s.reconnect_min = 20ms;
    s.reconnect_max = 100ms;
    return s;
}

}  // namespace

TEST(HomerQueue, BoundsAndOrder) {
    CaptureQueue q(3);
    EXPECT_EQ(q.capacity(), 3u);
    EXPECT_EQ(q.front(), nullptr);
    EXPECT_EQ(q.push(capture("a")), CaptureQueue::Push::queued_was_empty);
    EXPECT_EQ(q.push(capture("b")), CaptureQueue::Push::queued);
    EXPECT_EQ(q.push(capture("c")), CaptureQueue::Push::queued);
    EXPECT_EQ(q.push(capture("d")), CaptureQueue::Push::full);
    EXPECT_EQ(q.size(), 3u);

    const CaptureSlot* s = q.front();
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(std::string_view(s->call_id, s->call_id_length), "a");
    EXPECT_EQ(s->length, sr_sdes().size());
    EXPECT_TRUE(std::equal(sr_sdes().begin(), sr_sdes().end(), s->data));
    EXPECT_EQ(s->source, addr("127.0.0.1", 47167));
    EXPECT_EQ(s->destination, addr("127.0.0.1", 46183));
    q.pop();
    // The freed slot is reused, behind the ones still waiting.
    EXPECT_EQ(q.push(capture("e")), CaptureQueue::Push::queued);
    std::string order;
    while ((s = q.front())) {
        order.append(s->call_id, s->call_id_length);
        q.pop();
    }
    EXPECT_EQ(order, "bce");
    EXPECT_EQ(q.push(capture("f")), CaptureQueue::Push::queued_was_empty);
}

TEST(HomerQueue, OversizedCapturesAreRefused) {
    CaptureQueue q(2);
    const std::string long_id(CaptureSlot::kMaxCallId + 1, 'x');
    EXPECT_EQ(q.push(capture(long_id)), CaptureQueue::Push::oversized);
    const std::string max_id(CaptureSlot::kMaxCallId, 'x');
    EXPECT_EQ(q.push(capture(max_id)), CaptureQueue::Push::queued_was_empty);
    const std::vector<uint8_t> big(CaptureSlot::kMaxPacket + 1, 0x80);
    EXPECT_EQ(q.push(capture("id", big)), CaptureQueue::Push::oversized);
    EXPECT_EQ(q.size(), 1u);
}

TEST(HomerSender, DropsAreCountedWhenTheQueueIsFull) {
    // Nothing listens on TCP here and the sender is slowed by nothing, so fill the ring
    // faster than one thread can empty it: at least the drops must add up.
    auto l = tcp_listener();
    HomerSettings s = tcp_settings(l.address);
    s.queue_slots = 2;
    HomerSender sender(s);
    for (int i = 0; i < 20000; ++i)
        sender.on_rtcp(capture(kCallId));
    sender.stop();
    const auto c = sender.counters();
    EXPECT_EQ(c.captured + c.dropped_full, 20000u);
    EXPECT_GT(c.dropped_full, 0u);
}

TEST(HomerSender, UdpDatagramIsUpstreamsByteForByte) {
    auto sock = net::bind_udp(addr("127.0.0.1", 0));
    ASSERT_TRUE(sock.fd.valid()) << sock.error;
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    getsockname(sock.fd.get(), reinterpret_cast<sockaddr*>(&ss), &len);
    HomerSettings s;
    s.server = *net::SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    s.capture_id = 2099;
    HomerSender sender(s);

    // A BYE alone has nothing to report: upstream sends nothing for it.
    const std::vector<uint8_t> bye = {0x81, 0xcb, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44};
    sender.on_rtcp(capture(kCallId, bye));
    sender.on_rtcp(capture(kCallId));

    pollfd p{sock.fd.get(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 3000), 1);
    uint8_t buf[65536];
    const ssize_t n = ::recv(sock.fd.get(), buf, sizeof(buf), 0);
    ASSERT_GT(n, 0);
    const std::vector<uint8_t> got(buf, buf + n);
    EXPECT_EQ(got, from_hex(kHepHex));

    const auto chunks = hep::decode_hep3(got);
    ASSERT_TRUE(chunks);
    std::map<uint16_t, std::span<const uint8_t>> by_type;
    for (const auto& c : *chunks)
        by_type[c.type] = c.data;
    EXPECT_EQ(be(by_type[hep::chunk::kSourcePort]), 47167u);
    EXPECT_EQ(be(by_type[hep::chunk::kDestinationPort]), 46183u);
    EXPECT_EQ(be(by_type[hep::chunk::kProtocolType]), 5u);
    EXPECT_EQ(be(by_type[hep::chunk::kCaptureId]), 2099u);
    const auto& cid = by_type[hep::chunk::kCorrelationId];
    EXPECT_EQ(std::string(cid.begin(), cid.end()), kCallId);
    const auto& payload = by_type[hep::chunk::kPayload];
    EXPECT_EQ(std::string(payload.begin(), payload.end()), rtp::homer_rtcp_json(sr_sdes()));

    // Only the one datagram.
    EXPECT_EQ(::poll(&p, 1, 100), 0);
    ASSERT_TRUE(wait_for([&] { return sender.counters().sent == 1; }));
    const auto c = sender.counters();
    EXPECT_EQ(c.captured, 2u);
    EXPECT_EQ(c.not_reportable, 1u);
}

TEST(HomerSender, TcpStreamCarriesEveryMessage) {
    auto l = tcp_listener();
    HomerSender sender(tcp_settings(l.address));
    net::Fd conn = accept_within(l, 3000ms);
    ASSERT_TRUE(conn.valid());
    const std::vector<std::string> ids = {"call-1", "call-2", "call-3"};
    for (const auto& id : ids)
        sender.on_rtcp(capture(id));
    const auto messages = read_hep_stream(conn.get(), ids.size());
    ASSERT_EQ(messages.size(), ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
        EXPECT_EQ(correlation_id(messages[i]), ids[i]);
    // The same message as over UDP, only the Call-ID differs.
    EXPECT_EQ(messages[0].size(), from_hex(kHepHex).size() - (sizeof(kCallId) - 1) + ids[0].size());
    EXPECT_TRUE(wait_for([&] { return sender.counters().sent == 3; }));
    EXPECT_EQ(sender.counters().connects, 1u);
}

TEST(HomerSender, TcpReconnectsWhenHomerComesBack) {
    auto l = tcp_listener();
    const net::SocketAddress where = l.address;
    HomerSender sender(tcp_settings(where));
    {
        net::Fd conn = accept_within(l, 3000ms);
        ASSERT_TRUE(conn.valid());
        sender.on_rtcp(capture("before"));
        const auto first = read_hep_stream(conn.get(), 1);
        ASSERT_EQ(first.size(), 1u);
        EXPECT_EQ(correlation_id(first[0]), "before");
        l.fd.reset();  // Homer goes away: listener and connection
    }
    // Refused meanwhile: the sender keeps retrying without anyone waiting for it.
    std::this_thread::sleep_for(150ms);
    sender.on_rtcp(capture("while-down"));
    l = tcp_listener(where.port());
    net::Fd conn = accept_within(l, 3000ms);
    ASSERT_TRUE(conn.valid());
    sender.on_rtcp(capture("after"));
    const auto messages = read_hep_stream(conn.get(), 2);
    std::vector<std::string> got;
    for (const auto& m : messages)
        got.push_back(correlation_id(m));
    // What waited in the bounded buffer goes out on the new connection, in order.
    EXPECT_EQ(got, (std::vector<std::string>{"while-down", "after"}));
    EXPECT_EQ(sender.counters().connects, 2u);
}

TEST(HomerSender, RefusedTcpDoesNotHoldAnythingUp) {
    net::SocketAddress nowhere;
    {
        auto l = tcp_listener();
        nowhere = l.address;
    }  // closed: connections are refused
    HomerSettings s = tcp_settings(nowhere);
    s.tcp_buffer_bytes = 4096;
    HomerSender sender(s);
    for (int i = 0; i < 100; ++i)
        sender.on_rtcp(capture(kCallId));
    ASSERT_TRUE(wait_for([&] {
        // 4 KiB hold 7 of these 580-byte messages until a connection succeeds.
        const auto c = sender.counters();
        return c.dropped_unsent + c.dropped_full >= 93;
    }));
    const auto start = Clock::now();
    sender.stop();
    EXPECT_LT(Clock::now() - start, 1s);
    EXPECT_EQ(sender.counters().connects, 0u);
    EXPECT_EQ(sender.counters().sent, 0u);
}

TEST(HomerSender, HomerThatNeverReadsBlocksNothing) {
    auto l = tcp_listener(0, 4096);  // accepts (the kernel does) but nobody ever reads
    HomerSettings s = tcp_settings(l.address);
    s.tcp_buffer_bytes = 16 * 1024;
    s.queue_slots = 64;
    HomerSender sender(s);
    ASSERT_TRUE(wait_for([&] { return sender.counters().connects == 1; }));

    auto slowest = Clock::duration::zero();
    const auto start = Clock::now();
    for (int i = 0; i < 20000; ++i) {
        const auto t0 = Clock::now();
        sender.on_rtcp(capture(kCallId));
        slowest = std::max(slowest, Clock::now() - t0);
        if (i % 1000 == 0)
            std::this_thread::sleep_for(1ms);  // let the sender fill its buffers
    }
    const auto elapsed = Clock::now() - start;
    // A mutex held for one slot copy is the most a worker can wait for.
    EXPECT_LT(slowest, 50ms);
    EXPECT_LT(elapsed, 2s);
    ASSERT_TRUE(wait_for([&] { return sender.counters().dropped_unsent > 0; }));

    const auto stop_start = Clock::now();
    sender.stop();
    EXPECT_LT(Clock::now() - stop_start, 1s);
    const auto c = sender.counters();
    EXPECT_GT(c.sent, 0u);
    EXPECT_EQ(c.captured + c.dropped_full, 20000u);
}

}  // namespace rtpe::homer
