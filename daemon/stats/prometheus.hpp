#pragma once
// GET /metrics: the statistics in Prometheus' text exposition format (version 0.0.4), with
// upstream's metric names, types and labels (all prefixed rtpengine_). Read from the same
// Statistics as "list jsonstats", on the control thread.

#include <string>
#include <string_view>

#include "daemon/media/local_interfaces.hpp"
#include "daemon/stats/statistics.hpp"

namespace rtpe::stats {

std::string prometheus_metrics(const Statistics& stats, const media::LocalInterfaces& interfaces);

// A label value with backslash, double quote and newline escaped as the format requires.
std::string prometheus_label_value(std::string_view value);

}  // namespace rtpe::stats
