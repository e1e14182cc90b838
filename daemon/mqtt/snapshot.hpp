#pragma once
// What MQTT publishes, copied out of the call model and the statistics on the control
// thread (which owns both), so that the publisher thread builds its JSON from plain data.

#include "daemon/call/call.hpp"
#include "daemon/call/call_registry.hpp"
#include "daemon/media/local_interfaces.hpp"
#include "daemon/mqtt/documents.hpp"
#include "daemon/stats/statistics.hpp"

namespace rtpe::mqtt {

// One call; the call must be locked.
CallView call_view(const call::Call& call);

// Every running call (each locked in turn, briefly) and the statistics document.
Snapshot take_snapshot(const call::CallRegistry& calls, const stats::Statistics& statistics,
                       const media::LocalInterfaces& interfaces);

// "PCMU/8000" -> codec PCMU, clock rate 8000; "opus/48000/2" also codec_params "2".
void apply_rtpmap(SsrcView& view, std::string_view rtpmap);

}  // namespace rtpe::mqtt
