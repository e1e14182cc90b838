#pragma once
// An ng request's keys and flags, parsed once into the call model's typed request.

#include "bencode/value.hpp"
#include "daemon/call/call_request.hpp"

namespace rtpe::control {

// Throws NgError with upstream's reason for a malformed key.
call::CallRequest parse_call_request(const bencode::Value& dictionary);

}  // namespace rtpe::control
