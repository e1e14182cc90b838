#include "ice/candidate.hpp"

#include <gtest/gtest.h>

#include "ice/sdp_attributes.hpp"

namespace {

using namespace rtpe::ice;

TEST(IceCandidate, BrowserLinesRoundTrip) {
    const char* lines[] = {
        // Chrome
        "1467250027 1 udp 2122260223 192.168.0.196 46243 typ host generation 0 network-id 1 network-cost 10",
        "3574567063 1 udp 1686052607 203.0.113.7 46243 typ srflx raddr 192.168.0.196 rport 46243 generation 0 "
        "network-id 1 network-cost 10",
        "435653019 1 tcp 1518280447 192.168.0.196 9 typ host tcptype active generation 0 network-id 1 network-cost 10",
        "2395300328 1 udp 2113937151 7d7a3ba0-6a53-4f5e-8e45-5c1b8e4f0c1d.local 52414 typ host generation 0 ufrag "
        "Ay3d network-cost 999",
        "842163049 1 udp 1677729535 1.2.3.4 56143 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag sXxN "
        "network-cost 999",
        // Firefox
        "0 1 UDP 2122252543 192.168.1.2 49203 typ host",
        "2 1 TCP 2105524479 192.168.1.2 9 typ host tcptype active",
        "1 1 UDP 1686052863 198.51.100.5 49203 typ srflx raddr 192.168.1.2 rport 49203",
        "3 2 UDP 92217342 198.51.100.9 61000 typ relay raddr 198.51.100.5 rport 49203",
        "4 1 UDP 2122187007 2001:db8::5 50000 typ host",
        // RFC 8839's example, with an extension we do not know
        "1 1 UDP 2130706431 10.0.1.1 8998 typ host x-unknown 42",
    };
    for (const char* line : lines) {
        const auto c = parse_candidate(line);
        ASSERT_TRUE(c) << line;
        EXPECT_EQ(format_candidate(*c), line);
        EXPECT_EQ(parse_candidate(std::string("a=candidate:") + line), c);
    }
}

TEST(IceCandidate, FieldsAreRead) {
    const auto c = parse_candidate(
        "candidate:3574567063 2 udp 1686052607 203.0.113.7 46243 typ srflx raddr 192.168.0.196 rport 46243 "
        "generation 0 network-id 1");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->foundation, "3574567063");
    EXPECT_EQ(c->component, 2u);
    EXPECT_EQ(c->transport, Transport::udp);
    EXPECT_EQ(c->priority, 1686052607u);
    EXPECT_EQ(c->socket_address()->to_string(), "203.0.113.7:46243");
    EXPECT_EQ(c->type, CandidateType::srflx);
    EXPECT_EQ(c->related_address, "192.168.0.196");
    EXPECT_EQ(c->related_port, 46243);
    EXPECT_EQ(c->extension("generation"), "0");
    EXPECT_EQ(c->extension("network-id"), "1");
    EXPECT_FALSE(c->extension("ufrag"));

    const auto tcp = parse_candidate("2 1 TCP 2105524479 192.168.1.2 9 typ host tcptype active");
    ASSERT_TRUE(tcp);
    EXPECT_EQ(tcp->transport, Transport::tcp);
    const auto mdns = parse_candidate("1 1 udp 2113937151 abc.local 52414 typ host");
    ASSERT_TRUE(mdns);
    EXPECT_FALSE(mdns->socket_address());
}

TEST(IceCandidate, MalformedLinesAreRejected) {
    const char* bad[] = {
        "",
        "1 1 UDP 2130706431 10.0.1.1 8998 host",           // no "typ"
        "1 1 UDP 2130706431 10.0.1.1 8998 typ",            // no type
        "1 1 UDP 2130706431 10.0.1.1 8998 typ bogus",      // unknown type
        "1 0 UDP 2130706431 10.0.1.1 8998 typ host",       // component 0
        "1 257 UDP 2130706431 10.0.1.1 8998 typ host",     // component too large
        "1 1 UDP 0 10.0.1.1 8998 typ host",                // priority 0
        "1 1 UDP 4294967296 10.0.1.1 8998 typ host",       // priority overflow
        "1 1 UDP 2130706431 10.0.1.1 65536 typ host",      // port overflow
        "1 1 UDP 2130706431 10.0.1.1 -1 typ host",         // negative port
        "f:o 1 UDP 2130706431 10.0.1.1 8998 typ host",     // foundation not ice-chars
        "1 1 UDP 2130706431 10.0.1.1 8998 typ host generation",  // dangling extension
        "1 1 UDP 1 10.0.1.1 8998 typ srflx raddr 1.1.1.1 rport x",
    };
    for (const char* line : bad)
        EXPECT_FALSE(parse_candidate(line)) << line;
}

TEST(IcePriority, Rfc8445Formulas) {
    // The classic host candidate priority for component 1 and 2.
    EXPECT_EQ(candidate_priority(CandidateType::host, 65535, 1), 2130706431u);
    EXPECT_EQ(candidate_priority(CandidateType::host, 65535, 2), 2130706430u);
    EXPECT_EQ(candidate_priority(CandidateType::prflx, 65535, 1), (110u << 24) + (65535u << 8) + 255);
    EXPECT_EQ(candidate_priority(CandidateType::relay, 0, 1), 255u);
    // 2^32 * min + 2 * max + (G > D)
    EXPECT_EQ(pair_priority(10, 20), (10ull << 32) + 40);
    EXPECT_EQ(pair_priority(20, 10), (10ull << 32) + 41);
    EXPECT_GT(pair_priority(2130706431, 1686052607), pair_priority(1686052607, 1686052607));
}

TEST(IceFoundation, StablePerAddressAndDistinct) {
    const auto a = *rtpe::net::IpAddress::parse("192.0.2.1");
    const auto b = *rtpe::net::IpAddress::parse("192.0.2.2");
    const auto v6 = *rtpe::net::IpAddress::parse("2001:db8::1");
    EXPECT_EQ(host_foundation(a), host_foundation(a));
    EXPECT_NE(host_foundation(a), host_foundation(b));
    EXPECT_NE(host_foundation(a), host_foundation(v6));
    EXPECT_TRUE(is_ice_chars(host_foundation(v6)));
    EXPECT_LE(host_foundation(v6).size(), 32u);
}

TEST(IceCredentials, RandomIceChars) {
    const auto a = generate_credentials();
    const auto b = generate_credentials();
    EXPECT_GE(a.ufrag.size(), 4u);
    EXPECT_GE(a.pwd.size(), 22u);
    EXPECT_TRUE(is_ice_chars(a.ufrag));
    EXPECT_TRUE(is_ice_chars(a.pwd));
    EXPECT_NE(a, b);
    EXPECT_FALSE(is_ice_chars("ab:c"));
    EXPECT_FALSE(is_ice_chars(""));
}

TEST(IceSdp, AttributesAreGatheredAndWritten) {
    SdpIce ice;
    EXPECT_TRUE(ice.absorb("ice-lite", ""));
    EXPECT_TRUE(ice.absorb("ice-ufrag", "8hhY"));
    EXPECT_TRUE(ice.absorb("ice-pwd", "asd88fgpdd777uzjYhagZg"));
    EXPECT_TRUE(ice.absorb("ice-options", "trickle ice2"));
    EXPECT_TRUE(ice.absorb("candidate", "1 1 UDP 2130706431 10.0.1.1 8998 typ host"));
    EXPECT_TRUE(ice.absorb("candidate", "2 1 TCP 2105524479 192.168.1.2 9 typ host tcptype active"));
    EXPECT_TRUE(ice.absorb("candidate", "garbage"));
    EXPECT_TRUE(ice.absorb("remote-candidates", "1 192.0.2.3 45664 2 192.0.2.3 45665"));
    EXPECT_TRUE(ice.absorb("end-of-candidates", ""));
    EXPECT_FALSE(ice.absorb("rtcp-mux", ""));
    EXPECT_FALSE(ice.absorb("fingerprint", "sha-256 00"));

    EXPECT_TRUE(ice.lite);
    EXPECT_EQ(ice.credentials.ufrag, "8hhY");
    EXPECT_EQ(ice.credentials.pwd, "asd88fgpdd777uzjYhagZg");
    EXPECT_TRUE(ice.trickle());
    EXPECT_TRUE(ice.has_option("ice2"));
    EXPECT_EQ(ice.candidates.size(), 2u);
    EXPECT_EQ(ice.malformed_candidates, 1u);
    ASSERT_EQ(ice.remote_candidates.size(), 2u);
    EXPECT_EQ(ice.remote_candidates[1], (RemoteCandidateRef{2, "192.0.2.3", 45665}));
    EXPECT_TRUE(ice.end_of_candidates);

    const auto out = ice.to_attributes();
    ASSERT_EQ(out.size(), 8u);
    EXPECT_EQ(out[0], (std::pair<std::string, std::string>("ice-lite", "")));
    EXPECT_EQ(out[1].second, "8hhY");
    EXPECT_EQ(out[3], (std::pair<std::string, std::string>("ice-options", "trickle ice2")));
    EXPECT_EQ(out[4], (std::pair<std::string, std::string>("candidate", "1 1 UDP 2130706431 10.0.1.1 8998 typ host")));
    EXPECT_EQ(out[6], (std::pair<std::string, std::string>("remote-candidates", "1 192.0.2.3 45664 2 192.0.2.3 45665")));
    EXPECT_EQ(out[7].first, "end-of-candidates");

    EXPECT_FALSE(parse_remote_candidates("1 192.0.2.3"));
    EXPECT_FALSE(parse_remote_candidates("x 192.0.2.3 1"));
}

}  // namespace
