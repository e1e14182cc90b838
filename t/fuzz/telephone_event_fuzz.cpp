// RFC 4733 telephone-event payloads (lib/codec/telephone_event.hpp): parsing never reads
// outside the payload, refuses exactly what is shorter than 4 octets, and writes back the
// same 4 octets but for the reserved bit; events and DTMF digits map to each other both
// ways.

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "codec/telephone_event.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    using namespace rtpe::codec;
    // An exact-size heap copy, so ASan flags a read even one byte past the end.
    const std::vector<uint8_t> payload(data, data + size);
    TelephoneEvent ev;
    const Status st = parse_telephone_event(payload, ev);
    if ((st == Status::ok) != (size >= kTelephoneEventSize))
        __builtin_trap();
    if (st == Status::ok) {
        uint8_t out[kTelephoneEventSize];
        if (!write_telephone_event(ev, out) || out[0] != payload[0] || out[1] != (payload[1] & 0xBF) ||
            out[2] != payload[2] || out[3] != payload[3])
            __builtin_trap();
        if (write_telephone_event(ev, std::span(out, kTelephoneEventSize - 1)))
            __builtin_trap();
        const char digit = dtmf_event_to_digit(ev.event);
        if ((digit != 0) != (ev.event < 16) || (digit != 0 && dtmf_digit_to_event(digit) != ev.event))
            __builtin_trap();
    }
    for (uint8_t c : payload) {
        const int event = dtmf_digit_to_event(static_cast<char>(c));
        if (event >= 0 && dtmf_event_to_digit(event) != std::toupper(c))
            __builtin_trap();
    }
    return 0;
}
