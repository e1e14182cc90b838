// libswresample behind Resampler: a 1 kHz tone stays at 1 kHz through 8 <-> 48 kHz
// (zero crossings and a Goertzel filter), channel counts change, out-of-band content is
// filtered rather than folded back.

#include "codec/resampler.hpp"
#include "signal.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace {

using namespace rtpe::codec;

std::vector<int16_t> run(AudioFormat in, AudioFormat out, const std::vector<int16_t>& pcm) {
    Status st;
    auto r = Resampler::create(in, out, st);
    EXPECT_TRUE(r) << to_string(st);
    std::vector<int16_t> result;
    if (!r)
        return result;
    // In 20 ms pieces, as the chain will call it.
    const std::size_t piece = static_cast<std::size_t>(in.rate / 50 * in.channels);
    for (std::size_t off = 0; off < pcm.size(); off += piece)
        EXPECT_EQ(r->convert(std::span(pcm).subspan(off, std::min(piece, pcm.size() - off)), result), Status::ok);
    EXPECT_EQ(r->flush(result), Status::ok);
    return result;
}

void expect_tone(const std::vector<int16_t>& x, int rate, double freq) {
    // Skip the filter's start-up.
    const std::vector<int16_t> steady(x.begin() + rate / 50, x.end() - rate / 50);
    EXPECT_NEAR(rtpe::test::zero_crossing_frequency(steady, rate), freq, 2.0);
    EXPECT_GT(rtpe::test::goertzel_share(steady, rate, freq), 0.95);
    EXPECT_LT(rtpe::test::goertzel_share(steady, rate, freq * 1.1), 0.01);
}

TEST(Resampler, Up8kTo48kKeeps1kHz) {
    const auto in = rtpe::test::sine(8000, 1000, 1.0, 10000);
    const auto out = run({8000, 1}, {48000, 1}, in);
    EXPECT_NEAR(static_cast<double>(out.size()), 48000.0, 48.0);
    expect_tone(out, 48000, 1000);
}

TEST(Resampler, Down48kTo8kKeeps1kHz) {
    const auto in = rtpe::test::sine(48000, 1000, 1.0, 10000);
    const auto out = run({48000, 1}, {8000, 1}, in);
    EXPECT_NEAR(static_cast<double>(out.size()), 8000.0, 8.0);
    expect_tone(out, 8000, 1000);
}

// 6 kHz cannot exist at 8 kHz: it must be filtered out, not folded to 2 kHz.
TEST(Resampler, DownFiltersAboveNyquist) {
    const auto in = rtpe::test::sine(16000, 6000, 1.0, 10000);
    const auto out = run({16000, 1}, {8000, 1}, in);
    double power = 0;
    for (std::size_t i = 400; i + 400 < out.size(); ++i)
        power += static_cast<double>(out[i]) * out[i];
    const double rms = std::sqrt(power / static_cast<double>(out.size() - 800));
    EXPECT_LT(rms, 10000 / std::sqrt(2.0) / 100);  // at least 40 dB down
}

TEST(Resampler, MonoToStereoAndBack) {
    const auto in = rtpe::test::sine(8000, 1000, 0.5, 10000);
    const auto stereo = run({8000, 1}, {48000, 2}, in);
    ASSERT_EQ(stereo.size() % 2, 0u);
    const auto left = rtpe::test::channel(stereo, 2, 0), right = rtpe::test::channel(stereo, 2, 1);
    EXPECT_EQ(left, right);
    expect_tone(left, 48000, 1000);
    const auto mono = run({48000, 2}, {48000, 1}, stereo);
    EXPECT_EQ(mono.size(), stereo.size() / 2);
    expect_tone(mono, 48000, 1000);
}

TEST(Resampler, Refuses) {
    Status st;
    EXPECT_FALSE(Resampler::create({0, 1}, {8000, 1}, st));
    EXPECT_EQ(st, Status::bad_format);
    EXPECT_FALSE(Resampler::create({8000, 3}, {8000, 1}, st));
    EXPECT_EQ(st, Status::bad_format);
    auto r = Resampler::create({8000, 2}, {16000, 1}, st);
    ASSERT_TRUE(r);
    std::vector<int16_t> out;
    const std::vector<int16_t> odd(3, 0);  // not a whole stereo frame
    EXPECT_EQ(r->convert(odd, out), Status::bad_format);
    EXPECT_TRUE(out.empty());
}

}  // namespace
