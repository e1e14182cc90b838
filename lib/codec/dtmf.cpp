#include "codec/dtmf.hpp"

#include "codec/resampler.hpp"
#include "codec/telephone_event.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <new>

extern "C" {
#include <spandsp/telephony.h>
#include <spandsp/logging.h>
#include <spandsp/complex.h>
#include <spandsp/super_tone_rx.h>
#include <spandsp/dtmf.h>
}

namespace rtpe::codec {

// ---- detector ------------------------------------------------------------------------

struct DtmfDetector::State {
    dtmf_rx_state_t* rx = nullptr;
    std::unique_ptr<Resampler> to_8k;  // null for 8 kHz mono input
    ~State() {
        if (rx)
            dtmf_rx_free(rx);
    }
};

namespace {
// Input frames resampled at a time: 20 ms at 48 kHz, which gives at most 160 samples at
// 8 kHz plus the resampler's filter delay.
constexpr std::size_t kChunkFrames = 960;
constexpr std::size_t kResampledRoom = 1024;
}  // namespace

std::unique_ptr<DtmfDetector> DtmfDetector::create(Listener& listener, Status& status, AudioFormat input) {
    std::unique_ptr<DtmfDetector> d(new (std::nothrow) DtmfDetector(listener));
    if (d)
        d->state_.reset(new (std::nothrow) State);
    if (!d || !d->state_ || !(d->state_->rx = dtmf_rx_init(nullptr, nullptr, nullptr))) {
        status = Status::no_memory;
        return nullptr;
    }
    const AudioFormat heard{kDtmfRate, 1};
    if (input != heard) {
        d->state_->to_8k = Resampler::create(input, heard, status);
        if (!d->state_->to_8k)
            return nullptr;
        d->resampled_.reserve(kResampledRoom);
    }
    dtmf_rx_set_realtime_callback(d->state_->rx, &DtmfDetector::on_realtime, d.get());
    status = Status::ok;
    return d;
}

DtmfDetector::DtmfDetector(Listener& l) : listener_(&l) {}
DtmfDetector::~DtmfDetector() = default;

void DtmfDetector::on_realtime(void* self, int code, int level, int /*delay*/) {
    auto* d = static_cast<DtmfDetector*>(self);
    if (code == 0) {
        if (d->current_ >= 0)
            d->listener_->on_dtmf(Tone{d->current_, true, d->fed_, 0});
        d->current_ = -1;
        return;
    }
    const int event = dtmf_digit_to_event(static_cast<char>(code));
    if (event < 0)
        return;
    if (d->current_ >= 0 && d->current_ != event)
        d->listener_->on_dtmf(Tone{d->current_, true, d->fed_, 0});
    d->current_ = event;
    d->listener_->on_dtmf(Tone{event, false, d->fed_, level});
}

void DtmfDetector::feed(std::span<const int16_t> pcm) {
    Resampler* to_8k = state_->to_8k.get();
    if (!to_8k) {
        hear(pcm);
        return;
    }
    const std::size_t channels = static_cast<std::size_t>(to_8k->input_format().channels);
    while (!pcm.empty()) {
        const std::size_t n = std::min(pcm.size(), kChunkFrames * channels);
        resampled_.clear();
        if (to_8k->convert(pcm.first(n), resampled_) == Status::ok)
            hear(resampled_);
        pcm = pcm.subspan(n);
    }
}

void DtmfDetector::hear(std::span<const int16_t> pcm) {
    // spandsp takes an int count; feed in bounded chunks.
    while (!pcm.empty()) {
        const std::size_t n = std::min<std::size_t>(pcm.size(), 8000);
        fed_ += n;
        dtmf_rx(state_->rx, pcm.data(), static_cast<int>(n));
        // dtmf_rx also queues digits for dtmf_rx_get; drain them so the queue never fills.
        char sink[16];
        while (dtmf_rx_get(state_->rx, sink, sizeof sink) > 0) {
        }
        pcm = pcm.subspan(n);
    }
}

// ---- generator -----------------------------------------------------------------------

namespace {
// ITU-T Q.23: row (low) and column (high) frequencies of each event.
struct Pair {
    int low, high;
};
constexpr std::array<Pair, 16> kFreqs = {{
    {941, 1336},                                                  // 0
    {697, 1209}, {697, 1336}, {697, 1477},                        // 1 2 3
    {770, 1209}, {770, 1336}, {770, 1477},                        // 4 5 6
    {852, 1209}, {852, 1336}, {852, 1477},                        // 7 8 9
    {941, 1209}, {941, 1477},                                     // * #
    {697, 1633}, {770, 1633}, {852, 1633}, {941, 1633},           // A B C D
}};
// dB below full scale of a sine at 0 dBm0, as spandsp scales its tones (G.711's maximum
// power is 3.14 dBm0, a sine's peak 3.02 dB above its power): our digits are as loud as
// spandsp's tone generator made them, which detectors and the tests were tuned on.
constexpr double kDbm0SineDb = 6.16;
}  // namespace

std::unique_ptr<DtmfGenerator> DtmfGenerator::create(Status& status, AudioFormat format) {
    if (format.rate < kDtmfRate || format.channels < 1) {
        status = Status::bad_format;
        return nullptr;
    }
    std::unique_ptr<DtmfGenerator> g(new (std::nothrow) DtmfGenerator(format));
    status = g ? Status::ok : Status::no_memory;
    return g;
}

DtmfGenerator::~DtmfGenerator() = default;

void DtmfGenerator::begin(int low, int high, int volume) {
    const double rate = format_.rate;
    step_[0] = low / rate;
    step_[1] = high / rate;
    phase_[0] = phase_[1] = 0;
    tones_ = high > 0 ? 2 : 1;
    amplitude_ = 32767.0 * std::pow(10.0, (-volume - kDbm0SineDb) / 20.0);
    active_ = true;
}

Status DtmfGenerator::start(int event, int volume) {
    if (event < 0 || event >= static_cast<int>(kFreqs.size()) || volume < 0 || volume > 63)
        return Status::bad_format;
    const Pair p = kFreqs[static_cast<std::size_t>(event)];
    begin(p.low, p.high, volume);
    return Status::ok;
}

Status DtmfGenerator::start_tone(int frequency, int volume) {
    if (frequency <= 0 || frequency * 2 >= format_.rate || volume < 0 || volume > 63)
        return Status::bad_format;
    begin(frequency, 0, volume);
    return Status::ok;
}

void DtmfGenerator::stop() { active_ = false; }

void DtmfGenerator::generate(std::span<int16_t> out) {
    if (!active_) {
        std::fill(out.begin(), out.end(), int16_t{0});
        return;
    }
    constexpr double kTurn = 2 * 3.14159265358979323846;
    const std::size_t channels = static_cast<std::size_t>(format_.channels);
    for (std::size_t i = 0; i + channels <= out.size(); i += channels) {
        double v = 0;
        for (int t = 0; t < tones_; ++t) {
            v += std::sin(kTurn * phase_[t]);
            phase_[t] += step_[t];
            phase_[t] -= std::floor(phase_[t]);  // stays in [0, 1): no precision lost over long tones
        }
        const auto sample = static_cast<int16_t>(std::lround(std::clamp(v * amplitude_, -32768.0, 32767.0)));
        std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(i), channels, sample);
    }
}

}  // namespace rtpe::codec
