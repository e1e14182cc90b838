#include "hep/hep3.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rtp/rtcp_json.hpp"
#include "hep/hep_test_vectors.hpp"

namespace rtpe::hep {

namespace {

using namespace testing;


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
