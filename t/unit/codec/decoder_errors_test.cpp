// Bad payloads: a clear status, nothing appended, no crash, and the decoder keeps working
// for the next good payload.

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "codec/registry.hpp"
#include "signal.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace {

using namespace rtpe::codec;

std::unique_ptr<Decoder> decoder(const char* name, std::string_view fmtp = {}) {
    CodecParams p;
    p.def = find_codec(name);
    p.fmtp = fmtp;
    Status st;
    auto d = make_decoder(p, st);
    EXPECT_TRUE(d) << name << ": " << to_string(st);
    return d;
}

std::vector<uint8_t> good_payload(const char* name) {
    CodecParams p;
    p.def = find_codec(name);
    Status st;
    auto enc = make_encoder(p, st);
    struct First final : PacketSink {
        std::vector<uint8_t> payload;
        void on_payload(std::span<const uint8_t> pl, uint32_t) override {
            if (payload.empty())
                payload.assign(pl.begin(), pl.end());
        }
    } sink;
    if (enc)
        (void)enc->encode(rtpe::test::sine(enc->input_format().rate, 440, 0.1, 5000, enc->input_format().channels), sink);
    return sink.payload;
}

TEST(DecoderErrors, EmptyPayload) {
    for (const char* name : {"PCMA", "G722", "G729", "opus", "AMR", "AMR-WB", "iLBC", "GSM", "G723", "speex"}) {
        auto d = decoder(name);
        ASSERT_TRUE(d);
        std::vector<int16_t> pcm;
        EXPECT_EQ(d->decode({}, pcm), Status::empty_payload) << name;
        EXPECT_TRUE(pcm.empty());
    }
}

TEST(DecoderErrors, FramingChecks) {
    std::vector<int16_t> pcm;
    auto g729 = decoder("G729");
    EXPECT_EQ(g729->decode(std::vector<uint8_t>(7, 0x55), pcm), Status::invalid_payload);
    EXPECT_EQ(g729->decode(std::vector<uint8_t>(23, 0x55), pcm), Status::invalid_payload);
    EXPECT_TRUE(pcm.empty());
    ASSERT_EQ(g729->decode(std::vector<uint8_t>(12, 0x55), pcm), Status::ok);  // a frame and a SID
    EXPECT_EQ(pcm.size(), 160u);

    pcm.clear();
    auto ilbc20 = decoder("iLBC", "mode=20");
    auto ilbc30 = decoder("iLBC");
    EXPECT_EQ(ilbc20->decode(std::vector<uint8_t>(50, 0), pcm), Status::invalid_payload);
    EXPECT_EQ(ilbc30->decode(std::vector<uint8_t>(38, 0), pcm), Status::invalid_payload);
    EXPECT_TRUE(pcm.empty());

    // opus code 3 (TOC 0x03) needs a frame-count byte; without one it is malformed.
    auto opus = decoder("opus");
    EXPECT_EQ(opus->decode(std::vector<uint8_t>{0x03}, pcm), Status::invalid_payload);
    EXPECT_TRUE(pcm.empty());
}

// Random bytes of every length up to 300 into every decoder: each call ends with a status,
// appends nothing on error, and a good payload afterwards still decodes.
TEST(DecoderErrors, GarbageThenGood) {
    std::mt19937 rng(42);
    for (const char* name : {"PCMA", "PCMU", "G722", "G729", "opus", "G723", "GSM", "speex", "iLBC", "AMR", "AMR-WB"}) {
        auto d = decoder(name);
        ASSERT_TRUE(d);
        std::size_t ok = 0, refused = 0;
        for (std::size_t len = 1; len <= 300; ++len) {
            std::vector<uint8_t> junk(len);
            for (auto& b : junk)
                b = static_cast<uint8_t>(rng());
            std::vector<int16_t> pcm;
            const Status st = d->decode(junk, pcm);
            if (st == Status::ok) {
                ++ok;
            } else {
                ++refused;
                EXPECT_TRUE(st == Status::invalid_payload || st == Status::decode_failed) << name << " " << to_string(st);
                EXPECT_TRUE(pcm.empty()) << name;
            }
        }
        std::printf("%-7s garbage: %zu decoded, %zu refused\n", name, ok, refused);
        const auto good = good_payload(name);
        if (good.empty())
            continue;  // decode-only here (AMR, AMR-WB, iLBC): framing tested elsewhere
        std::vector<int16_t> pcm;
        EXPECT_EQ(d->decode(good, pcm), Status::ok) << name;
        EXPECT_FALSE(pcm.empty()) << name;
    }
}

// RFC 3389 comfort noise: a level byte (and optional spectrum) decodes to quiet noise, the
// lower the level byte, the louder.
TEST(DecoderErrors, ComfortNoiseLevels) {
    auto rms_of = [](uint8_t level) {
        auto d = decoder("CN");
        std::vector<int16_t> pcm;
        for (int i = 0; i < 5; ++i)
            EXPECT_EQ(d->decode(std::vector<uint8_t>{level}, pcm), Status::ok);
        EXPECT_FALSE(pcm.empty());
        double power = 0;
        for (int16_t v : pcm)
            power += static_cast<double>(v) * v;
        return std::sqrt(power / static_cast<double>(std::max<std::size_t>(pcm.size(), 1)));
    };
    const double loud = rms_of(30), quiet = rms_of(70);
    std::printf("CN: level 30 rms %.1f, level 70 rms %.1f\n", loud, quiet);
    EXPECT_GT(loud, 10 * quiet);
    EXPECT_LT(loud, 2000);
}

}  // namespace
