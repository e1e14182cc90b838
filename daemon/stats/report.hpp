#pragma once
// The statistics as upstream reports them, written from the catalog (catalog.hpp): the ng
// "statistics" reply and the CLI's "list jsonstats" carry the same keys, but ng writes
// fractions (and a few integers) as strings where the CLI writes plain JSON numbers; the
// CLI's "list totals" shows the same figures as labelled lines.

#include <string>

#include "bencode/value.hpp"
#include "daemon/media/local_interfaces.hpp"
#include "daemon/stats/statistics.hpp"

namespace rtpe::stats {

bencode::Value ng_statistics(const Statistics& stats, const media::LocalInterfaces& interfaces);
std::string json_statistics(const Statistics& stats, const media::LocalInterfaces& interfaces);
std::string totals_text(const Statistics& stats, const media::LocalInterfaces& interfaces);
// CLI list transcoders: each codec chain kind, how many run, and its last second's rates.
std::string transcoders_text(const Statistics& stats, const media::LocalInterfaces& interfaces);

}  // namespace rtpe::stats
