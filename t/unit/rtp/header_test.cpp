#include "rtp/header.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace rtpe::rtp {

namespace {
PacketKind kind(std::vector<uint8_t> p) {
    return classify(p.data(), p.size());
}
std::vector<uint8_t> rtp(uint8_t first = 0x80, uint8_t second = 0x00, std::size_t payload = 160) {
    std::vector<uint8_t> p = {first, second, 0, 1, 0, 0, 0, 160, 0x12, 0x34, 0x56, 0x78};
    p.resize(p.size() + payload, 0xff);
    return p;
}
}  // namespace

TEST(RtpHeader, PlainRtp) {
    EXPECT_EQ(kind(rtp()), PacketKind::rtp);
    EXPECT_EQ(kind(rtp(0x80, 0x80 | 8)), PacketKind::rtp);  // marker bit, PCMA
    EXPECT_EQ(kind(rtp(0x80, 0x00, 0)), PacketKind::rtp);   // header only
}

TEST(RtpHeader, CsrcExtensionPadding) {
    auto p = rtp(0x82, 0, 0);  // two CSRCs, no room for them
    EXPECT_EQ(kind(p), PacketKind::other);
    p.resize(12 + 8);
    EXPECT_EQ(kind(p), PacketKind::rtp);

    auto ext = rtp(0x90, 0, 0);
    ext.insert(ext.end(), {0xbe, 0xde, 0x00, 0x01, 1, 2, 3, 4});
    EXPECT_EQ(kind(ext), PacketKind::rtp);
    ext[15] = 0x05;  // extension claims 5 words
    EXPECT_EQ(kind(ext), PacketKind::other);

    auto padded = rtp(0xa0, 0, 4);
    padded.back() = 4;
    EXPECT_EQ(kind(padded), PacketKind::rtp);
    padded.back() = 200;
    EXPECT_EQ(kind(padded), PacketKind::other);
    padded.back() = 0;
    EXPECT_EQ(kind(padded), PacketKind::other);
}

TEST(RtpHeader, Rtcp) {
    // Receiver report with no blocks: length 1 word -> 8 bytes.
    std::vector<uint8_t> rr = {0x80, 201, 0, 1, 1, 2, 3, 4};
    EXPECT_EQ(kind(rr), PacketKind::rtcp);
    // Compound: RR + SDES with a CNAME item padded to a word.
    std::vector<uint8_t> compound = rr;
    compound.insert(compound.end(), {0x81, 202, 0, 2, 1, 2, 3, 4, 1, 1, 'x', 0});
    EXPECT_EQ(kind(compound), PacketKind::rtcp);
    compound.pop_back();
    EXPECT_EQ(kind(compound), PacketKind::other);
}

TEST(RtpHeader, Garbage) {
    EXPECT_EQ(kind({}), PacketKind::other);
    EXPECT_EQ(kind({0x80, 0, 1}), PacketKind::other);
    EXPECT_EQ(kind(rtp(0x40)), PacketKind::other);                                    // version 1
    EXPECT_EQ(kind({0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42}), PacketKind::other);  // STUN-like
    EXPECT_EQ(kind({0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), PacketKind::other);  // DTLS-like
}

}  // namespace rtpe::rtp
