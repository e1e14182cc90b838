#pragma once
// The ng commands that act on calls: offer, answer, delete, query, list.

#include "daemon/call/call_service.hpp"
#include "daemon/control/ng_commands.hpp"

namespace rtpe::control {

void add_call_commands(NgCommandTable& table, call::CallService& service);

}  // namespace rtpe::control
