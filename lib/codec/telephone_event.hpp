#pragma once

// RFC 4733 telephone-event payloads (2.3) and the DTMF events 0-15 (3.2) as digits.

#include "codec/status.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace rtpe::codec {

struct TelephoneEvent {
    uint8_t event = 0;      // 0-9, 10 '*', 11 '#', 12-15 'A'-'D', others as sent
    bool end = false;       // E bit
    uint8_t volume = 0;     // 0-63: -dBm0
    uint16_t duration = 0;  // RTP timestamp units since the event began
};

inline constexpr std::size_t kTelephoneEventSize = 4;

// invalid_payload when shorter than 4 bytes; bytes after the first 4 are ignored
// (several events in one payload are a redundancy form we read the first of).
Status parse_telephone_event(std::span<const uint8_t> payload, TelephoneEvent& out);
// Writes 4 bytes; false when out is shorter.
bool write_telephone_event(const TelephoneEvent& ev, std::span<uint8_t> out);

// '0'..'9', '*', '#', 'A'..'D' for events 0-15; 0 for anything else.
char dtmf_event_to_digit(int event);
// The reverse (lower-case a-d too); -1 for anything else.
int dtmf_digit_to_event(char digit);

}  // namespace rtpe::codec
