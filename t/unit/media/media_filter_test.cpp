#include "daemon/media/media_filter.hpp"

#include <gtest/gtest.h>

namespace rtpe::media {
namespace {

Packet rtp_of(uint8_t type) {
    Packet p;
    p.is_rtp = true;
    p.header.payload_type = type;
    return p;
}

TEST(MediaFilter, JudgesByPayloadType) {
    MediaFilter f;
    f.set_dtmf_type(101);
    f.set_silence_byte(0, 0xff);
    EXPECT_FALSE(f.active());
    EXPECT_EQ(f.judge(rtp_of(0)), MediaFilter::Verdict::pass);

    f.block_dtmf = true;
    EXPECT_EQ(f.judge(rtp_of(101)), MediaFilter::Verdict::drop);
    EXPECT_EQ(f.judge(rtp_of(0)), MediaFilter::Verdict::pass);

    f = MediaFilter{};
    f.set_dtmf_type(101);
    f.set_silence_byte(0, 0xff);
    f.block_media = true;
    EXPECT_EQ(f.judge(rtp_of(101)), MediaFilter::Verdict::pass);
    EXPECT_EQ(f.judge(rtp_of(0)), MediaFilter::Verdict::drop);
    EXPECT_EQ(f.judge(rtp_of(96)), MediaFilter::Verdict::drop);
    Packet rtcp;
    rtcp.is_rtcp = true;
    EXPECT_EQ(f.judge(rtcp), MediaFilter::Verdict::pass);

    f.block_media = false;
    f.silence_media = true;
    EXPECT_EQ(f.judge(rtp_of(0)), MediaFilter::Verdict::silence);
    EXPECT_EQ(f.silence_byte(0), 0xff);
    EXPECT_EQ(f.judge(rtp_of(96)), MediaFilter::Verdict::pass);  // no silence byte for it
    EXPECT_EQ(f.judge(rtp_of(101)), MediaFilter::Verdict::pass);
}

TEST(MediaFilter, SilenceBytesAsUpstream) {
    EXPECT_EQ(silence_byte_of("PCMU/8000"), 0xff);
    EXPECT_EQ(silence_byte_of("pcma/8000"), 0xd5);
    EXPECT_EQ(silence_byte_of("G722/8000"), 0xfa);
    EXPECT_EQ(silence_byte_of("opus/48000/2"), std::nullopt);
    EXPECT_EQ(silence_byte_of("PCMUX/8000"), std::nullopt);
    EXPECT_EQ(silence_byte_of(""), std::nullopt);
}

}  // namespace
}  // namespace rtpe::media
