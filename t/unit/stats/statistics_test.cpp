#include "daemon/stats/statistics.hpp"

#include <gtest/gtest.h>

#include "daemon/stats/graphite.hpp"
#include "daemon/stats/report.hpp"
#include "json/json_codec.hpp"
#include "stats/stats_test_util.hpp"

namespace rtpe::stats {

using test::one_interface;

namespace {

// The value of "<prefix><name>" in Graphite lines.
std::string metric(const std::string& lines, const std::string& name) {
    const auto at = lines.find("p." + name + " ");
    if (at == std::string::npos)
        return "missing";
    const auto start = at + name.size() + 3;
    return lines.substr(start, lines.find(' ', start) - start);
}

}  // namespace

TEST(Statistics, CountsCommandsPerProxyAndOnlyUpstreamsCommands) {
    Statistics stats;
    stats.ng_command("10.0.0.1", "offer", 0.5, false);
    stats.ng_command("10.0.0.1", "offer", 0.25, false);
    stats.ng_command("10.0.0.2", "nonsense", 0.1, true);
    ASSERT_EQ(stats.proxies().size(), 2u);
    const auto& first = stats.proxies().at("10.0.0.1");
    EXPECT_EQ(first.commands[ng_command_index("offer")].count, 2u);
    EXPECT_DOUBLE_EQ(first.commands[ng_command_index("offer")].seconds, 0.75);
    EXPECT_EQ(first.errors, 0u);
    EXPECT_EQ(stats.proxies().at("10.0.0.2").errors, 1u);
    EXPECT_EQ(ng_command_index("nonsense"), kNgCommands.size());
}

TEST(Statistics, NgAndJsonCarryTheSameDocument) {
    Statistics stats;
    const auto interfaces = one_interface();
    stats.ng_command("10.0.0.1", "ping", 0.001, false);
    const auto ng = ng_statistics(stats, interfaces);
    const auto json = json::decode(json_statistics(stats, interfaces));
    ASSERT_TRUE(json);
    ASSERT_EQ(json->as_dictionary().size(), ng.as_dictionary().size());
    for (std::size_t i = 0; i < ng.as_dictionary().size(); ++i)
        EXPECT_EQ(json->as_dictionary()[i].first, ng.as_dictionary()[i].first);
    // ng quotes fractions (and the uptime), JSON does not.
    EXPECT_TRUE(ng.find("totalstatistics")->find("avgcallduration")->is_string());
    EXPECT_NE(json_statistics(stats, interfaces).find("\"avgcallduration\":0.000000"), std::string::npos);
    const auto* proxy = &ng.find("controlstatistics")->find("proxies")->as_list().front();
    EXPECT_EQ(*proxy->find_string("proxy"), "10.0.0.1");
    EXPECT_EQ(proxy->find("pingcount")->as_integer(), 1);
    EXPECT_EQ(*proxy->find_string("pingduration"), "0.001000");
    const auto* ports = ng.find("interfaces")->as_list().front().find("ports");
    EXPECT_EQ(ports->find("totals")->as_integer(), 10);
    EXPECT_EQ(ports->find("free")->as_integer(), 10);
}

TEST(Statistics, GraphiteIntervalsStartAfterEachRound) {
    Statistics stats;
    const auto interfaces = one_interface();
    stats.ng_command("10.0.0.1", "offer", 0.5, false);
    stats.tick();
    stats.ng_command("10.0.0.1", "offer", 0.25, false);
    stats.ng_command("10.0.0.1", "offer", 0.75, false);
    stats.tick();
    const std::string first = graphite_lines(stats, interfaces, "p.", 1000);
    EXPECT_NE(first.find("p.offer_time_min 0.250000 1000\n"), std::string::npos) << first;
    EXPECT_EQ(metric(first, "offer_time_max"), "0.750000");
    EXPECT_EQ(metric(first, "offer_time_avg"), "0.500000");
    EXPECT_EQ(metric(first, "offers_ps_min"), "1");
    EXPECT_EQ(metric(first, "offers_ps_max"), "2");
    EXPECT_EQ(metric(first, "offer_count"), "3");
    EXPECT_EQ(metric(first, "ports_free_default_127.0.0.1"), "10");

    stats.tick();
    const std::string second = graphite_lines(stats, interfaces, "p.", 1001);
    EXPECT_EQ(metric(second, "offer_time_max"), "0.000000");
    EXPECT_EQ(metric(second, "offers_ps_max"), "0");
    EXPECT_EQ(metric(second, "offer_count"), "3");  // since startup, as upstream
}

}  // namespace rtpe::stats
