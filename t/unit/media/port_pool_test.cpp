#include "daemon/media/port_pool.hpp"

#include <gtest/gtest.h>

#include <set>

namespace rtpe::media {

namespace {
const PortPool::TryBind kAlwaysBinds = [](uint16_t) { return true; };
}

TEST(PortPool, PairsAreEvenAndInsideTheRange) {
    PortPool pool(30001, 30010);  // pairs 30002, 30004, 30006, 30008 (30010 has no odd partner)
    EXPECT_EQ(pool.capacity(), 4u);
    std::set<uint16_t> seen;
    for (int i = 0; i < 4; ++i) {
        auto port = pool.acquire(kAlwaysBinds);
        ASSERT_TRUE(port);
        EXPECT_EQ(*port % 2, 0);
        EXPECT_GE(*port, 30002);
        EXPECT_LE(*port + 1, 30010);
        EXPECT_TRUE(seen.insert(*port).second) << "handed out twice: " << *port;
    }
    EXPECT_FALSE(pool.acquire(kAlwaysBinds)) << "must run out";
    EXPECT_EQ(pool.used(), 4u);
}

TEST(PortPool, ReleasedPairsComeBack) {
    PortPool pool(40000, 40003);
    auto a = pool.acquire(kAlwaysBinds);
    auto b = pool.acquire(kAlwaysBinds);
    ASSERT_TRUE(a && b);
    EXPECT_FALSE(pool.acquire(kAlwaysBinds));
    pool.release(*a);
    pool.release(*a);  // double release must not corrupt the count
    EXPECT_EQ(pool.used(), 1u);
    EXPECT_EQ(pool.acquire(kAlwaysBinds), a);
}

TEST(PortPool, SkipsPortsThatFailToBind) {
    PortPool pool(50000, 50009);
    auto port = pool.acquire([](uint16_t p) { return p == 50006; });
    EXPECT_EQ(port, 50006);
    EXPECT_FALSE(pool.acquire([](uint16_t) { return false; }));
    EXPECT_EQ(pool.used(), 1u);
}

TEST(PortPool, StartIsRandomised) {
    std::set<uint16_t> firsts;
    for (int i = 0; i < 20; ++i) {
        PortPool pool(30000, 39999);
        firsts.insert(*pool.acquire(kAlwaysBinds));
    }
    EXPECT_GT(firsts.size(), 10u);
}

TEST(PortPool, EmptyRange) {
    PortPool pool(30001, 30001);
    EXPECT_EQ(pool.capacity(), 0u);
    EXPECT_FALSE(pool.acquire(kAlwaysBinds));
}

}  // namespace rtpe::media
