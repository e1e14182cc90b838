#include "codec/telephone_event.hpp"

namespace rtpe::codec {

namespace {
constexpr char kDigits[] = "0123456789*#ABCD";
}

Status parse_telephone_event(std::span<const uint8_t> payload, TelephoneEvent& out) {
    if (payload.empty())
        return Status::empty_payload;
    if (payload.size() < kTelephoneEventSize)
        return Status::invalid_payload;
    out.event = payload[0];
    out.end = (payload[1] & 0x80) != 0;
    out.volume = payload[1] & 0x3F;
    out.duration = static_cast<uint16_t>(payload[2] << 8 | payload[3]);
    return Status::ok;
}

bool write_telephone_event(const TelephoneEvent& ev, std::span<uint8_t> out) {
    if (out.size() < kTelephoneEventSize)
        return false;
    out[0] = ev.event;
    out[1] = static_cast<uint8_t>((ev.end ? 0x80 : 0) | (ev.volume & 0x3F));
    out[2] = static_cast<uint8_t>(ev.duration >> 8);
    out[3] = static_cast<uint8_t>(ev.duration & 0xFF);
    return true;
}

char dtmf_event_to_digit(int event) {
    return event >= 0 && event < 16 ? kDigits[event] : 0;
}

int dtmf_digit_to_event(char digit) {
    if (digit >= 'a' && digit <= 'd')
        digit = static_cast<char>(digit - 'a' + 'A');
    for (int i = 0; i < 16; ++i)
        if (kDigits[i] == digit)
            return i;
    return -1;
}

}  // namespace rtpe::codec
