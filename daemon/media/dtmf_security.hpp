#pragma once
// block DTMF's DTMF-security modes: what becomes of a sender's DTMF on its way to the
// receiver. drop holds its RFC 4733 packets back (media_filter, no codec chain needed);
// the others work in the sender's codec chain (media/transcoder), on its RFC 4733 events
// and on the digits spandsp hears in its audio: silence and tone put silence or a plain
// sine in their place, random, zero and DTMF another digit (an event stays an event where
// the receiver takes telephone-event, a tone stays a tone). off passes everything.
//
// Triggers switch the mode while the call runs: a run of digits (the trigger) switches to
// one mode, then another run (the end trigger), a number of digits or a time to another.
// They are followed in the chain too, which sees every digit, sent as events or in the
// audio. DTMF-delay holds every digit back in the chain too, whatever the mode.
//
// DtmfSecurity is a value the control thread computes and posts to the worker whole;
// DtmfReplacer and DtmfTriggerState decide, digit by digit, on the worker, without
// allocating (and read no clock: the caller passes the time).

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

// A run of DTMF digits ("0"-"9", "*", "#", "A"-"D"), in a fixed buffer.
struct DtmfDigits {
    static constexpr std::size_t kMax = 16;
    std::array<char, kMax> digits{};
    uint8_t size = 0;
    // false (the run unchanged) when text is too long or has something else.
    bool assign(std::string_view text);
    bool empty() const { return size == 0; }
    std::string_view view() const { return {digits.data(), size}; }
    friend bool operator==(const DtmfDigits& a, const DtmfDigits& b) { return a.view() == b.view(); }
};

// block DTMF's trigger keys and --dtmf-digit-delay.
struct DtmfTriggers {
    DtmfDigits start;      // trigger
    DtmfDigits end;        // trigger-end
    DtmfMode start_mode = DtmfMode::off;  // DTMF-security-trigger
    DtmfMode end_mode = DtmfMode::off;    // DTMF-security-trigger-end
    uint32_t end_ms = 0;      // trigger-end-time: the start mode lasts at most this long
    uint32_t end_digits = 0;  // trigger-end-digits: ... or this many digits
    uint32_t digit_delay_ms = 2500;  // --dtmf-digit-delay: at most this between a run's digits
    bool any() const { return !start.empty(); }
    friend bool operator==(const DtmfTriggers&, const DtmfTriggers&) = default;
};

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
    DtmfTriggers triggers;
    // DTMF-delay: each digit is silenced, then reproduced this long after it began
    // (media/dtmf_delay.hpp).
    uint32_t delay_ms = 0;

    // Every mode but off and drop replaces DTMF in the codec chain.
    static bool replaces(DtmfMode m) { return m >= DtmfMode::silence; }
    // What needs the chain: a replacing mode, triggers (the chain hears every digit), or
    // a delay (the chain withholds and reproduces every digit).
    bool in_chain() const { return replaces(mode) || triggers.any() || delay_ms > 0; }
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

// Where a flow's triggers stand: armed (waiting for the trigger), triggered (its mode in
// force until the end trigger, digits or time), done (the end mode stays, as in 10.5).
class DtmfTriggerState {
public:
    // A digit began at now_ms: the mode to switch to when it completes a trigger (or the
    // end digits).
    std::optional<DtmfMode> digit(const DtmfTriggers& t, char digit, int64_t now_ms);
    // The time is now_ms: the end mode once trigger-end-time is up.
    std::optional<DtmfMode> tick(const DtmfTriggers& t, int64_t now_ms);

private:
    enum class Phase : uint8_t { armed, triggered, done };
    Phase phase_ = Phase::armed;
    DtmfDigits recent_;  // the latest run of digits, the last kMax of it
    int64_t last_digit_ms_ = 0;
    int64_t triggered_ms_ = 0;
    uint32_t digits_since_ = 0;
};

}  // namespace rtpe::media
