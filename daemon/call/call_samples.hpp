#pragma once
// The statistics' view of calls: what a call contributes when it ends and what the running
// calls amount to, as the plain samples stats/ folds (stats/ includes nothing of call/).

#include "daemon/call/call.hpp"
#include "daemon/call/call_registry.hpp"
#include "daemon/stats/samples.hpp"

namespace rtpe::call {

// The call must be locked, its media not yet released.
stats::EndedCallSample ended_call_sample(const Call& call, stats::EndReason reason);

// Every running call, each locked in turn.
stats::RunningCalls running_calls(const CallRegistry& registry);

}  // namespace rtpe::call
