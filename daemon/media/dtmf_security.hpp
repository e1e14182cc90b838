#pragma once
// block DTMF's DTMF-security modes: what becomes of a sender's DTMF on its way to the
// receiver. drop holds its RFC 4733 packets back (media_filter, no codec chain needed);
// the others work in the sender's codec chain (media/transcoder), on its RFC 4733 events
// and on the digits spandsp hears in its audio: silence and tone put silence or a plain
// sine in their place, random, zero and DTMF another digit (an event stays an event where
// the receiver takes telephone-event, a tone stays a tone). off passes everything.
//
// DtmfSecurity is a value the control thread computes and posts to the worker whole;
// DtmfReplacer decides, digit by digit, on the worker, without allocating.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace rtpe::media {

enum class DtmfMode : uint8_t { off, drop, silence, tone, random, zero, digit };

// Upstream's names (DTMF-security and its trigger keys): off, drop, silence, tone, random,
// zero, DTMF; nullopt for any other.
std::optional<DtmfMode> parse_dtmf_mode(std::string_view name);

struct DtmfSecurity {
    static constexpr std::size_t kMaxFrequencies = 16;
    static constexpr uint16_t kDefaultFrequency = 400;  // upstream's default tone

    DtmfMode mode = DtmfMode::off;
    // tone: one frequency per digit, in turn (frequency / frequencies).
    std::array<uint16_t, kMaxFrequencies> frequencies{{kDefaultFrequency}};
    uint8_t frequency_count = 1;
    // -dBm0 of what replaces a digit (volume); without it, the digit's own level.
    std::optional<uint8_t> volume;
    uint8_t digit = 0;  // DTMF's event (digit / code)

    // Every mode but off and drop works in the codec chain.
    bool in_chain() const { return mode >= DtmfMode::silence; }
    friend bool operator==(const DtmfSecurity&, const DtmfSecurity&) = default;
};

// What one digit becomes.
struct DtmfReplacement {
    enum class Kind : uint8_t { silence, tone, digit };
    Kind kind = Kind::silence;
    uint16_t frequency = 0;  // tone
    uint8_t event = 0;       // digit: the event played instead
    uint8_t volume = 10;     // -dBm0
    friend bool operator==(const DtmfReplacement&, const DtmfReplacement&) = default;
};

class DtmfReplacer {
public:
    // seed: any value; two replacers with one seed pick the same random digits.
    explicit DtmfReplacer(uint64_t seed) : random_(seed | 1) {}

    // The replacement of one digit (event 0-15 at -volume dBm0) under an in-chain mode:
    // the next of the frequencies for tone, a digit other than event for random.
    DtmfReplacement next(const DtmfSecurity& security, uint8_t event, uint8_t volume);

private:
    uint64_t random_;  // xorshift64 state, never 0
    std::size_t next_frequency_ = 0;
};

}  // namespace rtpe::media
