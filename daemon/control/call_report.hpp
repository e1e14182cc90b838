#pragma once
// A call as query and delete replies show it, in upstream's structure.

#include "bencode/value.hpp"
#include "daemon/call/call.hpp"

namespace rtpe::control {

// Fills reply with created, last signal, SSRC, tags and totals. The call must be locked.
void report_call(const call::Call& call, bencode::Value& reply);

}  // namespace rtpe::control
