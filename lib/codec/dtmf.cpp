#include "codec/dtmf.hpp"

#include "codec/telephone_event.hpp"

#include <algorithm>
#include <array>
#include <new>

extern "C" {
#include <spandsp/telephony.h>
#include <spandsp/logging.h>
#include <spandsp/complex.h>
#include <spandsp/super_tone_rx.h>
#include <spandsp/tone_generate.h>
#include <spandsp/dtmf.h>
}

namespace rtpe::codec {

// ---- detector ------------------------------------------------------------------------

struct DtmfDetector::State {
    dtmf_rx_state_t* rx = nullptr;
    ~State() {
        if (rx)
            dtmf_rx_free(rx);
    }
};

std::unique_ptr<DtmfDetector> DtmfDetector::create(Listener& listener, Status& status) {
    std::unique_ptr<DtmfDetector> d(new (std::nothrow) DtmfDetector(listener));
    if (d)
        d->state_.reset(new (std::nothrow) State);
    if (!d || !d->state_ || !(d->state_->rx = dtmf_rx_init(nullptr, nullptr, nullptr))) {
        status = Status::no_memory;
        return nullptr;
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
// One cadence of a minute; long events simply repeat it.
constexpr int kCadenceMs = 60000;
}  // namespace

struct DtmfGenerator::State {
    tone_gen_descriptor_t* desc = nullptr;
    tone_gen_state_t* gen = nullptr;
    ~State() {
        if (gen)
            tone_gen_free(gen);
        if (desc)
            tone_gen_descriptor_free(desc);
    }
};

std::unique_ptr<DtmfGenerator> DtmfGenerator::create(Status& status) {
    std::unique_ptr<DtmfGenerator> g(new (std::nothrow) DtmfGenerator);
    if (g)
        g->state_.reset(new (std::nothrow) State);
    // Allocated once here; start() re-initialises both in place.
    if (!g || !g->state_ ||
        !(g->state_->desc = tone_gen_descriptor_init(nullptr, 697, -10, 1209, -10, kCadenceMs, 0, 0, 0, 1)) ||
        !(g->state_->gen = tone_gen_init(nullptr, g->state_->desc))) {
        status = Status::no_memory;
        return nullptr;
    }
    status = Status::ok;
    return g;
}

DtmfGenerator::DtmfGenerator() = default;
DtmfGenerator::~DtmfGenerator() = default;

Status DtmfGenerator::start(int event, int volume) {
    if (event < 0 || event >= static_cast<int>(kFreqs.size()) || volume < 0 || volume > 63)
        return Status::bad_format;
    const Pair p = kFreqs[static_cast<std::size_t>(event)];
    tone_gen_descriptor_init(state_->desc, p.low, -volume, p.high, -volume, kCadenceMs, 0, 0, 0, 1);
    tone_gen_init(state_->gen, state_->desc);
    active_ = true;
    return Status::ok;
}

void DtmfGenerator::stop() { active_ = false; }

void DtmfGenerator::generate(std::span<int16_t> out) {
    if (!active_) {
        std::fill(out.begin(), out.end(), int16_t{0});
        return;
    }
    while (!out.empty()) {
        const std::size_t n = std::min<std::size_t>(out.size(), 8000);
        const int got = tone_gen(state_->gen, out.data(), static_cast<int>(n));
        if (got < static_cast<int>(n))
            std::fill(out.begin() + std::max(got, 0), out.begin() + static_cast<std::ptrdiff_t>(n), int16_t{0});
        out = out.subspan(n);
    }
}

}  // namespace rtpe::codec
