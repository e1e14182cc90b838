#include "daemon/stats/prometheus.hpp"

#include <algorithm>
#include <vector>

#include "daemon/stats/catalog.hpp"

namespace rtpe::stats {

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

// One family at a time, in the order of the catalog rows they first appear on, so that
// each family's samples stay together under its HELP and TYPE lines as the format
// requires; a family without samples (no clients yet) is left out.
std::string prometheus_metrics(const Statistics& stats, const media::LocalInterfaces& interfaces) {
    const Figures f = sample_figures(stats, interfaces);
    std::vector<std::string_view> families;
    for (const Row& row : catalog())
        if (!row.prom.empty() && std::find(families.begin(), families.end(), row.prom) == families.end())
            families.push_back(row.prom);
    std::string out;
    for (const std::string_view family : families) {
        const Row* first = nullptr;
        std::string samples;
        const std::string name = "rtpengine_" + std::string(family);
        for (const Row& row : catalog()) {
            if (row.prom != family)
                continue;
            if (!first)
                first = &row;
            for (const At& at : instances_of(row.scope, f)) {
                samples += name;
                if (!row.prom_labels.empty())
                    samples += "{" + expand(row.prom_labels, f, at, true) + "}";
                samples += " " + format_value(row, row.value(f, at)) + "\n";
            }
        }
        if (samples.empty())
            continue;
        out += "# HELP " + name + " " + std::string(first->help) + "\n";
        out += "# TYPE " + name + " " + (first->kind == Kind::counter ? "counter" : "gauge") + "\n";
        out += samples;
    }
    return out;
}

}  // namespace rtpe::stats
