#include "daemon/media/dtmf_security.hpp"

#include <algorithm>

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
