#include "daemon/stats/catalog.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "daemon/stats/graphite.hpp"
#include "daemon/stats/prometheus.hpp"
#include "daemon/stats/report.hpp"
#include "json/json_codec.hpp"
#include "stats/stats_test_util.hpp"

namespace rtpe::stats {

using test::one_interface;

namespace {

// Statistics with one client that sent two commands, one ended call with MOS samples and
// one refused offer: every scope has at least one instance.
Statistics busy() {
    Statistics stats([] {
        RunningCalls r;
        r.sessions = 1;
        r.media_streams = 1;
        r.v4 = 1;
        return r;
    });
    stats.ng_command("10.0.0.1", "offer", 0.5, false);
    stats.ng_command("10.0.0.1", "delete", 0.25, true);
    EndedCallSample call;
    call.duration = 2;
    call.relayed = {10, 1720, 0};
    call.one_way_streams = 1;
    call.quality.samples = 2;
    call.quality.mos_x10 = 43 + 41;
    call.quality.mos_x10_squared = 43 * 43 + 41 * 41;
    stats.call_ended(call);
    stats.session_rejected();
    stats.tick();
    return stats;
}

// Where an ng key of a row sits, for one instance: the path of dictionary keys, with
// "[i]" for list elements.
const bencode::Value* at_path(const bencode::Value& doc, const std::vector<std::string>& path) {
    const bencode::Value* v = &doc;
    for (const auto& part : path) {
        if (!v)
            return nullptr;
        if (part.front() == '[') {
            const std::size_t i = std::stoul(part.substr(1));
            if (!v->is_list() || i >= v->as_list().size())
                return nullptr;
            v = &v->as_list()[i];
        } else {
            v = v->find(part);
        }
    }
    return v;
}

std::vector<std::string> ng_path(const Row& row, const Figures& f, const At& at) {
    std::vector<std::string> path;
    for (const auto& s : sections())
        if (s.section == row.section) {
            path.emplace_back(s.key);
            if (s.list_scope == Scope::interface)
                path.push_back("[" + std::to_string(at.interface) + "]");
            else if (s.list_scope == Scope::chain)
                path.push_back("[" + std::to_string(at.chain) + "]");
        }
    std::string key = expand(row.key, f, at);
    for (std::size_t slash; (slash = key.find('/')) != std::string::npos;) {
        path.push_back(key.substr(0, slash));
        if (row.scope == Scope::proxy || row.scope == Scope::proxy_command)
            path.push_back("[" + std::to_string(at.proxy) + "]");
        key = key.substr(slash + 1);
    }
    path.push_back(key);
    return path;
}

}  // namespace

TEST(Catalog, EveryRowShowsSomewhereAndSectionsFollowEachOther) {
    std::set<Section> seen;
    Section previous = Section::current;
    for (const Row& row : catalog()) {
        EXPECT_TRUE(!row.key.empty() || !row.totals.empty() || !row.prom.empty() || !row.graphite.empty())
            << "a row no output shows";
        EXPECT_NE(row.value, nullptr);
        // The writers take a section's rows in table order: a section's rows are contiguous.
        if (row.section != previous) {
            EXPECT_FALSE(seen.count(row.section)) << "section split: " << row.key;
        }
        seen.insert(row.section);
        previous = row.section;
        if (!row.prom.empty() && row.prom.size() > 6 && row.prom.substr(row.prom.size() - 6) == "_total") {
            EXPECT_EQ(row.kind, Kind::counter) << row.prom;
        }
    }
}

TEST(Catalog, NoNameTwiceInAnyOutput) {
    const auto interfaces = one_interface();
    const Statistics stats = busy();
    const Figures f = sample_figures(stats, interfaces);
    std::set<std::string> ng, totals, prom, graphite;
    for (const Row& row : catalog())
        for (const At& at : instances_of(row.scope, f)) {
            if (!row.key.empty()) {
                std::string path;
                for (const auto& part : ng_path(row, f, at))
                    path += "/" + part;
                EXPECT_TRUE(ng.insert(path).second) << path;
            }
            if (!row.totals.empty() && row.totals_style == TotalsStyle::line) {
                const std::string label = std::to_string(static_cast<int>(row.section)) + expand(row.totals, f, at);
                EXPECT_TRUE(totals.insert(label).second) << label;
            }
            if (!row.prom.empty()) {
                const std::string sample = std::string(row.prom) + "{" + expand(row.prom_labels, f, at) + "}";
                EXPECT_TRUE(prom.insert(sample).second) << sample;
            }
            if (!row.graphite.empty()) {
                const std::string name = expand(row.graphite, f, at);
                EXPECT_TRUE(graphite.insert(name).second) << name;
            }
        }
    EXPECT_GT(ng.size(), 250u);
}

TEST(Catalog, EveryRowIsInEveryOutputItClaims) {
    const auto interfaces = one_interface();
    Statistics stats = busy();
    const Figures f = sample_figures(stats, interfaces);
    const bencode::Value ng = ng_statistics(stats, interfaces);
    const auto json = json::decode(json_statistics(stats, interfaces));
    ASSERT_TRUE(json);
    const std::string totals = totals_text(stats, interfaces);
    const std::string metrics = prometheus_metrics(stats, interfaces);
    const std::string lines = graphite_lines(stats, interfaces, "p.", 1000);
    for (const Row& row : catalog())
        for (const At& at : instances_of(row.scope, f)) {
            const std::string value = format_value(row, row.value(f, at));
            if (!row.key.empty()) {
                const auto path = ng_path(row, f, at);
                const bencode::Value* v = at_path(ng, path);
                ASSERT_NE(v, nullptr) << path.back();
                if (row.format == Format::integer) {
                    EXPECT_EQ(v->as_integer(), static_cast<int64_t>(row.value(f, at).integer)) << path.back();
                } else if (row.key != "uptime") {
                    EXPECT_EQ(v->as_string(), value) << path.back();
                }
                EXPECT_NE(at_path(*json, path), nullptr) << path.back();
            }
            if (row.totals_style == TotalsStyle::line && !row.totals.empty()) {
                char label[128];
                std::snprintf(label, sizeof(label), " %-48s:", expand(row.totals, f, at).c_str());
                EXPECT_NE(totals.find(label), std::string::npos) << label;
            }
            if (row.totals_style == TotalsStyle::cell) {
                EXPECT_NE(totals.find(expand(row.totals, f, at)), std::string::npos) << row.totals;
            }
            if (!row.prom.empty()) {
                std::string sample = "rtpengine_" + std::string(row.prom);
                if (!row.prom_labels.empty())
                    sample += "{" + expand(row.prom_labels, f, at, true) + "}";
                EXPECT_NE(metrics.find("\n" + sample + " " + value + "\n"), std::string::npos) << sample;
            }
            if (!row.graphite.empty()) {
                EXPECT_NE(lines.find("p." + expand(row.graphite, f, at) + " "), std::string::npos) << row.graphite;
            }
        }
}

TEST(Catalog, FilledGapsCarryTheirValues) {
    const auto interfaces = one_interface();
    Statistics stats = busy();
    const bencode::Value ng = ng_statistics(stats, interfaces);
    const auto* totals = ng.find("totalstatistics");
    EXPECT_EQ(totals->find("rejectedsessions")->as_integer(), 1);
    EXPECT_EQ(totals->find("onewaystreams")->as_integer(), 1);
    EXPECT_EQ(totals->find("zerowaystreams")->as_integer(), 0);
    const auto* mos = ng.find("mos");
    EXPECT_EQ(*mos->find_string("mos_total"), "8.400000");
    EXPECT_EQ(*mos->find_string("mos2_total"), "35.300000");
    EXPECT_EQ(mos->find("mos_samples_total")->as_integer(), 2);
    EXPECT_EQ(*mos->find_string("mos_average"), "4.200000");
    EXPECT_EQ(*mos->find_string("mos_stddev"), "0.100000");
    // Zeros until Graphite reported an interval, then that interval.
    const auto* interval = ng.find("intervalstatistics");
    EXPECT_EQ(*interval->find_string("maxofferdelay"), "0.000000");
    EXPECT_EQ(*interval->find_string("maxofferrequestrate"), "0");
    graphite_lines(stats, interfaces, "p.", 1000);
    const bencode::Value after = ng_statistics(stats, interfaces);
    interval = after.find("intervalstatistics");
    EXPECT_EQ(*interval->find_string("maxofferdelay"), "0.500000");
    EXPECT_EQ(*interval->find_string("maxofferrequestrate"), "1");
    EXPECT_EQ(interval->find("maxmanagedsessions")->as_integer(), 1);
    EXPECT_EQ(*interval->find_string("totalcallsduration"), "2.000000");
    EXPECT_NE(totals_text(stats, interfaces).find(" Min/Max/Avg offer processing delay              "
                                                  ":0.500000/0.500000/0.500000 sec\n"),
              std::string::npos);
    const std::string metrics = prometheus_metrics(stats, interfaces);
    EXPECT_NE(metrics.find("rtpengine_closed_sessions_total{reason=\"rejected\"} 1\n"), std::string::npos);
    EXPECT_NE(metrics.find("rtpengine_mos_samples_total 2\n"), std::string::npos);
}

}  // namespace rtpe::stats
