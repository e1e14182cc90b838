#include "daemon/media/dtmf_delay.hpp"

#include <algorithm>

namespace rtpe::media {

namespace {

// The longest digit the injector plays (its duration is 16-bit ms; 0 means "until finished").
constexpr int64_t kLongestDigitMs = 0xffff;

}  // namespace

bool DtmfDelayLine::begin(uint8_t event, uint8_t volume, int64_t now_ms) {
    if (count_ > 0 && !at(count_ - 1).ended)
        end(at(count_ - 1).event, now_ms);
    if (count_ == kCapacity)
        return false;
    at(count_++) = Kept{event, volume, false, now_ms, 0};
    return true;
}

void DtmfDelayLine::end(uint8_t event, int64_t now_ms, uint32_t duration_ms) {
    if (count_ == 0)
        return;
    Kept& latest = at(count_ - 1);
    if (latest.ended || latest.event != event)
        return;  // an end packet repeated, or the end of a digit that was not kept
    latest.ended = true;
    const int64_t seen_ms = std::clamp<int64_t>(now_ms - latest.start_ms, 1, kLongestDigitMs);
    latest.duration_ms = std::max(static_cast<uint32_t>(seen_ms), std::min<uint32_t>(duration_ms, kLongestDigitMs));
}

std::optional<DtmfInjector::Digit> DtmfDelayLine::next_due(const DtmfSecurity& security, DtmfReplacer& replacer,
                                                           int64_t now_ms) {
    while (count_ > 0) {
        const Kept& oldest = at(0);
        if (!oldest.ended || now_ms - oldest.start_ms < security.delay_ms)
            return std::nullopt;
        const Kept digit = oldest;
        head_ = (head_ + 1) % kCapacity;
        --count_;
        DtmfInjector::Digit out;
        out.duration_ms = static_cast<uint16_t>(digit.duration_ms);
        out.pause_ms = 0;
        if (security.mode == DtmfMode::off) {
            out.event = digit.event;
            out.volume = digit.volume;
            return out;
        }
        const DtmfReplacement r = replacer.next(security, digit.event, digit.volume);
        if (r.kind != DtmfReplacement::Kind::digit)
            continue;  // drop, silence and tone: nothing takes its place later either
        out.event = r.event;
        out.volume = r.volume;
        return out;
    }
    return std::nullopt;
}

}  // namespace rtpe::media
