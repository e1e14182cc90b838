#pragma once
// block DTMF's DTMF-delay: each digit of the sender's (an RFC 4733 event or a digit heard
// in its audio) is replaced by silence as it comes and kept here; once the delay has
// passed since it began, and its length is known, it is reproduced under the mode in
// force then (upstream's documentation: "DTMF blocking modes are honoured at the time when
// the DTMF events are reproduced").
//
// Worker-side: a fixed ring, no allocation; the caller passes the time.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "daemon/media/dtmf_injector.hpp"
#include "daemon/media/dtmf_security.hpp"

namespace rtpe::media {

class DtmfDelayLine {
public:
    static constexpr std::size_t kCapacity = 16;

    // A digit (event 0-15, -volume dBm0) began at now_ms. One still under way ends here:
    // its end was lost. false when the ring is full: that digit stays silent for good.
    bool begin(uint8_t event, uint8_t volume, int64_t now_ms);
    // The latest digit, when it is event and under way, ended at now_ms; it lasted
    // duration_ms (an event's own count) or, when that is shorter, as long as it was seen.
    void end(uint8_t event, int64_t now_ms, uint32_t duration_ms = 0);
    // The next digit to reproduce at now_ms under security (its delay and mode), the
    // oldest first, without a pause after it (the digits keep the spacing they came with);
    // nullopt when none is due. Digits the mode withholds (drop, silence, tone) are passed
    // over; random, zero and DTMF take the replacer's digit.
    std::optional<DtmfInjector::Digit> next_due(const DtmfSecurity& security, DtmfReplacer& replacer, int64_t now_ms);
    bool empty() const { return count_ == 0; }

private:
    struct Kept {
        uint8_t event = 0;
        uint8_t volume = 0;
        bool ended = false;
        int64_t start_ms = 0;
        uint32_t duration_ms = 0;
    };
    Kept& at(std::size_t i) { return ring_[(head_ + i) % kCapacity]; }

    std::array<Kept, kCapacity> ring_{};
    std::size_t head_ = 0, count_ = 0;
};

}  // namespace rtpe::media
