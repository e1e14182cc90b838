#include "daemon/media/local_interfaces.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cerrno>
#include <set>

namespace rtpe::media {

namespace {

std::vector<net::InterfaceSpec> specs(std::initializer_list<const char*> texts) {
    std::vector<net::InterfaceSpec> out;
    for (const char* t : texts) {
        auto parsed = net::parse_interface(t);
        out.insert(out.end(), parsed.interfaces.begin(), parsed.interfaces.end());
    }
    return out;
}

uint16_t bound_port(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    return net::SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len)->port();
}

}  // namespace

TEST(LocalInterfaces, FindsByNameAndFamily) {
    LocalInterfaces ifs(specs({"int/127.0.0.1", "ext/127.0.0.2!192.0.2.1", "ext/::1"}), 30000, 30100);
    EXPECT_EQ(ifs.find("")->interface_name, "int");
    EXPECT_EQ(ifs.find("ext")->advertised.to_string(), "192.0.2.1");
    EXPECT_EQ(ifs.find("ext", AF_INET6)->local.to_string(), "::1");
    EXPECT_EQ(ifs.find("int", AF_INET6), nullptr);
    EXPECT_EQ(ifs.find("nope"), nullptr);
}

TEST(LocalInterfaces, AllocatesBoundPairsAndRunsOut) {
    // A narrow range so that exhaustion is reached: 3 pairs.
    LocalInterfaces ifs(specs({"127.0.0.1"}), 47100, 47105);
    auto& address = *ifs.find("");
    std::vector<std::unique_ptr<SocketPair>> pairs;
    std::set<uint16_t> ports;
    while (auto pair = ifs.allocate(address)) {
        EXPECT_EQ(bound_port(pair->rtp_fd()), pair->rtp_port());
        EXPECT_EQ(bound_port(pair->rtcp_fd()), pair->rtp_port() + 1);
        EXPECT_TRUE(ports.insert(pair->rtp_port()).second);
        pairs.push_back(std::move(pair));
        ASSERT_LE(pairs.size(), 3u);
    }
    EXPECT_EQ(pairs.size(), 3u);
    pairs.pop_back();
    EXPECT_NE(ifs.allocate(address), nullptr) << "a released pair is usable again";
}

TEST(LocalInterfaces, SkipsPortsTakenByOthers) {
    LocalInterfaces ifs(specs({"127.0.0.1"}), 47200, 47203);
    auto blocker = net::bind_udp(net::SocketAddress(*net::IpAddress::parse("127.0.0.1"), 47201));
    ASSERT_TRUE(blocker.fd.valid());
    auto pair = ifs.allocate(*ifs.find(""));
    ASSERT_NE(pair, nullptr);
    EXPECT_EQ(pair->rtp_port(), 47202);
    EXPECT_EQ(ifs.allocate(*ifs.find("")), nullptr);
}

TEST(LocalInterfaces, PortsCanBeTakenOverBeforeTheWorkerCloses) {
    LocalInterfaces ifs(specs({"127.0.0.1"}), 47300, 47301);  // room for one pair
    auto& address = *ifs.find("");
    auto retired = ifs.allocate(address);
    ASSERT_NE(retired, nullptr);
    EXPECT_EQ(ifs.allocate(address), nullptr);
    const int old_rtp = retired->rtp_fd();
    ASSERT_TRUE(retired->release_ports_now(ifs.placeholder_fd()));
    EXPECT_FALSE(retired->release_ports_now(ifs.placeholder_fd())) << "only once";
    // The ports are bound again at once, while the old number stays taken and reads nothing.
    auto next = ifs.allocate(address);
    ASSERT_NE(next, nullptr);
    EXPECT_EQ(next->rtp_port(), 47300);
    EXPECT_NE(next->rtp_fd(), old_rtp);
    char buf[16];
    EXPECT_LT(recv(old_rtp, buf, sizeof(buf), MSG_DONTWAIT), 0);
    EXPECT_EQ(errno, EAGAIN);
    retired->close_sockets();  // the worker's close after a take-over changes nothing
    retired.reset();           // and destroying it does not give the ports back twice
    EXPECT_EQ(ifs.allocate(address), nullptr);
}

TEST(LocalInterfaces, TheWorkersCloseGivesThePortsBackAtOnce) {
    LocalInterfaces ifs(specs({"127.0.0.1"}), 47310, 47311);
    auto& address = *ifs.find("");
    auto pair = ifs.allocate(address);
    ASSERT_NE(pair, nullptr);
    pair->close_sockets();
    EXPECT_TRUE(pair->release_ports_now(ifs.placeholder_fd())) << "nothing to take over, but free";
    auto next = ifs.allocate(address);  // before the closed pair is destroyed
    ASSERT_NE(next, nullptr);
    pair.reset();  // and destroying it does not give them back a second time
    EXPECT_EQ(ifs.allocate(address), nullptr);
}

}  // namespace rtpe::media
