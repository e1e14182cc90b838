#include "daemon/media/dtmf_security.hpp"

#include <algorithm>
#include <cctype>

#include "util/parse.hpp"

namespace rtpe::media {

std::optional<DtmfMode> parse_dtmf_mode(std::string_view name) {
    struct Entry {
        const char* name;
        DtmfMode mode;
    };
    static constexpr Entry kModes[] = {{"off", DtmfMode::off},       {"drop", DtmfMode::drop},
                                       {"silence", DtmfMode::silence}, {"tone", DtmfMode::tone},
                                       {"random", DtmfMode::random}, {"zero", DtmfMode::zero},
                                       {"DTMF", DtmfMode::digit}};
    for (const auto& e : kModes)
        if (equals_ignoring_case(name, e.name))
            return e.mode;
    return std::nullopt;
}

bool DtmfDigits::assign(std::string_view text) {
    if (text.size() > kMax)
        return false;
    for (char c : text)
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != '*' && c != '#' &&
            !(std::toupper(static_cast<unsigned char>(c)) >= 'A' && std::toupper(static_cast<unsigned char>(c)) <= 'D'))
            return false;
    size = static_cast<uint8_t>(text.size());
    for (std::size_t i = 0; i < text.size(); ++i)
        digits[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));
    return true;
}

std::optional<DtmfMode> DtmfTriggerState::digit(const DtmfTriggers& t, char digit, int64_t now_ms) {
    if (phase_ == Phase::done || !t.any())
        return std::nullopt;
    // A pause longer than the digit delay starts a new run.
    if (!recent_.empty() && now_ms - last_digit_ms_ > t.digit_delay_ms)
        recent_.size = 0;
    last_digit_ms_ = now_ms;
    if (recent_.size == DtmfDigits::kMax) {  // keep the last kMax - 1, then this one
        std::copy(recent_.digits.begin() + 1, recent_.digits.end(), recent_.digits.begin());
        --recent_.size;
    }
    recent_.digits[recent_.size++] = static_cast<char>(std::toupper(static_cast<unsigned char>(digit)));
    const std::string_view run = recent_.view();
    if (phase_ == Phase::armed) {
        if (!run.ends_with(t.start.view()))
            return std::nullopt;
        phase_ = Phase::triggered;
        triggered_ms_ = now_ms;
        digits_since_ = 0;
        recent_.size = 0;  // the end trigger is a run of its own
        return t.start_mode;
    }
    ++digits_since_;
    if ((!t.end.empty() && run.ends_with(t.end.view())) || (t.end_digits && digits_since_ >= t.end_digits)) {
        phase_ = Phase::done;
        return t.end_mode;
    }
    return std::nullopt;
}

std::optional<DtmfMode> DtmfTriggerState::tick(const DtmfTriggers& t, int64_t now_ms) {
    if (phase_ != Phase::triggered || !t.end_ms || now_ms - triggered_ms_ < t.end_ms)
        return std::nullopt;
    phase_ = Phase::done;
    return t.end_mode;
}

DtmfReplacement DtmfReplacer::next(const DtmfSecurity& security, uint8_t event, uint8_t volume) {
    DtmfReplacement r;
    r.volume = security.volume.value_or(volume);
    switch (security.mode) {
    case DtmfMode::tone:
        r.kind = DtmfReplacement::Kind::tone;
        r.frequency = security.frequencies[next_frequency_ % std::max<std::size_t>(security.frequency_count, 1)];
        ++next_frequency_;
        break;
    case DtmfMode::random: {
        r.kind = DtmfReplacement::Kind::digit;
        random_ ^= random_ << 13;
        random_ ^= random_ >> 7;
        random_ ^= random_ << 17;
        // One of the 15 other events: a replacement never gives the digit away.
        const auto other = static_cast<uint8_t>(random_ % 15);
        r.event = other >= (event & 0x0f) ? static_cast<uint8_t>(other + 1) : other;
        break;
    }
    case DtmfMode::zero:
        r.kind = DtmfReplacement::Kind::digit;
        r.event = 0;
        break;
    case DtmfMode::digit:
        r.kind = DtmfReplacement::Kind::digit;
        r.event = security.digit;
        break;
    case DtmfMode::off:
    case DtmfMode::drop:
    case DtmfMode::silence:
        break;
    }
    return r;
}

}  // namespace rtpe::media
