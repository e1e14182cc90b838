#include "daemon/media/dtmf_injector.hpp"

#include <algorithm>

#include "codec/telephone_event.hpp"

namespace rtpe::media {

namespace {
constexpr int kEndPackets = 3;  // RFC 4733 2.5.1.4: the end packet is sent three times
}

DtmfInjector::DtmfInjector(std::optional<EventFormat> events, std::unique_ptr<codec::DtmfGenerator> tone)
    : events_(events), tone_(std::move(tone)) {}

std::unique_ptr<DtmfInjector> DtmfInjector::make(std::optional<EventFormat> events, codec::AudioFormat audio,
                                                 codec::Status& status) {
    if (events)
        return std::make_unique<DtmfInjector>(events, nullptr);
    auto tone = codec::DtmfGenerator::create(status, audio);
    if (!tone)
        return nullptr;
    return std::make_unique<DtmfInjector>(std::nullopt, std::move(tone));
}

bool DtmfInjector::queue(const Digit& digit) {
    if (count_ == kQueue)
        return false;
    queue_[(head_ + count_) % kQueue] = digit;
    ++count_;
    return true;
}

DtmfInjector::Event DtmfInjector::event_packet(bool end, uint32_t elapsed_ms) const {
    codec::TelephoneEvent ev;
    ev.event = current_.event;
    ev.end = end;
    ev.volume = current_.volume;
    const uint64_t duration = uint64_t{elapsed_ms} * events_->clock / 1000;
    ev.duration = static_cast<uint16_t>(std::min<uint64_t>(duration, 0xffff));
    Event out;
    codec::write_telephone_event(ev, out.payload);
    return out;
}

void DtmfInjector::finish() {
    if (phase_ == Phase::playing && current_.duration_ms == kUntilFinished) {
        current_.duration_ms = static_cast<uint16_t>(std::clamp<uint32_t>(elapsed_ms_, 1, 0xffff));
        return;
    }
    // Still queued (heard and gone before a packet let it start): it plays one packet long.
    for (std::size_t i = 0; i < count_; ++i)
        if (Digit& d = queue_[(head_ + i) % kQueue]; d.duration_ms == kUntilFinished)
            d.duration_ms = 1;
}

std::optional<DtmfInjector::Event> DtmfInjector::advance(uint32_t ms, std::span<int16_t> pcm) {
    bool start = false;
    if (phase_ == Phase::idle) {
        if (count_ == 0)
            return std::nullopt;
        current_ = queue_[head_];
        head_ = (head_ + 1) % kQueue;
        --count_;
        phase_ = Phase::playing;
        elapsed_ms_ = 0;
        ends_sent_ = 0;
        start = true;
        if (!events_ && tone_)
            tone_->start(current_.event, current_.volume);
    }
    switch (phase_) {
    case Phase::playing: {
        elapsed_ms_ += ms;
        const bool done = current_.duration_ms != kUntilFinished && elapsed_ms_ >= current_.duration_ms;
        if (events_) {
            Event e = event_packet(false, elapsed_ms_);
            e.start = start;
            if (done) {
                phase_ = Phase::ending;
                final_ms_ = elapsed_ms_ + ms;  // the end packets count the first of them too
            }
            return e;
        }
        if (tone_)
            tone_->generate(pcm);
        if (done) {
            if (tone_)
                tone_->stop();
            phase_ = Phase::pause;
            elapsed_ms_ = 0;
        }
        return std::nullopt;
    }
    case Phase::ending: {
        Event e = event_packet(true, final_ms_);
        if (++ends_sent_ == kEndPackets) {
            phase_ = Phase::pause;
            elapsed_ms_ = 0;
        }
        return e;
    }
    case Phase::pause:  // audio passes towards events; silence in tone mode
        elapsed_ms_ += ms;
        if (!events_)
            std::fill(pcm.begin(), pcm.end(), int16_t{0});
        if (elapsed_ms_ >= current_.pause_ms)
            phase_ = Phase::idle;
        return std::nullopt;
    case Phase::idle:
        break;
    }
    return std::nullopt;
}

}  // namespace rtpe::media
