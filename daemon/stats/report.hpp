#pragma once
// Upstream's statistics document: the ng "statistics" reply and the CLI's "list jsonstats"
// carry the same keys, but ng writes fractions (and the uptime) as strings where the CLI
// writes plain JSON numbers.

#include <string>

#include "bencode/value.hpp"
#include "daemon/media/local_interfaces.hpp"
#include "daemon/stats/statistics.hpp"

namespace rtpe::stats {

bencode::Value ng_statistics(const Statistics& stats, const media::LocalInterfaces& interfaces);
std::string json_statistics(const Statistics& stats, const media::LocalInterfaces& interfaces);

}  // namespace rtpe::stats
