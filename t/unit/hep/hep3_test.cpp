#include "hep/hep3.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rtp/rtcp_json.hpp"

namespace rtpe::hep {

namespace {

std::vector<uint8_t> from_hex(std::string_view hex) {
    std::vector<uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

std::span<const uint8_t> bytes(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

uint32_t be(std::span<const uint8_t> d) {
    uint32_t v = 0;
    for (uint8_t b : d)
        v = (v << 8) | b;
    return v;
}

net::SocketAddress addr(const char* ip, uint16_t port) {
    return {*net::IpAddress::parse(ip), port};
}

// What the Debian rtpengine 10.5.3.5 sent to --homer=127.0.0.1:... --homer-id=2099 for the
// SR+SDES compound below (t/unit/hep/capture_upstream_hep.py, upstream_capture.jsonl).
const char kRtcpHex[] =
    "81c8000c11223344e87547008000000000027100000003e800027100556677880c000022000102030000002daabbccdd00010000"
    "81ca000611223344010f616c696365403132372e302e302e31000000";
const char kHepHex[] =
    "4845503302440000000100070200000002000711000000070008b83f000000080008b46700000009000a6b12cae00000000a000a"
    "0009217d0000000b0007050000000c000a0000083300000003000a7f00000100000004000a7f0000010000001100216865702d6361"
    "70747572652d3130333434403132372e302e302e310000000f01c67b202273656e6465725f696e666f726d6174696f6e223a7b22"
    "6e74705f74696d657374616d705f736563223a333930303030303030302c226e74705f74696d657374616d705f75736563223a32"
    "3134373438333634382c226f6374657473223a3136303030302c227274705f74696d657374616d70223a3136303030302c202270"
    "61636b657473223a313030307d2c2273737263223a3238373435343032302c2274797065223a3230302c227265706f72745f636f"
    "756e74223a312c227265706f72745f626c6f636b73223a5b7b22736f757263655f73737263223a313433323737383633322c2268"
    "6967686573745f7365715f6e6f223a36363035312c226672616374696f6e5f6c6f7374223a31322c2269615f6a6974746572223a"
    "34352c227061636b6574735f6c6f7374223a33342c226c7372223a323836343433343339372c22646c7372223a36353533367d5d"
    "2c22736465735f7265706f72745f636f756e74223a312c22736465735f696e666f726d6174696f6e223a205b207b22736465735f"
    "6368756e6b5f73737263223a3238373435343032302c2274797065223a312c2274657874223a22616c696365403132372e302e30"
    "2e31227d5d207d";

}  // namespace

TEST(Hep, MatchesUpstreamByteForByte) {
    const auto rtcp = from_hex(kRtcpHex);
    const std::string json = rtp::homer_rtcp_json(rtcp);
    Message m;
    m.source = addr("127.0.0.1", 47167);
    m.destination = addr("127.0.0.1", 46183);
    m.timestamp_sec = 0x6b12cae0;
    m.timestamp_usec = 0x0009217d;
    m.capture_id = 2099;
    m.correlation_id = "hep-capture-10344@127.0.0.1";
    m.payload = json;
    const std::string hep = encode_hep3(m);
    const auto want = from_hex(kHepHex);
    EXPECT_EQ(std::vector<uint8_t>(hep.begin(), hep.end()), want);
}

TEST(Hep, EncodeDecodeIpv4) {
    Message m;
    m.source = addr("192.0.2.1", 5005);
    m.destination = addr("198.51.100.7", 30001);
    m.timestamp_sec = 1700000000;
    m.timestamp_usec = 123456;
    m.capture_id = 999;
    m.auth_key = "secret";
    m.correlation_id = "abc@host";
    m.payload = "{ }";
    const std::string hep = encode_hep3(m);
    ASSERT_FALSE(hep.empty());
    EXPECT_EQ(hep.substr(0, 4), "HEP3");
    EXPECT_EQ(be(bytes(hep).subspan(4, 2)), hep.size());
    const auto chunks = decode_hep3(bytes(hep));
    ASSERT_TRUE(chunks);
    std::vector<uint16_t> types;
    for (const auto& c : *chunks) {
        EXPECT_EQ(c.vendor, 0);
        types.push_back(c.type);
    }
    EXPECT_EQ(types, (std::vector<uint16_t>{chunk::kIpFamily, chunk::kIpProtocol, chunk::kSourcePort,
                                            chunk::kDestinationPort, chunk::kTimestampSec, chunk::kTimestampUsec,
                                            chunk::kProtocolType, chunk::kCaptureId, chunk::kIpv4Source,
                                            chunk::kIpv4Destination, chunk::kAuthKey, chunk::kCorrelationId,
                                            chunk::kPayload}));
    const auto& c = *chunks;
    EXPECT_EQ(be(c[0].data), unsigned{AF_INET});
    EXPECT_EQ(be(c[1].data), 17u);
    EXPECT_EQ(be(c[2].data), 5005u);
    EXPECT_EQ(be(c[3].data), 30001u);
    EXPECT_EQ(be(c[4].data), 1700000000u);
    EXPECT_EQ(be(c[5].data), 123456u);
    EXPECT_EQ(be(c[6].data), unsigned{kProtocolRtcpJson});
    EXPECT_EQ(be(c[7].data), 999u);
    EXPECT_EQ(be(c[8].data), 0xc0000201u);
    EXPECT_EQ(be(c[9].data), 0xc6336407u);
    auto text = [](const Chunk& ch) { return std::string(ch.data.begin(), ch.data.end()); };
    EXPECT_EQ(text(c[10]), "secret");
    EXPECT_EQ(text(c[11]), "abc@host");
    EXPECT_EQ(text(c[12]), "{ }");
}

TEST(Hep, EncodeDecodeIpv6) {
    Message m;
    m.source = addr("2001:db8::1", 1);
    m.destination = addr("::1", 65535);
    m.correlation_id = "x";
    m.payload = "p";
    const std::string hep = encode_hep3(m);
    const auto chunks = decode_hep3(bytes(hep));
    ASSERT_TRUE(chunks);
    ASSERT_EQ(chunks->size(), 12u);
    EXPECT_EQ(be((*chunks)[0].data), unsigned{AF_INET6});
    EXPECT_EQ((*chunks)[8].type, chunk::kIpv6Source);
    ASSERT_EQ((*chunks)[8].data.size(), 16u);
    EXPECT_EQ((*chunks)[8].data[0], 0x20);
    EXPECT_EQ((*chunks)[8].data[15], 0x01);
    EXPECT_EQ((*chunks)[9].type, chunk::kIpv6Destination);
    EXPECT_EQ((*chunks)[9].data[15], 0x01);
    EXPECT_EQ(be((*chunks)[3].data), 65535u);
}

TEST(Hep, Refusals) {
    Message m;
    m.source = addr("192.0.2.1", 1);
    m.destination = addr("::1", 2);
    EXPECT_EQ(encode_hep3(m), "");  // mixed families
    m.destination = addr("192.0.2.2", 2);
    const std::string big(70000, 'x');
    m.payload = big;
    EXPECT_EQ(encode_hep3(m), "");  // past the 16-bit length
    m.payload = "ok";
    std::string hep = encode_hep3(m);
    ASSERT_TRUE(decode_hep3(bytes(hep)));
    EXPECT_FALSE(decode_hep3(bytes(hep.substr(0, hep.size() - 1))));
    hep[0] = 'X';
    EXPECT_FALSE(decode_hep3(bytes(hep)));
    EXPECT_FALSE(decode_hep3({}));
}

}  // namespace rtpe::hep
