#include "daemon/stats/prometheus.hpp"

#include <cstdio>
#include <vector>

namespace rtpe::stats {

namespace {

std::string decimal(double value) {
    char text[64];
    std::snprintf(text, sizeof(text), "%.6f", value);
    return text;
}

// Writes one metric family at a time, so that each family's samples stay together
// under its HELP and TYPE lines, as the format requires.
class Family {
public:
    Family(std::string& out, std::string_view name, std::string_view type, std::string_view help)
        : out_(out), name_("rtpengine_") {
        name_ += name;
        out_ += "# HELP " + name_ + " " + std::string(help) + "\n";
        out_ += "# TYPE " + name_ + " " + std::string(type) + "\n";
    }
    // labels: already formatted pairs, e.g. type="own"; empty for none.
    void sample(const std::string& labels, const std::string& value) {
        out_ += name_;
        if (!labels.empty())
            out_ += "{" + labels + "}";
        out_ += " " + value + "\n";
    }
    void sample(const std::string& labels, uint64_t value) { sample(labels, std::to_string(value)); }

private:
    std::string& out_;
    std::string name_;
};

std::string label(std::string_view key, std::string_view value) {
    return std::string(key) + "=\"" + prometheus_label_value(value) + "\"";
}

}  // namespace

std::string prometheus_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string prometheus_metrics(const Statistics& stats, const media::LocalInterfaces& interfaces) {
    std::string out;
    const Current now = stats.current();
    const EndedCalls& ended = stats.ended();
    const Relayed relayed = stats.relayed_total(now);
    auto reason = [&](EndReason r) { return ended.by_reason[static_cast<std::size_t>(r)]; };

    {
        Family f(out, "sessions", "gauge", "Sessions running now, by owner");
        f.sample(label("type", "own"), now.sessions);
        f.sample(label("type", "foreign"), uint64_t{0});
    }
    Family(out, "transcoded_media", "gauge", "Media being transcoded now").sample("", uint64_t{0});
    {
        Family f(out, "mediastreams", "gauge", "Media streams running now, by where they are forwarded");
        f.sample(label("type", "userspace"), now.media_streams);
        f.sample(label("type", "kernel"), uint64_t{0});
        f.sample(label("type", "mixed"), uint64_t{0});
    }
    Family(out, "uptime_seconds", "gauge", "Seconds since the daemon started")
        .sample("", static_cast<uint64_t>(stats.uptime()));
    Family(out, "sessions_total", "counter", "Sessions that have ended since startup").sample("", ended.calls);
    {
        Family f(out, "closed_sessions_total", "counter", "Ended sessions, by why they ended");
        f.sample(label("reason", "timeout"), reason(EndReason::timeout));
        f.sample(label("reason", "silent_timeout"), reason(EndReason::silent_timeout));
        f.sample(label("reason", "final_timeout"), reason(EndReason::final_timeout));
        f.sample(label("reason", "offer_timeout"), reason(EndReason::offer_timeout));
        f.sample(label("reason", "terminated"), reason(EndReason::regular));
        f.sample(label("reason", "force_terminated"), reason(EndReason::forced));
    }
    // Everything is relayed in userspace; the kernel's share is always zero.
    {
        Family f(out, "packets_total", "counter", "Packets relayed, by where they were forwarded");
        f.sample(label("type", "userspace"), relayed.packets);
        f.sample(label("type", "kernel"), uint64_t{0});
    }
    {
        Family f(out, "packet_errors_total", "counter", "Packets that could not be relayed, by where");
        f.sample(label("type", "userspace"), relayed.errors);
        f.sample(label("type", "kernel"), uint64_t{0});
    }
    {
        Family f(out, "bytes_total", "counter", "Bytes relayed, by where they were forwarded");
        f.sample(label("type", "userspace"), relayed.bytes);
        f.sample(label("type", "kernel"), uint64_t{0});
    }
    Family(out, "call_duration_avg", "gauge", "Mean duration of the ended calls, in seconds")
        .sample("", decimal(ended.average_duration()));
    Family(out, "call_duration_total", "counter", "Summed duration of the ended calls, in seconds")
        .sample("", decimal(ended.duration));
    Family(out, "call_duration2_total", "counter", "Summed squares of the ended calls' durations")
        .sample("", decimal(ended.duration_squared));

    // Per control client (address without port) and ng command.
    const auto& proxies = stats.proxies();
    if (!proxies.empty()) {
        {
            Family f(out, "requests_total", "counter", "ng requests handled, by client and command");
            for (const auto& [proxy, counts] : proxies)
                for (std::size_t i = 0; i < kNgCommands.size(); ++i)
                    f.sample(label("proxy", proxy) + "," + label("request", kNgCommands[i].command),
                             counts.commands[i].count);
        }
        {
            Family f(out, "request_seconds_total", "counter",
                     "Time spent handling ng requests, by client and command");
            for (const auto& [proxy, counts] : proxies)
                for (std::size_t i = 0; i < kNgCommands.size(); ++i)
                    f.sample(label("proxy", proxy) + "," + label("request", kNgCommands[i].command),
                             decimal(counts.commands[i].seconds));
        }
        {
            Family f(out, "errors_total", "counter", "ng requests answered with an error, by client");
            for (const auto& [proxy, counts] : proxies)
                f.sample(label("proxy", proxy), counts.errors);
        }
    }

    // Media ports per local address; each allocated pair holds an RTP and an RTCP port.
    const auto& addresses = interfaces.addresses();
    if (!addresses.empty()) {
        struct Ports {
            std::string labels;
            uint64_t used, total;
        };
        std::vector<Ports> ports;
        for (const auto& a : addresses) {
            const auto& pool = *a->ports;
            const uint64_t total = static_cast<uint64_t>(pool.port_max() - pool.port_min() + 1);
            const uint64_t used = static_cast<uint64_t>(pool.used() * 2);
            ports.push_back({label("name", a->interface_name) + "," + label("address", a->local.to_string()),
                             used, total});
        }
        {
            Family f(out, "ports_used", "gauge", "Media ports in use, by local interface address");
            for (const auto& p : ports)
                f.sample(p.labels, p.used);
        }
        {
            Family f(out, "ports_free", "gauge", "Media ports free, by local interface address");
            for (const auto& p : ports)
                f.sample(p.labels, p.total > p.used ? p.total - p.used : 0);
        }
        {
            Family f(out, "ports", "gauge", "Media ports in the range, by local interface address");
            for (const auto& p : ports)
                f.sample(p.labels, p.total);
        }
    }
    return out;
}

}  // namespace rtpe::stats
