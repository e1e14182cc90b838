// RFC 4867 framing: payloads built by hand and by the packetizer, both framings, and what
// a decoder does with them; fmtp parsing for AMR and opus.

#include "codec/amr_payload.hpp"
#include "codec/decoder.hpp"
#include "codec/fmtp.hpp"
#include "codec/registry.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace {

using namespace rtpe::codec;

// Frames of the given types with random speech bits (storage format).
AmrFrames random_frames(bool wb, std::initializer_list<int> types, unsigned seed) {
    std::mt19937 rng(seed);
    AmrFrames f;
    f.cmr = 15;
    for (int ft : types) {
        const int bits = amr_frame_bits(wb, ft);
        auto& fr = f.frames[f.count];
        fr = {static_cast<uint8_t>(ft), true, static_cast<uint8_t>(1 + (bits + 7) / 8)};
        auto& st = f.storage[f.count];
        st.fill(0);
        st[0] = static_cast<uint8_t>(ft << 3 | 4);
        for (int b = 0; b < bits; ++b)
            if (rng() & 1)
                st[1 + b / 8] |= static_cast<uint8_t>(0x80 >> (b % 8));
        ++f.count;
    }
    return f;
}

void expect_same(const AmrFrames& a, const AmrFrames& b) {
    ASSERT_EQ(a.count, b.count);
    EXPECT_EQ(a.cmr, b.cmr);
    for (std::size_t i = 0; i < a.count; ++i) {
        EXPECT_EQ(a.frames[i].type, b.frames[i].type);
        EXPECT_EQ(a.frames[i].quality, b.frames[i].quality);
        ASSERT_EQ(a.frames[i].size, b.frames[i].size);
        const auto x = a.storage_frame(i), y = b.storage_frame(i);
        EXPECT_TRUE(std::equal(x.begin(), x.end(), y.begin())) << "frame " << i;
    }
}

TEST(AmrPayload, FrameBits) {
    EXPECT_EQ(amr_frame_bits(false, 7), 244);   // 12.2 kbit/s
    EXPECT_EQ(amr_frame_bits(false, 0), 95);    // 4.75 kbit/s
    EXPECT_EQ(amr_frame_bits(false, 8), 39);    // SID
    EXPECT_EQ(amr_frame_bits(false, 15), 0);    // NO_DATA
    EXPECT_EQ(amr_frame_bits(false, 12), -1);
    EXPECT_EQ(amr_frame_bits(true, 8), 477);    // 23.85 kbit/s
    EXPECT_EQ(amr_frame_bits(true, 2), 253);    // 12.65 kbit/s
    EXPECT_EQ(amr_frame_bits(true, 9), 40);     // SID
    EXPECT_EQ(amr_frame_bits(true, 14), 0);     // SPEECH_LOST
    EXPECT_EQ(amr_frame_bits(true, 10), -1);
}

// One 12.2k frame, octet-aligned: CMR byte F0, ToC 0 0111 1 00 = 3C, then the frame's
// bytes as stored (RFC 4867 4.4).
TEST(AmrPayload, OctetAlignedLayout) {
    const AmrFrames f = random_frames(false, {7}, 1);
    std::vector<uint8_t> out(64);
    const std::size_t n = amr_packetize(f, false, true, out);
    ASSERT_EQ(n, 33u);
    EXPECT_EQ(out[0], 0xF0);
    EXPECT_EQ(out[1], 0x3C);
    EXPECT_TRUE(std::equal(out.begin() + 2, out.begin() + 33, f.storage[0].begin() + 1));
    AmrFrames back;
    ASSERT_EQ(amr_depacketize(std::span(out.data(), n), false, true, back), Status::ok);
    expect_same(f, back);
}

// The same frame bandwidth-efficient: 4 + 6 + 244 bits = 32 bytes; CMR 1111, F 0, FT 0111,
// Q 1 -> F3, then 1 1 + the first 6 speech bits (RFC 4867 4.3).
TEST(AmrPayload, BandwidthEfficientLayout) {
    const AmrFrames f = random_frames(false, {7}, 2);
    std::vector<uint8_t> out(64);
    const std::size_t n = amr_packetize(f, false, false, out);
    ASSERT_EQ(n, 32u);
    EXPECT_EQ(out[0], 0xF3);
    EXPECT_EQ(out[1], static_cast<uint8_t>(0xC0 | f.storage[0][1] >> 2));
    AmrFrames back;
    ASSERT_EQ(amr_depacketize(std::span(out.data(), n), false, false, back), Status::ok);
    expect_same(f, back);
}

TEST(AmrPayload, SeveralFramesBothFramingsBothCodecs) {
    for (bool wb : {false, true}) {
        const AmrFrames f = wb ? random_frames(true, {8, 2, 9, 15, 0}, 3) : random_frames(false, {7, 0, 8, 15, 4}, 4);
        for (bool oa : {false, true}) {
            std::vector<uint8_t> out(400);
            const std::size_t n = amr_packetize(f, wb, oa, out);
            ASSERT_GT(n, 0u);
            AmrFrames back;
            ASSERT_EQ(amr_depacketize(std::span(out.data(), n), wb, oa, back), Status::ok) << wb << oa;
            expect_same(f, back);
            // The other framing does not read it as the same frames.
            AmrFrames wrong;
            if (amr_depacketize(std::span(out.data(), n), wb, !oa, wrong) == Status::ok) {
                EXPECT_FALSE(wrong.count == f.count && wrong.frames[0].type == f.frames[0].type &&
                             std::equal(wrong.storage_frame(0).begin(), wrong.storage_frame(0).end(),
                                        f.storage_frame(0).begin()));
            }
        }
    }
}

TEST(AmrPayload, Refused) {
    AmrFrames out;
    const std::vector<uint8_t> empty;
    EXPECT_EQ(amr_depacketize(empty, false, true, out), Status::empty_payload);
    // Reserved frame type 12 in the ToC.
    EXPECT_EQ(amr_depacketize(std::vector<uint8_t>{0xF0, 0x64}, false, true, out), Status::invalid_payload);
    // A 12.2k ToC with only 10 bytes of speech.
    std::vector<uint8_t> short_frame(12, 0);
    short_frame[0] = 0xF0;
    short_frame[1] = 0x3C;
    EXPECT_EQ(amr_depacketize(short_frame, false, true, out), Status::invalid_payload);
    // Every ToC entry says "more follow" until the payload ends.
    EXPECT_EQ(amr_depacketize(std::vector<uint8_t>(20, 0xFF), false, true, out), Status::invalid_payload);
    // A whole frame and then bytes that belong to nothing.
    const AmrFrames f = random_frames(false, {7}, 5);
    std::vector<uint8_t> buf(64);
    const std::size_t n = amr_packetize(f, false, true, buf);
    EXPECT_EQ(amr_depacketize(std::span(buf.data(), n + 2), false, true, out), Status::invalid_payload);
    // More frames than a payload may carry.
    std::vector<uint8_t> many(2 + kAmrMaxFrames + 1, 0);
    many[0] = 0xF0;
    for (std::size_t i = 1; i < many.size() - 1; ++i)
        many[i] = 0x80 | 15 << 3;  // F=1, NO_DATA
    many.back() = 15 << 3;
    EXPECT_EQ(amr_depacketize(many, false, true, out), Status::invalid_payload);
}

TEST(AmrPayload, DecoderFollowsFmtp) {
    for (bool wb : {false, true}) {
        CodecParams p;
        p.def = find_codec(wb ? "AMR-WB" : "AMR");
        p.fmtp = "octet-align=1;mode-set=0,2,4,7";
        Status st;
        auto dec = make_decoder(p, st);
        ASSERT_TRUE(dec) << to_string(st);
        EXPECT_EQ(dec->output_format(), (AudioFormat{wb ? 16000 : 8000, 1}));
        const AmrFrames f = random_frames(wb, {7, 7, 15}, 6);
        std::vector<uint8_t> oa(200), be(200);
        const std::size_t noa = amr_packetize(f, wb, true, oa);
        const std::size_t nbe = amr_packetize(f, wb, false, be);
        std::vector<int16_t> pcm;
        ASSERT_EQ(dec->decode(std::span(oa.data(), noa), pcm), Status::ok);
        EXPECT_EQ(pcm.size(), wb ? 640u : 320u);  // two speech frames; NO_DATA gives nothing
        // A bandwidth-efficient payload to an octet-aligned decoder is refused, and the
        // decoder keeps working.
        pcm.clear();
        EXPECT_NE(dec->decode(std::span(be.data(), nbe), pcm), Status::ok);
        EXPECT_TRUE(pcm.empty());
        ASSERT_EQ(dec->decode(std::span(oa.data(), noa), pcm), Status::ok);
        EXPECT_EQ(pcm.size(), wb ? 640u : 320u);

        p.fmtp = "";  // bandwidth-efficient is the default
        auto be_dec = make_decoder(p, st);
        ASSERT_TRUE(be_dec);
        pcm.clear();
        ASSERT_EQ(be_dec->decode(std::span(be.data(), nbe), pcm), Status::ok);
        EXPECT_EQ(pcm.size(), wb ? 640u : 320u);
    }
}

TEST(AmrFmtp, Parse) {
    AmrParams a;
    ASSERT_EQ(parse_amr_fmtp("octet-align=1; mode-set=0,2,5,7;mode-change-period=2", false, a), Status::ok);
    EXPECT_TRUE(a.octet_align);
    EXPECT_EQ(a.mode_set, 0b10100101);
    EXPECT_EQ(a.mode_change_period, 2);
    ASSERT_EQ(parse_amr_fmtp("", false, a), Status::ok);
    EXPECT_FALSE(a.octet_align);
    EXPECT_EQ(a.mode_set, 0);
    ASSERT_EQ(parse_amr_fmtp("mode-set=8", true, a), Status::ok);
    EXPECT_EQ(a.mode_set, 0x100);
    EXPECT_EQ(parse_amr_fmtp("mode-set=8", false, a), Status::bad_format);
    EXPECT_EQ(parse_amr_fmtp("mode-set=", false, a), Status::bad_format);
    EXPECT_EQ(parse_amr_fmtp("octet-align=2", false, a), Status::bad_format);
    EXPECT_EQ(parse_amr_fmtp("octet-align=1;crc=1", false, a), Status::bad_format);
    EXPECT_EQ(parse_amr_fmtp("octet-align=1;interleaving=4", false, a), Status::bad_format);
    EXPECT_EQ(parse_amr_fmtp("octet-align=1;crc=0;max-red=0", false, a), Status::ok);
    CodecParams p;
    p.def = find_codec("AMR");
    p.fmtp = "mode-set=9";
    Status st;
    EXPECT_FALSE(make_decoder(p, st));
    EXPECT_EQ(st, Status::bad_format);
}

TEST(OpusFmtp, Parse) {
    OpusParams o;
    ASSERT_EQ(parse_opus_fmtp("minptime=10; useinbandfec=1;stereo=1;sprop-stereo=0;maxaveragebitrate=20000", o),
              Status::ok);
    EXPECT_TRUE(o.useinbandfec);
    EXPECT_TRUE(o.stereo);
    EXPECT_FALSE(o.sprop_stereo);
    EXPECT_EQ(o.maxaveragebitrate, 20000);
    ASSERT_EQ(parse_opus_fmtp("maxplaybackrate=16000;usedtx=1;cbr=1", o), Status::ok);
    EXPECT_EQ(o.maxplaybackrate, 16000);
    EXPECT_TRUE(o.usedtx);
    EXPECT_TRUE(o.cbr);
    EXPECT_FALSE(o.stereo);
    EXPECT_EQ(parse_opus_fmtp("maxaveragebitrate=-1", o), Status::bad_format);
    EXPECT_EQ(parse_opus_fmtp("maxaveragebitrate=12k", o), Status::bad_format);
    EXPECT_EQ(parse_opus_fmtp("stereo", o), Status::bad_format);
}

}  // namespace
