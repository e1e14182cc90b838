#include "daemon/control/cookie_cache.hpp"

#include <gtest/gtest.h>

namespace rtpe::control {

using namespace std::chrono_literals;

namespace {
net::SocketAddress addr(const char* ip, uint16_t port) {
    return {*net::IpAddress::parse(ip), port};
}
}  // namespace

TEST(CookieCache, HitsOnlyForSameSenderAndCookie) {
    CookieCache cache;
    const auto t0 = CookieCache::Clock::now();
    cache.store(addr("127.0.0.1", 5000), "abc", std::make_shared<const std::string>("abc d6:result4:ponge"), t0);
    EXPECT_EQ(*cache.find(addr("127.0.0.1", 5000), "abc", t0), "abc d6:result4:ponge");
    EXPECT_FALSE(cache.find(addr("127.0.0.1", 5001), "abc", t0));
    EXPECT_FALSE(cache.find(addr("127.0.0.2", 5000), "abc", t0));
    EXPECT_FALSE(cache.find(addr("127.0.0.1", 5000), "abd", t0));
}

TEST(CookieCache, EntriesExpire) {
    CookieCache cache(30s);
    const auto t0 = CookieCache::Clock::now();
    cache.store(addr("::1", 1), "c", std::make_shared<const std::string>("reply"), t0);
    EXPECT_TRUE(cache.find(addr("::1", 1), "c", t0 + 29s));
    EXPECT_FALSE(cache.find(addr("::1", 1), "c", t0 + 30s));
    EXPECT_EQ(cache.size(), 0u);
}

TEST(CookieCache, RestoredKeyKeepsNewestReply) {
    CookieCache cache(30s);
    const auto t0 = CookieCache::Clock::now();
    cache.store(addr("127.0.0.1", 1), "c", std::make_shared<const std::string>("old"), t0);
    cache.store(addr("127.0.0.1", 1), "c", std::make_shared<const std::string>("new"), t0 + 20s);
    // The first record's expiry must not take the newer entry with it.
    EXPECT_EQ(*cache.find(addr("127.0.0.1", 1), "c", t0 + 35s), "new");
}

TEST(CookieCache, SizeIsBounded) {
    CookieCache cache(30s, 100);
    const auto t0 = CookieCache::Clock::now();
    for (int i = 0; i < 1000; ++i)
        cache.store(addr("127.0.0.1", 1), std::to_string(i), std::make_shared<const std::string>("r"), t0);
    EXPECT_LE(cache.size(), 100u);
    EXPECT_TRUE(cache.find(addr("127.0.0.1", 1), "999", t0));
    EXPECT_FALSE(cache.find(addr("127.0.0.1", 1), "0", t0));
}

}  // namespace rtpe::control
