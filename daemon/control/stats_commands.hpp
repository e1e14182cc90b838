#pragma once
// The ng "statistics" command, and the counting of ng commands behind its controlstatistics.

#include "daemon/control/control_thread.hpp"
#include "daemon/media/local_interfaces.hpp"
#include "daemon/stats/statistics.hpp"

namespace rtpe::control {

void add_statistics_commands(ControlThread& control, stats::Statistics& stats,
                             const media::LocalInterfaces& interfaces);

}  // namespace rtpe::control
