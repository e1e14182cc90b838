#include "codec/status.hpp"

namespace rtpe::codec {

const char* to_string(Status status) {
    switch (status) {
    case Status::ok: return "ok";
    case Status::empty_payload: return "empty payload";
    case Status::invalid_payload: return "invalid payload";
    case Status::decode_failed: return "decoding failed";
    case Status::encode_failed: return "encoding failed";
    case Status::unsupported: return "codec not supported by this build";
    case Status::bad_format: return "unusable format";
    case Status::no_memory: return "out of memory";
    }
    return "unknown";
}

}  // namespace rtpe::codec
