#include <gtest/gtest.h>

#include "net/address.hpp"
#include "net/endpoint_spec.hpp"
#include "net/interface_spec.hpp"

namespace rtpe::net {

TEST(IpAddress, ParsesV4AndV6) {
    auto v4 = IpAddress::parse("192.0.2.1");
    ASSERT_TRUE(v4);
    EXPECT_TRUE(v4->is_v4());
    EXPECT_EQ(v4->to_string(), "192.0.2.1");
    auto v6 = IpAddress::parse("[2001:db8::1]");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->is_v6());
    EXPECT_EQ(v6->to_string(), "2001:db8::1");
    for (const char* bad : {"", "300.1.1.1", "1.2.3", "[1.2.3.4", "host", "::g", "[]"})
        EXPECT_FALSE(IpAddress::parse(bad)) << bad;
}

TEST(SocketAddress, FormatsLikeUpstreamLogs) {
    EXPECT_EQ(SocketAddress(*IpAddress::parse("127.0.0.1"), 2223).to_string(), "127.0.0.1:2223");
    EXPECT_EQ(SocketAddress(*IpAddress::parse("::1"), 2223).to_string(), "[::1]:2223");
    SocketAddress a(*IpAddress::parse("::1"), 9);
    auto copy = SocketAddress::from_sockaddr(a.sockaddr_ptr(), a.length());
    ASSERT_TRUE(copy);
    EXPECT_EQ(*copy, a);
    EXPECT_EQ(SocketAddressHash{}(*copy), SocketAddressHash{}(a));
}

TEST(EndpointSpec, BarePortMeansBothWildcards) {
    auto r = parse_endpoint("2223");
    ASSERT_TRUE(r.error.empty());
    ASSERT_EQ(r.addresses.size(), 2u);
    EXPECT_EQ(r.addresses[0].to_string(), "0.0.0.0:2223");
    EXPECT_EQ(r.addresses[1].to_string(), "[::]:2223");
}

TEST(EndpointSpec, AddressForms) {
    EXPECT_EQ(parse_endpoint("127.0.0.1:22222").addresses.at(0).to_string(), "127.0.0.1:22222");
    EXPECT_EQ(parse_endpoint("[::1]:22222").addresses.at(0).to_string(), "[::1]:22222");
    auto local = parse_endpoint("localhost:5000");
    ASSERT_TRUE(local.error.empty()) << local.error;
    EXPECT_FALSE(local.addresses.empty());
    for (const auto& a : local.addresses)
        EXPECT_EQ(a.port(), 5000);
}

TEST(EndpointSpec, Errors) {
    for (const char* bad : {"", "0", "65536", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:x", ":2223", "::1:2223",
                            "[::1:2223", "host.invalid:2223", "1.2.3.4.5:80"})
        EXPECT_FALSE(parse_endpoint(bad).error.empty()) << bad;
}

TEST(InterfaceSpec, FullSyntax) {
    auto plain = parse_interface("192.0.2.10");
    ASSERT_EQ(plain.interfaces.size(), 1u);
    EXPECT_EQ(plain.interfaces[0].name, "default");
    EXPECT_EQ(plain.interfaces[0].local.to_string(), "192.0.2.10");
    EXPECT_EQ(plain.interfaces[0].advertised.to_string(), "192.0.2.10");

    auto named = parse_interface("ext/10.0.0.1!203.0.113.5");
    ASSERT_EQ(named.interfaces.size(), 1u);
    EXPECT_EQ(named.interfaces[0].name, "ext");
    EXPECT_EQ(named.interfaces[0].local.to_string(), "10.0.0.1");
    EXPECT_EQ(named.interfaces[0].advertised.to_string(), "203.0.113.5");

    auto v6 = parse_interface("v6/2001:db8::5");
    ASSERT_EQ(v6.interfaces.size(), 1u);
    EXPECT_TRUE(v6.interfaces[0].local.is_v6());
}

TEST(InterfaceSpec, DeviceNameExpands) {
    auto lo = parse_interface("int/lo");
    ASSERT_TRUE(lo.error.empty()) << lo.error;
    ASSERT_FALSE(lo.interfaces.empty());
    EXPECT_EQ(lo.interfaces[0].name, "int");
}

TEST(InterfaceSpec, Errors) {
    for (const char* bad : {"", "/1.2.3.4", "a b/1.2.3.4", "1.2.3.4!", "1.2.3.4!x", "0.0.0.0", "::",
                            "no-such-device0", "1.2.3.4!::1", "ext/"})
        EXPECT_FALSE(parse_interface(bad).error.empty()) << bad;
}

}  // namespace rtpe::net
