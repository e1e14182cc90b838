#pragma once

// What the codec layer says instead of throwing: every call that may run on a worker
// thread returns one of these. Creation (control plane) uses them too, so a caller can
// tell "this build lacks the codec" from "the SDP asked for something impossible".

#include <cstdint>

namespace rtpe::codec {

enum class Status : uint8_t {
    ok,
    empty_payload,     // a zero-length payload (nothing decoded, nothing wrong)
    invalid_payload,   // framing that cannot be this codec (length, ToC, frame type)
    decode_failed,     // the library refused the payload
    encode_failed,     // the library refused the samples
    unsupported,       // this build has no decoder/encoder for the codec
    bad_format,        // rate, channels, ptime or format parameters that cannot work
    no_memory,         // the library could not allocate (creation only)
};

const char* to_string(Status status);

}  // namespace rtpe::codec
