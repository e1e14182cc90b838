// Signals through an encoder and back through a decoder, measured against the input:
// correlation and SNR after the codec's delay, per codec. A path that decodes with the
// wrong codec, drops a channel or garbles frames lands far below these thresholds (the
// WrongDecoder tests show how far).

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "codec/registry.hpp"
#include "signal.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using namespace rtpe::codec;
using rtpe::test::best_match;
using rtpe::test::Match;

struct Collect final : PacketSink {
    std::vector<std::vector<uint8_t>> payloads;
    uint32_t rtp_total = 0;
    void on_payload(std::span<const uint8_t> p, uint32_t dur) override {
        payloads.emplace_back(p.begin(), p.end());
        rtp_total += dur;
    }
};

CodecParams params(const char* name, std::string_view fmtp = {}, int ptime = 0) {
    CodecParams p;
    p.def = find_codec(name);
    p.fmtp = fmtp;
    p.ptime = ptime;
    return p;
}

// Encodes `in` (fed in uneven chunks, as a chain would) and decodes every payload.
std::vector<int16_t> round_trip(const CodecParams& enc_params, const CodecParams& dec_params,
                                const std::vector<int16_t>& in, Collect& packets) {
    Status st;
    auto enc = make_encoder(enc_params, st);
    EXPECT_TRUE(enc) << enc_params.def->name << " encoder: " << to_string(st);
    auto dec = make_decoder(dec_params, st);
    EXPECT_TRUE(dec) << dec_params.def->name << " decoder: " << to_string(st);
    std::vector<int16_t> out;
    if (!enc || !dec)
        return out;
    std::span<const int16_t> rest(in);
    std::size_t chunk = 97 * static_cast<std::size_t>(enc->input_format().channels);
    while (!rest.empty()) {
        const auto n = std::min(chunk, rest.size());
        EXPECT_EQ(enc->encode(rest.first(n), packets), Status::ok);
        rest = rest.subspan(n);
        chunk = chunk * 3 % 1000 + enc->input_format().channels * 17;  // keep it interleaved
        chunk -= chunk % enc->input_format().channels;
    }
    for (const auto& p : packets.payloads)
        EXPECT_EQ(dec->decode(p, out), Status::ok);
    return out;
}

struct Case {
    const char* codec;
    const char* fmtp;
    int channels;
    double f_max;            // sweep's top frequency
    double sweep_correlation;  // minimum, per channel
    double sweep_snr_db;
    double tone_correlation;
    double tone_snr_db;
};

class RoundTrip : public ::testing::TestWithParam<Case> {};

void check(const Case& c, const std::vector<int16_t>& in, const char* what, double min_correlation,
           double min_snr_db) {
    const CodecDef* def = find_codec(c.codec);
    ASSERT_TRUE(def);
    ASSERT_TRUE(support(*def).encode && support(*def).decode) << c.codec << " is missing from this build";
    Collect packets;
    const auto p = params(c.codec, c.fmtp);
    const auto out = round_trip(p, p, in, packets);
    ASSERT_FALSE(packets.payloads.empty());
    // Every packet is one ptime: the RTP clock advanced by what went in.
    const double seconds_in = static_cast<double>(in.size()) / c.channels / def->audio_rate;
    EXPECT_NEAR(packets.rtp_total, seconds_in * def->clock_rate, def->clock_rate * def->default_ptime / 1000.0);
    ASSERT_GE(out.size(), in.size() * 9 / 10);
    for (int ch = 0; ch < c.channels; ++ch) {
        const auto x = rtpe::test::channel(in, c.channels, ch);
        const auto y = rtpe::test::channel(out, c.channels, ch);
        const Match m = best_match(x, y, def->audio_rate / 20, static_cast<std::size_t>(def->audio_rate / 10));
        std::printf("%-8s %-28s %-6s ch%d: lag %d, correlation %.4f, SNR %.1f dB\n", c.codec, c.fmtp, what, ch,
                    m.lag, m.correlation, m.snr_db);
        EXPECT_GE(m.correlation, min_correlation) << c.codec << " " << what << " channel " << ch;
        EXPECT_GE(m.snr_db, min_snr_db) << c.codec << " " << what << " channel " << ch;
    }
}

TEST_P(RoundTrip, SineSweep) {
    const Case& c = GetParam();
    const CodecDef* def = find_codec(c.codec);
    ASSERT_TRUE(def);
    check(c, rtpe::test::sweep(def->audio_rate, 200, c.f_max, 2.0, 8000, c.channels), "sweep", c.sweep_correlation,
          c.sweep_snr_db);
}

TEST_P(RoundTrip, Tone) {
    const Case& c = GetParam();
    const CodecDef* def = find_codec(c.codec);
    ASSERT_TRUE(def);
    check(c, rtpe::test::sine(def->audio_rate, 1000, 1.0, 8000, c.channels), "tone", c.tone_correlation,
          c.tone_snr_db);
}

INSTANTIATE_TEST_SUITE_P(Codecs, RoundTrip,
                         // Measured on Debian 12 (ffmpeg 5.1, libopus 1.3, bcg729 1.1):
                         // G.711 39/37 dB, G.722 27/47 dB, G.729 12/11 dB, opus 32k mono
                         // sweep to 8 kHz 6 dB (corr 0.87), tone 16 dB, GSM 9/39 dB, G.723.1
                         // 6.3k 17/18 dB, speex 11k (16 kHz) 2.6/14 dB (corr 0.68/0.98);
                         // AMR 6.7k (opencore) octet-aligned 10.2/9.6 dB (corr 0.97/0.95),
                         // AMR-WB 14.25k (vo-amrwbenc) bandwidth-efficient 7.0/6.4 dB (corr 0.90/0.98);
                         // thresholds leave some room below.
                         ::testing::Values(Case{"PCMU", "", 1, 3400, 0.999, 33, 0.999, 33},
                                           Case{"PCMA", "", 1, 3400, 0.999, 32, 0.999, 32},
                                           Case{"G722", "", 1, 7000, 0.99, 22, 0.999, 35},
                                           Case{"G729", "", 1, 3400, 0.93, 9, 0.93, 8},
                                           Case{"opus", "", 1, 8000, 0.8, 4, 0.97, 12},
                                           Case{"GSM", "", 1, 3400, 0.9, 6, 0.99, 30},
                                           Case{"G723", "", 1, 3400, 0.97, 13, 0.97, 13},
                                           Case{"speex", "", 1, 7000, 0.55, 1.5, 0.95, 10},
                                           Case{"opus", "stereo=1;sprop-stereo=1;maxaveragebitrate=64000", 2,
                                                8000, 0.7, 2.5, 0.99, 20},
                                           Case{"AMR", "octet-align=1", 1, 3400, 0.93, 8, 0.92, 7.5},
                                           Case{"AMR-WB", "", 1, 7000, 0.86, 5.5, 0.96, 5}),
                         [](const auto& info) {
                             std::string name = info.param.codec;
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name + (info.param.channels == 2 ? "Stereo" : "Mono");
                         });

// The measure tells a right path from a wrong one. PCMU payloads through a PCMA decoder
// (and the reverse) keep the sign and rough size of each sample, so they still correlate,
// but their SNR is far below G.711's threshold; G.729 payloads through a G.711 decoder are
// noise.
TEST(RoundTripWrongDecoder, G711LawsSwapped) {
    const auto in = rtpe::test::sweep(8000, 200, 3400, 1.0, 8000);
    for (auto [enc, dec] : {std::pair{"PCMU", "PCMA"}, std::pair{"PCMA", "PCMU"}}) {
        Collect packets;
        const auto out = round_trip(params(enc), params(dec), in, packets);
        ASSERT_EQ(out.size(), in.size());
        const Match m = best_match(in, out, 400);
        std::printf("%s decoded as %s: correlation %.3f, SNR %.1f dB\n", enc, dec, m.correlation, m.snr_db);
        EXPECT_LT(m.snr_db, 20) << enc << " decoded as " << dec;
    }
}

TEST(RoundTripWrongDecoder, G729AsG711) {
    const auto in = rtpe::test::sweep(8000, 200, 3400, 1.0, 8000);
    Collect packets;
    const auto out = round_trip(params("G729"), params("PCMU"), in, packets);
    const Match m = best_match(in, out, 400);
    std::printf("G729 decoded as PCMU: correlation %.3f, SNR %.1f dB\n", m.correlation, m.snr_db);
    EXPECT_LT(m.correlation, 0.3);
}

// G.729 frames through the G.729 path but one frame in each packet damaged: the measure
// notices a garbled stream.
TEST(RoundTripWrongDecoder, G729CorruptedFramesFailTheThreshold) {
    const auto in = rtpe::test::sweep(8000, 200, 3400, 2.0, 8000);
    Collect packets;
    (void)round_trip(params("G729"), params("G729"), in, packets);
    Status st;
    auto dec = make_decoder(params("G729"), st);
    ASSERT_TRUE(dec);
    std::vector<int16_t> out;
    uint32_t x = 12345;
    for (auto p : packets.payloads) {
        for (std::size_t i = 0; i < 10; ++i)
            p[i] = static_cast<uint8_t>((x = x * 1103515245 + 12345) >> 16);
        ASSERT_EQ(dec->decode(p, out), Status::ok);
    }
    const Match m = best_match(in, out, 400, 800);
    EXPECT_LT(m.correlation, 0.93);
}

// G.722: 8000 in SDP and RTP timestamps, 16 kHz audio.
TEST(RoundTripFormat, G722ClockQuirk) {
    Status st;
    auto enc = make_encoder(params("G722"), st);
    ASSERT_TRUE(enc) << to_string(st);
    EXPECT_EQ(enc->input_format(), (AudioFormat{16000, 1}));
    EXPECT_EQ(enc->rtp_duration(), 160u);  // 20 ms at the 8000 clock
    Collect packets;
    const auto in = rtpe::test::sine(16000, 1000, 0.1, 8000);
    ASSERT_EQ(enc->encode(in, packets), Status::ok);
    ASSERT_EQ(packets.payloads.size(), 5u);
    EXPECT_EQ(packets.payloads[0].size(), 160u);  // 64 kbit/s: 20 ms are 160 bytes
    auto dec = make_decoder(params("G722"), st);
    ASSERT_TRUE(dec);
    EXPECT_EQ(dec->output_format(), (AudioFormat{16000, 1}));
    std::vector<int16_t> out;
    ASSERT_EQ(dec->decode(packets.payloads[0], out), Status::ok);
    EXPECT_EQ(out.size(), 320u);
}

// ptime honoured: 30 ms G.711 packets are 240 bytes, G.729 at 40 ms four frames.
TEST(RoundTripFormat, PtimeSetsPacketSize) {
    for (auto [name, ptime, bytes, duration] :
         {std::tuple{"PCMA", 30, 240u, 240u}, std::tuple{"G729", 40, 40u, 320u}, std::tuple{"G723", 60, 48u, 480u},
          std::tuple{"G722", 10, 80u, 80u}, std::tuple{"G722", 30, 240u, 240u}, std::tuple{"GSM", 40, 66u, 320u}}) {
        Status st;
        auto enc = make_encoder(params(name, {}, ptime), st);
        ASSERT_TRUE(enc) << name << ": " << to_string(st);
        Collect packets;
        ASSERT_EQ(enc->encode(rtpe::test::sine(enc->input_format().rate, 500, 0.24, 8000), packets), Status::ok);
        ASSERT_EQ(packets.payloads.size(), static_cast<std::size_t>(240 / ptime)) << name;
        EXPECT_EQ(packets.payloads[0].size(), bytes) << name;
        EXPECT_EQ(enc->rtp_duration(), duration) << name;
    }
    Status st;
    EXPECT_FALSE(make_encoder(params("G723", {}, 20), st));  // below its 30 ms frame
    EXPECT_EQ(st, Status::bad_format);
    EXPECT_FALSE(make_encoder(params("opus", {}, 30), st));  // no 30 ms opus frame
    EXPECT_EQ(st, Status::bad_format);
}

// Opus at the rate the other side of a chain has: a narrowband sweep coded at 8 kHz comes
// back at 8 kHz, whole and far cleaner than through 48 kHz (6 dB there: RoundTrip above),
// while the RTP clock stays 48 kHz (960 a packet).
TEST(RoundTripFormat, OpusAtNarrowbandRate) {
    CodecParams enc_params = params("opus");
    enc_params.audio_rate = 8000;
    CodecParams dec_params = enc_params;
    Status st;
    auto enc = make_encoder(enc_params, st);
    ASSERT_TRUE(enc) << to_string(st);
    EXPECT_EQ(enc->input_format(), (AudioFormat{8000, 1}));
    EXPECT_EQ(enc->rtp_duration(), 960u);
    auto dec = make_decoder(dec_params, st);
    ASSERT_TRUE(dec) << to_string(st);
    EXPECT_EQ(dec->output_format(), (AudioFormat{8000, 1}));

    const auto in = rtpe::test::sweep(8000, 200, 3400, 2.0, 8000);
    Collect packets;
    const auto out = round_trip(enc_params, dec_params, in, packets);
    EXPECT_EQ(packets.rtp_total, 960u * 100);
    ASSERT_GE(out.size(), in.size() - 160);
    const Match m = best_match(in, out, 400);
    std::printf("opus at 8 kHz: sweep correlation %.3f, SNR %.1f dB\n", m.correlation, m.snr_db);
    EXPECT_GT(m.correlation, 0.99);
    EXPECT_GT(m.snr_db, 20);

    enc_params.audio_rate = 11025;  // not one of libopus's: the codec's own 48 kHz
    auto odd = make_encoder(enc_params, st);
    ASSERT_TRUE(odd);
    EXPECT_EQ(odd->input_format(), (AudioFormat{48000, 1}));
}

// opus format parameters: stereo decides what we encode, maxaveragebitrate its size.
TEST(RoundTripFormat, OpusFmtpHonoured) {
    Status st;
    auto mono = make_encoder(params("opus"), st);
    ASSERT_TRUE(mono) << to_string(st);
    EXPECT_EQ(mono->input_format(), (AudioFormat{48000, 1}));  // opus/48000/2 but no stereo=1
    auto stereo = make_encoder(params("opus", "stereo=1"), st);
    ASSERT_TRUE(stereo);
    EXPECT_EQ(stereo->input_format(), (AudioFormat{48000, 2}));
    EXPECT_EQ(stereo->rtp_duration(), 960u);

    auto average = [](const char* fmtp) {
        Status s;
        auto enc = make_encoder(params("opus", fmtp), s);
        Collect packets;
        EXPECT_EQ(enc->encode(rtpe::test::sweep(48000, 200, 8000, 2.0, 8000), packets), Status::ok);
        double bytes = 0;
        for (const auto& p : packets.payloads)
            bytes += static_cast<double>(p.size());
        return bytes * 8 / 2.0;  // bit/s over the 2 s
    };
    const double low = average("maxaveragebitrate=12000");
    const double high = average("maxaveragebitrate=64000");
    std::printf("opus: maxaveragebitrate 12000 -> %.0f bit/s, 64000 -> %.0f bit/s\n", low, high);
    EXPECT_LT(low, 12000 * 1.3);
    EXPECT_GT(high, 64000 * 0.6);

    EXPECT_FALSE(make_encoder(params("opus", "stereo=yes"), st));
    EXPECT_EQ(st, Status::bad_format);
}

// maxplaybackrate=8000: the encoder codes narrowband, so a 6 kHz tone does not come back,
// while without it (or at 16000) it does.
TEST(RoundTripFormat, OpusMaxPlaybackRate) {
    const auto in = rtpe::test::sine(48000, 6000, 1.0, 8000);
    auto share_at_6k = [&](const char* fmtp) {
        Collect packets;
        const auto out = round_trip(params("opus", fmtp), params("opus"), in, packets);
        const std::vector<int16_t> steady(out.begin() + std::min<std::size_t>(out.size(), 4800), out.end());
        double power = 0;
        for (int16_t v : steady)
            power += static_cast<double>(v) * v;
        return std::sqrt(power / static_cast<double>(std::max<std::size_t>(steady.size(), 1)));
    };
    const double full = share_at_6k(""), wide = share_at_6k("maxplaybackrate=16000"),
                 narrow = share_at_6k("maxplaybackrate=8000");
    std::printf("opus 6 kHz tone rms: no limit %.0f, maxplaybackrate 16000 %.0f, 8000 %.0f\n", full, wide, narrow);
    EXPECT_GT(full, 8000 / std::sqrt(2.0) / 2);
    EXPECT_GT(wide, 8000 / std::sqrt(2.0) / 2);
    EXPECT_LT(narrow, full / 10);
}

// A decoder for a stereo sender gives two channels, for a mono one one (sprop-stereo).
TEST(RoundTripFormat, OpusDecoderChannels) {
    Status st;
    auto d1 = make_decoder(params("opus"), st);
    ASSERT_TRUE(d1);
    EXPECT_EQ(d1->output_format(), (AudioFormat{48000, 1}));
    auto d2 = make_decoder(params("opus", "sprop-stereo=1"), st);
    ASSERT_TRUE(d2);
    EXPECT_EQ(d2->output_format(), (AudioFormat{48000, 2}));
}

}  // namespace
