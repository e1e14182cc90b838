// DTMF over spandsp: the generator's 16 digits are found by the detector, in order, also
// after a trip through G.711; speech-like noise gives none. RFC 4733 payloads both ways.

#include "codec/decoder.hpp"
#include "codec/dtmf.hpp"
#include "codec/encoder.hpp"
#include "codec/telephone_event.hpp"
#include "signal.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace {

using namespace rtpe::codec;

struct Digits final : DtmfDetector::Listener {
    std::string started, ended;
    std::vector<uint64_t> start_samples;
    void on_dtmf(const DtmfDetector::Tone& t) override {
        (t.end ? ended : started) += dtmf_event_to_digit(t.event);
        if (!t.end)
            start_samples.push_back(t.sample);
    }
};

// Each event: tone_ms of tone then gap_ms of silence, at 8 kHz.
std::vector<int16_t> play(const std::string& digits, int tone_ms, int gap_ms, int volume) {
    Status st;
    auto gen = DtmfGenerator::create(st);
    EXPECT_TRUE(gen);
    std::vector<int16_t> pcm;
    for (char d : digits) {
        EXPECT_EQ(gen->start(dtmf_digit_to_event(d), volume), Status::ok);
        EXPECT_TRUE(gen->active());
        std::vector<int16_t> chunk(static_cast<std::size_t>(tone_ms * 8));
        for (std::size_t off = 0; off < chunk.size(); off += 160)  // 20 ms at a time
            gen->generate(std::span(chunk).subspan(off, std::min<std::size_t>(160, chunk.size() - off)));
        pcm.insert(pcm.end(), chunk.begin(), chunk.end());
        gen->stop();
        std::vector<int16_t> gap(static_cast<std::size_t>(gap_ms * 8), 1234);
        gen->generate(gap);  // silence while stopped
        EXPECT_EQ(std::count(gap.begin(), gap.end(), int16_t{0}), static_cast<long>(gap.size()));
        pcm.insert(pcm.end(), gap.begin(), gap.end());
    }
    return pcm;
}

Digits detect(const std::vector<int16_t>& pcm) {
    Digits d;
    Status st;
    auto det = DtmfDetector::create(d, st);
    EXPECT_TRUE(det);
    for (std::size_t off = 0; off < pcm.size(); off += 160)
        det->feed(std::span(pcm).subspan(off, std::min<std::size_t>(160, pcm.size() - off)));
    EXPECT_EQ(det->samples_fed(), pcm.size());
    return d;
}

const std::string kAll = "0123456789*#ABCD";

TEST(Dtmf, GeneratorToneIsTheRightPair) {
    // '5' is 770 + 1336 Hz; little of its energy is at other DTMF frequencies.
    const auto pcm = play("5", 200, 0, 10);
    const std::vector<int16_t> x(pcm.begin() + 80, pcm.end());
    const double low = rtpe::test::goertzel_share(x, 8000, 770), high = rtpe::test::goertzel_share(x, 8000, 1336);
    EXPECT_GT(low, 0.4);
    EXPECT_GT(high, 0.4);
    EXPECT_LT(rtpe::test::goertzel_share(x, 8000, 697), 0.01);
    EXPECT_LT(rtpe::test::goertzel_share(x, 8000, 1209), 0.01);
    EXPECT_EQ(pcm.size(), 1600u);
}

TEST(Dtmf, DetectsAllSixteenDigitsInOrder) {
    const Digits d = detect(play(kAll, 100, 100, 10));
    EXPECT_EQ(d.started, kAll);
    EXPECT_EQ(d.ended, kAll);
    ASSERT_EQ(d.start_samples.size(), 16u);
    for (std::size_t i = 0; i < 16; ++i)  // each found within 60 ms of its start
        EXPECT_NEAR(static_cast<double>(d.start_samples[i]), static_cast<double>(i * 1600), 480.0) << i;
}

TEST(Dtmf, DetectsDigitsAtLowVolumeButNotBelowThreshold) {
    EXPECT_EQ(detect(play("159D", 80, 80, 20)).started, "159D");
    EXPECT_EQ(detect(play("159D", 80, 80, 45)).started, "");
}

TEST(Dtmf, SurvivesG711) {
    const auto pcm = play(kAll, 60, 60, 10);
    for (const char* name : {"PCMU", "PCMA"}) {
        CodecParams p;
        p.def = find_codec(name);
        Status st;
        auto enc = make_encoder(p, st);
        auto dec = make_decoder(p, st);
        ASSERT_TRUE(enc && dec);
        struct Sink final : PacketSink {
            Decoder* dec;
            std::vector<int16_t> out;
            void on_payload(std::span<const uint8_t> payload, uint32_t) override { (void)dec->decode(payload, out); }
        } sink;
        sink.dec = dec.get();
        ASSERT_EQ(enc->encode(pcm, sink), Status::ok);
        EXPECT_EQ(detect(sink.out).started, kAll) << name;
    }
}

TEST(Dtmf, NoDigitsInSpeechLikeNoise) {
    for (unsigned seed : {1u, 2u, 3u}) {
        const auto noise = rtpe::test::speech_like(8000, 10.0, seed);
        double power = 0;
        for (int16_t v : noise)
            power += static_cast<double>(v) * v;
        EXPECT_GT(std::sqrt(power / static_cast<double>(noise.size())), 1000.0);  // loud, not silence
        const Digits d = detect(noise);
        EXPECT_EQ(d.started, "") << "seed " << seed;
    }
}

TEST(Dtmf, GeneratorRefusesUnknownEvents) {
    Status st;
    auto gen = DtmfGenerator::create(st);
    ASSERT_TRUE(gen);
    EXPECT_EQ(gen->start(16, 10), Status::bad_format);
    EXPECT_EQ(gen->start(-1, 10), Status::bad_format);
    EXPECT_EQ(gen->start(1, 64), Status::bad_format);
    EXPECT_FALSE(gen->active());
}

// Digits detected in audio of other rates and channel counts (resampled to 8 kHz inside
// the detector), generated at those rates directly: each packet's worth of tone is exact.
TEST(Dtmf, DetectsAndGeneratesAtAnyRate) {
    for (const AudioFormat format : {AudioFormat{16000, 1}, AudioFormat{48000, 2}, AudioFormat{44100, 1}}) {
        Status st;
        auto gen = DtmfGenerator::create(st, format);
        ASSERT_TRUE(gen);
        const std::size_t packet = static_cast<std::size_t>(format.rate / 50 * format.channels);  // 20 ms
        std::vector<int16_t> pcm;
        for (char d : std::string("95#")) {
            ASSERT_EQ(gen->start(dtmf_digit_to_event(d), 10), Status::ok);
            for (int i = 0; i < 5; ++i) {  // 100 ms of tone, then 100 ms of silence
                std::vector<int16_t> chunk(packet);
                gen->generate(chunk);
                pcm.insert(pcm.end(), chunk.begin(), chunk.end());
            }
            gen->stop();
            pcm.resize(pcm.size() + 5 * packet, 0);
        }
        EXPECT_EQ(pcm.size(), 30 * packet);
        if (format.channels == 2) {  // every channel the same
            EXPECT_EQ(rtpe::test::channel(pcm, 2, 0), rtpe::test::channel(pcm, 2, 1));
        }
        Digits heard;
        auto det = DtmfDetector::create(heard, st, format);
        ASSERT_TRUE(det);
        for (std::size_t off = 0; off < pcm.size(); off += packet)
            det->feed(std::span(pcm).subspan(off, packet));
        EXPECT_EQ(heard.started, "95#") << format.rate;
        EXPECT_EQ(heard.ended, "95#") << format.rate;
        EXPECT_NEAR(static_cast<double>(det->samples_fed()), 600 * 8.0, 16.0);  // 600 ms at 8 kHz
    }
}

TEST(Dtmf, PlainToneIsOneSine) {
    Status st;
    auto gen = DtmfGenerator::create(st, {16000, 1});
    ASSERT_TRUE(gen);
    ASSERT_EQ(gen->start_tone(400, 10), Status::ok);
    std::vector<int16_t> x(3200);
    gen->generate(x);
    EXPECT_GT(rtpe::test::goertzel_share(x, 16000, 400), 0.9);
    EXPECT_NEAR(rtpe::test::zero_crossing_frequency(x, 16000), 400, 5);
    // -10 dBm0 is 16.16 dB below full scale: a peak of about 5100.
    const auto peak = *std::max_element(x.begin(), x.end());
    EXPECT_NEAR(peak, 32767 * std::pow(10.0, -16.16 / 20), 50);
    EXPECT_EQ(gen->start_tone(8000, 10), Status::bad_format);  // not below half the rate
    EXPECT_EQ(gen->start_tone(0, 10), Status::bad_format);
    EXPECT_EQ(gen->start_tone(400, 64), Status::bad_format);
}

TEST(TelephoneEvent, ParseAndWrite) {
    // RFC 4733: event 5, E set, volume 10, duration 800.
    const std::vector<uint8_t> wire = {0x05, 0x8A, 0x03, 0x20};
    TelephoneEvent ev;
    ASSERT_EQ(parse_telephone_event(wire, ev), Status::ok);
    EXPECT_EQ(ev.event, 5);
    EXPECT_TRUE(ev.end);
    EXPECT_EQ(ev.volume, 10);
    EXPECT_EQ(ev.duration, 800);
    std::vector<uint8_t> out(4);
    ASSERT_TRUE(write_telephone_event(ev, out));
    EXPECT_EQ(out, wire);
    EXPECT_FALSE(write_telephone_event(ev, std::span(out).first(3)));
    EXPECT_EQ(parse_telephone_event(std::span(wire).first(3), ev), Status::invalid_payload);
    EXPECT_EQ(parse_telephone_event({}, ev), Status::empty_payload);
    for (int e = 0; e < 16; ++e)
        EXPECT_EQ(dtmf_digit_to_event(dtmf_event_to_digit(e)), e);
    EXPECT_EQ(dtmf_digit_to_event('b'), 13);
    EXPECT_EQ(dtmf_digit_to_event('x'), -1);
    EXPECT_EQ(dtmf_event_to_digit(16), 0);
}

}  // namespace
