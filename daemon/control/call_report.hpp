#pragma once
// A call as query and delete replies show it, in upstream's structure.

#include "bencode/value.hpp"
#include "daemon/call/call.hpp"

namespace rtpe::control {

// What a report shows beyond upstream's keys.
enum class ReportDetail {
    upstream,     // exactly upstream's keys (delete replies, which clients compare)
    diagnostics,  // plus each stream's "learning" (query): why media goes where it goes
};

// Fills reply with created, last signal, SSRC, tags and totals. The call must be locked.
void report_call(const call::Call& call, bencode::Value& reply, ReportDetail detail = ReportDetail::upstream);

}  // namespace rtpe::control
