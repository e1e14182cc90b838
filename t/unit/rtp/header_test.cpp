#include "rtp/header.hpp"

#include <gtest/gtest.h>

#include <string>
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

TEST(RtpHeader, SrtcpIsRtcpByItsHeaderAlone) {
    // An SR whose compound is followed by SRTCP's E||index and a 10-byte tag: not a valid
    // compound, still RTCP by its header (RFC 5761 section 4).
    std::vector<uint8_t> srtcp = {0x80, 200, 0, 6};
    srtcp.resize(28 + 4 + 10, 0xA5);
    EXPECT_EQ(kind(srtcp), PacketKind::other);
    EXPECT_TRUE(has_rtcp_header(srtcp.data(), srtcp.size()));
    EXPECT_FALSE(has_rtcp_header(rtp().data(), rtp().size()));
    EXPECT_FALSE(has_rtcp_header(srtcp.data(), 7));
    srtcp[0] = 0x40;  // version 1
    EXPECT_FALSE(has_rtcp_header(srtcp.data(), srtcp.size()));
}

TEST(RtpHeader, Garbage) {
    EXPECT_EQ(kind({}), PacketKind::other);
    EXPECT_EQ(kind({0x80, 0, 1}), PacketKind::other);
    EXPECT_EQ(kind(rtp(0x40)), PacketKind::other);                                    // version 1
    EXPECT_EQ(kind({0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42}), PacketKind::other);  // STUN-like
    EXPECT_EQ(kind({0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), PacketKind::other);  // DTLS-like
}

}  // namespace rtpe::rtp

namespace rtpe::rtp {

TEST(RtpDemux, FirstByteRangesOfRfc7983) {
    const uint8_t stun[] = {0x00, 0x01}, dtls[] = {0x16, 0xfe}, zrtp[] = {0x10}, turn[] = {0x40},
                  rtp_first[] = {0x80}, other[] = {0xff};
    EXPECT_EQ(demux(stun, 2), Demux::stun);
    EXPECT_EQ(demux(dtls, 2), Demux::dtls);
    EXPECT_EQ(demux(zrtp, 1), Demux::zrtp);
    EXPECT_EQ(demux(turn, 1), Demux::turn_channel);
    EXPECT_EQ(demux(rtp_first, 1), Demux::rtp_or_rtcp);
    EXPECT_EQ(demux(other, 1), Demux::other);
    EXPECT_EQ(demux(nullptr, 0), Demux::other);
}

TEST(RtpParse, FieldsPayloadAndPadding) {
    // Marker, PT 8, seq 0x1234, ts 0x01020304, SSRC 0xaabbccdd, one CSRC, padding 3.
    std::vector<uint8_t> p = {0xa1, 0x88, 0x12, 0x34, 1, 2, 3, 4, 0xaa, 0xbb, 0xcc, 0xdd, 9, 9, 9, 9};
    p.insert(p.end(), {0x55, 0x55, 0, 0, 3});
    RtpHeader h;
    ASSERT_TRUE(parse_rtp(p.data(), p.size(), h));
    EXPECT_EQ(h.payload_type, 8);
    EXPECT_TRUE(h.marker);
    EXPECT_EQ(h.sequence, 0x1234);
    EXPECT_EQ(h.timestamp, 0x01020304u);
    EXPECT_EQ(h.ssrc, 0xaabbccddu);
    EXPECT_EQ(h.payload_offset, 16u);
    EXPECT_EQ(h.payload_length, 2u);
}

TEST(RtpParse, RefusesRtcpTruncationAndLyingPadding) {
    RtpHeader h;
    std::vector<uint8_t> rtcp = {0x80, 200, 0, 1, 0, 0, 0, 1};
    EXPECT_FALSE(parse_rtp(rtcp.data(), rtcp.size(), h));
    std::vector<uint8_t> short_header = {0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    EXPECT_FALSE(parse_rtp(short_header.data(), short_header.size(), h));
    std::vector<uint8_t> padding = {0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};  // 255 bytes of padding
    EXPECT_FALSE(parse_rtp(padding.data(), padding.size(), h));
    std::vector<uint8_t> extension = {0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 9};  // 9 words claimed
    EXPECT_FALSE(parse_rtp(extension.data(), extension.size(), h));
    uint32_t ssrc = 0;
    EXPECT_TRUE(rtcp_sender_ssrc(rtcp.data(), rtcp.size(), ssrc));
    EXPECT_EQ(ssrc, 1u);
    EXPECT_FALSE(rtcp_sender_ssrc(rtcp.data(), 7, ssrc));
}

}  // namespace rtpe::rtp

namespace rtpe::rtp {

namespace {
// A PCMU packet with the extension block given (profile, then the elements, padded to words).
std::vector<uint8_t> with_extension(uint16_t profile, std::vector<uint8_t> elements) {
    while (elements.size() % 4)
        elements.push_back(0);
    std::vector<uint8_t> p = rtp(0x90, 0, 0);
    for (uint8_t b : {static_cast<uint8_t>(profile >> 8), static_cast<uint8_t>(profile), uint8_t{0},
                      static_cast<uint8_t>(elements.size() / 4)})
        p.push_back(b);
    for (uint8_t b : elements)
        p.push_back(b);
    p.resize(p.size() + 20, 0xff);
    return p;
}
std::string text(std::optional<std::span<const uint8_t>> value) {
    return value ? std::string(value->begin(), value->end()) : std::string("<none>");
}
}  // namespace

TEST(RtpHeaderExtension, OneByteElementsWithPadding) {
    // id 3 "ab" (length-1 = 1), padding, id 9 "v1"
    auto p = with_extension(0xBEDE, {0x31, 'a', 'b', 0, 0x91, 'v', '1'});
    EXPECT_EQ(text(header_extension(p.data(), p.size(), 9)), "v1");
    EXPECT_EQ(text(header_extension(p.data(), p.size(), 3)), "ab");
    EXPECT_EQ(text(header_extension(p.data(), p.size(), 4)), "<none>");
    EXPECT_EQ(text(header_extension(p.data(), p.size(), 0)), "<none>");
}

TEST(RtpHeaderExtension, TwoByteElements) {
    auto p = with_extension(0x1000, {7, 0, 20, 3, 'm', 'i', 'd'});
    EXPECT_EQ(text(header_extension(p.data(), p.size(), 20)), "mid");
    EXPECT_EQ(text(header_extension(p.data(), p.size(), 7)), "");
}

TEST(RtpHeaderExtension, RefusesWhatDoesNotFit) {
    auto lying = with_extension(0xBEDE, {0x9f, 'v'});  // claims 16 bytes in a 4-byte block
    EXPECT_EQ(text(header_extension(lying.data(), lying.size(), 9)), "<none>");
    auto reserved = with_extension(0xBEDE, {0xf0, 0x91, 'v', '1'});  // id 15 ends the list
    EXPECT_EQ(text(header_extension(reserved.data(), reserved.size(), 9)), "<none>");
    auto other_profile = with_extension(0xABCD, {0x91, 'v', '1'});
    EXPECT_EQ(text(header_extension(other_profile.data(), other_profile.size(), 9)), "<none>");
    auto truncated = with_extension(0xBEDE, {0x91, 'v', '1'});
    EXPECT_EQ(text(header_extension(truncated.data(), 14, 9)), "<none>");  // block cut off
    auto plain = rtp();
    EXPECT_EQ(text(header_extension(plain.data(), plain.size(), 9)), "<none>");
}

}  // namespace rtpe::rtp
