#pragma once
// Every statistic the daemon shows, defined once. Each row names one figure and says how
// every output shows it: the ng "statistics" document (also CLI "list jsonstats" and
// MQTT's statistics members), CLI "list totals", Prometheus (/metrics) and Graphite. The
// writers in report.cpp, prometheus.cpp and graphite.cpp only walk this table.
//
// A row with a scope other than global stands for one figure per ng command, per control
// client, per client and command, or per local interface address; its names carry
// placeholders filled in per instance: {cmd} (the command as sent), {short} (its
// controlstatistics name), {title} (its control table column), {proxy}, {name}, {address}.

#include <array>
#include <cstdint>
#include <span>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/media/local_interfaces.hpp"
#include "daemon/stats/statistics.hpp"

namespace rtpe::stats {

// Everything the rows read, sampled once per output.
struct Figures {
    RunningCalls running;
    EndedCalls ended;
    Relayed relayed;          // by ended and running calls
    QualityFigures quality;   // MOS samples of ended and running calls
    Relayed rates;
    uint64_t uptime = 0, rejected = 0;
    Statistics::Interval last;  // the interval last reported to Graphite
    struct Proxy {
        std::string name;
        ProxyCounts counts;
    };
    std::vector<Proxy> proxies;
    std::array<uint64_t, kNgCommands.size()> command_totals{};
    struct Interface {
        std::string name, address;
        uint64_t min = 0, max = 0, used = 0, last = 0;
    };
    std::vector<Interface> interfaces;
    struct Chain {
        std::string name;
        ChainFigures total;                 // transcoders: running now
        std::optional<ChainFigures> rate;   // over the last second, when it carried packets
    };
    std::vector<Chain> chains;  // codec chain kinds, by name
};
Figures sample_figures(const Statistics& stats, const media::LocalInterfaces& interfaces);

// Which instance of a scoped row.
struct At {
    std::size_t command = 0, proxy = 0, interface = 0, chain = 0;
};

struct Value {
    uint64_t integer = 0;
    double real = 0;
    std::string_view text;
};

enum class Section : uint8_t { current, total, interval, mos, control, interfaces, transcoders };
enum class Scope : uint8_t { global, command, proxy, proxy_command, interface, chain };
enum class Kind : uint8_t { counter, gauge };
enum class Format : uint8_t {
    integer,         // a number everywhere
    quoted_integer,  // an integer ng sends as a string
    fraction,        // %.6f, a string over ng
    percent,         // %.2f, a string over ng
    text,            // a string
};
// How list totals shows a row: on a line of its own, appended to the previous row's line
// after a '/', or as a cell of the control table.
enum class TotalsStyle : uint8_t { line, joined, cell };

struct Row {
    Section section;
    Scope scope = Scope::global;
    uint8_t group = 0;  // consecutive command rows of one group repeat together, per command
    // ng / JSON key, '/' nesting it ("ports/min"); under a proxy scope, the first part is
    // the list's name. Empty: not in the document.
    std::string_view key;
    Kind kind = Kind::gauge;
    Format format = Format::integer;
    Value (*value)(const Figures&, const At&) = nullptr;
    std::string_view help;  // Prometheus HELP, of the family the row is the first of
    // list totals: the label (empty: not shown), the text after the value, an empty line after
    std::string_view totals;
    TotalsStyle totals_style = TotalsStyle::line;
    std::string_view unit;
    bool totals_gap = false;
    // Prometheus: metric name without "rtpengine_" (empty: not exported) and labels
    std::string_view prom;
    std::string_view prom_labels;
    // Graphite: name (empty: not sent), its place in Graphite's order, and whether Graphite
    // sends the difference over the interval instead of the figure
    std::string_view graphite;
    uint8_t graphite_order = 0;
    bool graphite_delta = false;
    // Shown only for the instances it holds for (nullptr: always).
    bool (*present)(const Figures&, const At&) = nullptr;
};

std::span<const Row> catalog();

struct SectionInfo {
    Section section;
    std::string_view key;           // ng
    // global: one object; interface / chain: a list of one object per interface / chain kind
    Scope list_scope;
    std::string_view totals_heading;  // list totals; empty: not shown
};
std::span<const SectionInfo> sections();

// The rows of one section, in order.
std::vector<const Row*> rows_of(Section section);

// A row's name pattern for one instance; escape_labels escapes substituted text for
// Prometheus label values.
std::string expand(std::string_view pattern, const Figures& f, const At& at, bool escape_labels = false);

// "%llu", "%.6f", "%.2f" or the text, as list totals, Prometheus and Graphite print it.
std::string format_value(const Row& row, const Value& v);

// The row's value, as Graphite sends it (the difference over the last interval for deltas).
Value graphite_value(const Row& row, const Figures& f, const At& at);

// The instances of a scope, in order; for proxy_command: proxies outer, commands inner.
std::vector<At> instances_of(Scope scope, const Figures& f);

}  // namespace rtpe::stats
