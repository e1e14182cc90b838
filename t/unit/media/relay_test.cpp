#include "daemon/media/relay.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/media/forwarding_rule.hpp"

namespace rtpe::media {

namespace {
net::SocketAddress addr(const char* ip, uint16_t port) {
    return net::SocketAddress(*net::IpAddress::parse(ip), port);
}

int bound_udp() {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
    return fd;
}
}  // namespace

TEST(Learning, DelayedSettlesOnTheSdpAddressAtOnce) {
    PacketStream s(-1, false);
    s.advertised = s.endpoint = addr("10.0.0.1", 4000);
    EXPECT_TRUE(learn_source(s, addr("192.0.2.9", 5000), 1000));  // a first guess
    EXPECT_EQ(s.endpoint, addr("192.0.2.9", 5000));
    EXPECT_FALSE(s.endpoint_confirmed);
    EXPECT_TRUE(learn_source(s, addr("10.0.0.1", 4000), 1100));  // the SDP's address wins
    EXPECT_EQ(s.endpoint, addr("10.0.0.1", 4000));
    EXPECT_TRUE(s.endpoint_confirmed);
}

TEST(Learning, DelayedSettlesOnTheFirstGuessByTimer) {
    PacketStream s(-1, false);
    s.advertised = s.endpoint = addr("10.0.0.1", 4000);
    learn_source(s, addr("192.0.2.9", 5000), 1000);
    EXPECT_FALSE(settle_learning(s, 1000 + kDelayedLearningMs - 1));
    EXPECT_TRUE(settle_learning(s, 1000 + kDelayedLearningMs));
    EXPECT_TRUE(s.endpoint_confirmed);
    EXPECT_EQ(s.endpoint, addr("192.0.2.9", 5000));
    EXPECT_FALSE(settle_learning(s, 1000 + 2 * kDelayedLearningMs));  // only once
}

TEST(Learning, StrictSourceRefusesOthersOnceSettled) {
    PacketStream s(-1, false);
    s.policy.strict_source = true;
    s.policy.learning = EndpointLearning::immediate;
    s.advertised = s.endpoint = addr("10.0.0.1", 4000);
    EXPECT_TRUE(learn_source(s, addr("10.0.0.1", 4000), 0));
    EXPECT_FALSE(learn_source(s, addr("10.0.0.2", 4000), 1));
}

TEST(ForwardingRule, OnlyForEstablishedSingleForwarder) {
    PacketStream in(bound_udp(), false), out(bound_udp(), false);
    in.advertised = in.endpoint = addr("127.0.0.1", 4000);
    out.advertised = out.endpoint = addr("127.0.0.1", 6000);
    in.payloads().allow({{0, 8000}, {101, 8000}});
    in.forwarder.set_targets(&out, nullptr);
    in.sinks.add(&in.forwarder);
    EXPECT_FALSE(describe_forwarding(in));  // still learning
    in.endpoint_confirmed = true;
    in.ssrcs().record(0xabcd, 1, 0, 0, 8000, 172, 0);
    auto rule = describe_forwarding(in);
    ASSERT_TRUE(rule);
    EXPECT_EQ(rule->expected_source, addr("127.0.0.1", 4000));
    EXPECT_EQ(rule->destination, addr("127.0.0.1", 6000));
    EXPECT_EQ(rule->local.ip().to_string(), "127.0.0.1");
    EXPECT_NE(rule->local.port(), rule->egress_local.port());
    EXPECT_EQ(rule->payload_types, (std::vector<uint8_t>{0, 101}));
    EXPECT_EQ(rule->ssrcs, (std::vector<uint32_t>{0xabcd}));
    EXPECT_FALSE(rule->rtcp);

    out.endpoint = addr("0.0.0.0", 6000);  // the peer went on hold
    EXPECT_FALSE(describe_forwarding(in));
    out.endpoint = addr("127.0.0.1", 6000);
    Forwarder second;
    in.sinks.add(&second);  // fan-out needs userspace
    EXPECT_FALSE(describe_forwarding(in));
    close(in.fd());
    close(out.fd());
}

TEST(StreamCounters, KernelCountsJoinTheTotalsAndKeepTheirShare) {
    StreamCounters c;
    bump(c.user_packets, uint64_t{3});
    put(c.user_last_packet, int64_t{1000});
    c.fold_kernel(10, 1000, 1, 1005);
    c.fold_kernel(5, 500, 0, 1003);  // an older last packet leaves the newer one
    EXPECT_EQ(c.packets(), 18u);
    EXPECT_EQ(c.bytes(), 1500u);
    EXPECT_EQ(c.errors(), 1u);
    EXPECT_EQ(c.last_packet(), 1005);
    EXPECT_EQ(peek(c.kernel_packets), 15u);
    EXPECT_EQ(peek(c.kernel_bytes), 1500u);
    EXPECT_EQ(peek(c.kernel_errors), 1u);
    put(c.user_last_packet, int64_t{1010});
    EXPECT_EQ(c.last_packet(), 1010);
}

}  // namespace rtpe::media
