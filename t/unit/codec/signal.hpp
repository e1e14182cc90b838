#pragma once
// Test signals and the measures the codec tests judge by: a sine, a sweep, noise shaped
// like speech, and SNR / correlation after finding the codec's delay.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

namespace rtpe::test {

// Mono (or the same on every channel) sine at freq Hz, peak amplitude amp.
inline std::vector<int16_t> sine(int rate, double freq, double seconds, double amp, int channels = 1) {
    const auto n = static_cast<std::size_t>(rate * seconds);
    std::vector<int16_t> out(n * channels);
    for (std::size_t i = 0; i < n; ++i)
        for (int c = 0; c < channels; ++c)
            out[i * channels + c] = static_cast<int16_t>(amp * std::sin(2 * std::numbers::pi * freq * i / rate));
    return out;
}

// Linear sweep from f0 to f1 Hz; with channels == 2 the right channel sweeps down from f1
// to f0, so a codec that drops or swaps a channel shows.
inline std::vector<int16_t> sweep(int rate, double f0, double f1, double seconds, double amp, int channels = 1) {
    const auto n = static_cast<std::size_t>(rate * seconds);
    std::vector<int16_t> out(n * channels);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / rate;
        const double up = 2 * std::numbers::pi * (f0 * t + (f1 - f0) * t * t / (2 * seconds));
        const double down = 2 * std::numbers::pi * (f1 * t + (f0 - f1) * t * t / (2 * seconds));
        out[i * channels] = static_cast<int16_t>(amp * std::sin(up));
        if (channels == 2)
            out[i * channels + 1] = static_cast<int16_t>(amp * std::sin(down));
    }
    return out;
}

// Something speech-like without being DTMF: a gliding, vibrato "voice" (harmonics of a
// 100-250 Hz fundamental through two moving formant peaks) and filtered noise, switched
// on and off at syllable rate.
inline std::vector<int16_t> speech_like(int rate, double seconds, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> gauss(0.0, 1.0);
    const auto n = static_cast<std::size_t>(rate * seconds);
    std::vector<int16_t> out(n);
    double phase = 0, lp = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / rate;
        const double f0 = 175 + 60 * std::sin(2 * std::numbers::pi * 0.7 * t) + 8 * std::sin(2 * std::numbers::pi * 5.5 * t);
        phase += 2 * std::numbers::pi * f0 / rate;
        const double formant1 = 500 + 300 * std::sin(2 * std::numbers::pi * 1.3 * t);
        const double formant2 = 1500 + 700 * std::sin(2 * std::numbers::pi * 0.9 * t + 1);
        double voice = 0;
        for (int h = 1; h * f0 < 3800; ++h) {
            const double f = h * f0;
            const double g = 1.0 / (1 + std::pow((f - formant1) / 150, 2)) + 0.5 / (1 + std::pow((f - formant2) / 200, 2));
            voice += g * std::sin(h * phase) / h;
        }
        lp = 0.7 * lp + 0.3 * gauss(rng);
        const double envelope = 0.5 + 0.5 * std::sin(2 * std::numbers::pi * 4 * t);
        out[i] = static_cast<int16_t>(std::clamp(envelope * (6000 * voice + 1500 * lp), -32000.0, 32000.0));
    }
    return out;
}

// One channel of an interleaved signal.
inline std::vector<int16_t> channel(const std::vector<int16_t>& pcm, int channels, int which) {
    std::vector<int16_t> out;
    for (std::size_t i = which; i < pcm.size(); i += channels)
        out.push_back(pcm[i]);
    return out;
}

struct Match {
    int lag = 0;             // output sample i matches input sample i - lag
    double correlation = 0;  // normalised, at that lag
    double snr_db = -99;     // input power over the power of (input - output) at that lag
};

// Finds the delay (0..max_lag) with the best normalised correlation between the input
// and the output, ignoring the first `skip` samples of the input (codec start-up).
inline Match best_match(const std::vector<int16_t>& in, const std::vector<int16_t>& out, int max_lag,
                        std::size_t skip = 0) {
    Match best;
    best.correlation = -2;
    for (int lag = 0; lag <= max_lag; ++lag) {
        double xy = 0, xx = 0, yy = 0, err = 0;
        for (std::size_t i = skip; i < in.size() && i + lag < out.size(); ++i) {
            const double x = in[i], y = out[i + lag];
            xy += x * y;
            xx += x * x;
            yy += y * y;
            err += (x - y) * (x - y);
        }
        if (xx == 0 || yy == 0)
            continue;
        const double c = xy / std::sqrt(xx * yy);
        if (c > best.correlation) {
            best.lag = lag;
            best.correlation = c;
            best.snr_db = err == 0 ? 99 : 10 * std::log10(xx / err);
        }
    }
    return best;
}

// Power of a Goertzel filter at freq over the samples, normalised by the samples' energy
// (1.0: all energy at freq).
inline double goertzel_share(const std::vector<int16_t>& x, int rate, double freq) {
    const double w = 2 * std::numbers::pi * freq / rate;
    const double coeff = 2 * std::cos(w);
    double s1 = 0, s2 = 0, energy = 0;
    for (int16_t v : x) {
        const double s = v + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
        energy += static_cast<double>(v) * v;
    }
    const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    return energy == 0 ? 0 : 2 * power / (energy * x.size());
}

// Frequency from rising zero crossings.
inline double zero_crossing_frequency(const std::vector<int16_t>& x, int rate) {
    int crossings = 0;
    std::size_t first = 0, last = 0;
    for (std::size_t i = 1; i < x.size(); ++i)
        if (x[i - 1] < 0 && x[i] >= 0) {
            if (crossings == 0)
                first = i;
            last = i;
            ++crossings;
        }
    return crossings < 2 ? 0 : (crossings - 1) * static_cast<double>(rate) / static_cast<double>(last - first);
}

}  // namespace rtpe::test
