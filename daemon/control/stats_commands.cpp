#include "daemon/control/stats_commands.hpp"

#include "daemon/stats/prometheus.hpp"
#include "daemon/stats/report.hpp"

namespace rtpe::control {

void add_statistics_commands(ControlThread& control, stats::Statistics& stats,
                             const media::LocalInterfaces& interfaces) {
    control.commands().add("statistics", [&stats, &interfaces](const NgRequest&, bencode::Value& reply) {
        reply.set("statistics", stats::ng_statistics(stats, interfaces));
    });
    control.set_metrics([&stats, &interfaces] { return stats::prometheus_metrics(stats, interfaces); });
    // Upstream keys its per-proxy counts by the client's address without the port.
    control.observe_ng([&stats](const net::SocketAddress& sender, std::string_view command, double seconds,
                                bool error) { stats.ng_command(sender.ip().to_string(), command, seconds, error); });
}

}  // namespace rtpe::control
