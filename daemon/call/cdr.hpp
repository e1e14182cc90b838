#pragma once
// The call detail record written when a call ends (--log-facility-cdr): one line of
// "key=value, " pairs in upstream's layout, which CDR collectors already parse.

#include <sys/time.h>

#include <string>

#include "daemon/call/call.hpp"
#include "daemon/stats/statistics.hpp"

namespace rtpe::call {

// Upstream's word for why a call ended: REGULAR, FORCED, TIMEOUT, SILENT_TIMEOUT, ...
const char* cdr_termination(stats::EndReason reason);

// call is locked and still has its media; ended: when it ended.
std::string format_cdr(const Call& call, const char* termination, const timeval& ended);

}  // namespace rtpe::call
