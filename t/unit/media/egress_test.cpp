#include "daemon/media/egress.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace rtpe::media {

namespace {

// A UDP socket bound to an ephemeral loopback port.
struct Udp {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    net::SocketAddress address;
    Udp() {
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
        socklen_t len = sizeof(sin);
        getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
        address = *net::SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&sin), len);
    }
    ~Udp() { close(fd); }
    // (payload, source port) of every datagram waiting.
    std::vector<std::pair<std::string, uint16_t>> drain() {
        std::vector<std::pair<std::string, uint16_t>> out;
        char buf[2048];
        sockaddr_in from{};
        socklen_t len = sizeof(from);
        for (;;) {
            const ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
            if (n < 0)
                return out;
            out.emplace_back(std::string(buf, static_cast<std::size_t>(n)), ntohs(from.sin_port));
        }
    }
};

const uint8_t* bytes(const std::string& s) {
    return reinterpret_cast<const uint8_t*>(s.data());
}

}  // namespace

TEST(Egress, SendsThroughEachSocketInOrder) {
    Udp out1, out2, peer1, peer2;
    std::atomic<uint64_t> failures{0};
    Egress e;
    const std::string p[] = {"a1", "b1", "a2", "a3", "b2"};
    e.queue(out1.fd, peer1.address, bytes(p[0]), 2, failures);
    e.queue(out2.fd, peer2.address, bytes(p[1]), 2, failures);
    e.queue(out1.fd, peer1.address, bytes(p[2]), 2, failures);
    e.queue(out1.fd, peer1.address, bytes(p[3]), 2, failures);
    e.queue(out2.fd, peer2.address, bytes(p[4]), 2, failures);
    EXPECT_EQ(e.pending(), 5u);
    e.flush();
    EXPECT_EQ(e.pending(), 0u);
    auto got1 = peer1.drain(), got2 = peer2.drain();
    ASSERT_EQ(got1.size(), 3u);
    ASSERT_EQ(got2.size(), 2u);
    EXPECT_EQ(got1[0].first, "a1");
    EXPECT_EQ(got1[1].first, "a2");
    EXPECT_EQ(got1[2].first, "a3");
    EXPECT_EQ(got2[1].first, "b2");
    for (auto& g : got1)
        EXPECT_EQ(g.second, out1.address.port());  // left through the socket it was queued on
    for (auto& g : got2)
        EXPECT_EQ(g.second, out2.address.port());
    EXPECT_EQ(failures.load(), 0u);
}

TEST(Egress, SegmentedSendsArriveAsSeparateDatagrams) {
    // 70 equal packets and a shorter last one to one peer: more than one segmented message
    // (64 segments at most), each cut back into its datagrams, in order, sizes kept.
    Udp out, peer, other;
    std::atomic<uint64_t> failures{0};
    Egress e;
    std::vector<std::string> packets;
    for (int i = 0; i < 70; ++i)
        packets.push_back(std::string(172, static_cast<char>('A' + i % 26)) + std::to_string(1000 + i));
    packets.push_back("short");
    for (const auto& p : packets)
        e.queue(out.fd, peer.address, bytes(p), p.size(), failures);
    const std::string between = "to another";
    e.queue(out.fd, other.address, bytes(between), between.size(), failures);
    e.flush();
    auto got = peer.drain();
    ASSERT_EQ(got.size(), packets.size());
    for (std::size_t i = 0; i < packets.size(); ++i)
        EXPECT_EQ(got[i].first, packets[i]) << i;
    EXPECT_EQ(other.drain().size(), 1u);
    EXPECT_EQ(failures.load(), 0u);
}

TEST(Egress, FullQueueFlushesItself) {
    Udp out, peer;
    std::atomic<uint64_t> failures{0};
    Egress e;
    const std::string payload = "x";
    for (std::size_t i = 0; i < Egress::kCapacity + 3; ++i)
        e.queue(out.fd, peer.address, bytes(payload), 1, failures);
    EXPECT_EQ(e.pending(), 3u);
    e.flush();
    EXPECT_EQ(peer.drain().size(), Egress::kCapacity + 3);
}

TEST(Egress, FailedSendsAreCountedOnTheirStream) {
    Udp peer;
    std::atomic<uint64_t> failures_a{0}, failures_b{0};
    Egress e;
    const std::string payload = "x";
    e.queue(-1, peer.address, bytes(payload), 1, failures_a);  // a socket that is not there
    e.queue(-1, peer.address, bytes(payload), 1, failures_b);
    e.flush();
    EXPECT_EQ(failures_a.load(), 1u);
    EXPECT_EQ(failures_b.load(), 1u);
}

}  // namespace rtpe::media
