#include "daemon/stats/prometheus.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "daemon/control/http_server.hpp"
#include "stats/stats_test_util.hpp"

namespace rtpe::stats {

using test::one_interface;

TEST(Prometheus, FamiliesAreContiguousWithHelpAndType) {
    Statistics stats;
    stats.ng_command("10.0.0.1", "offer", 0.5, false);
    stats.ng_command("10.0.0.2", "delete", 0.25, true);
    auto interfaces = one_interface();
    const std::string text = prometheus_metrics(stats, interfaces);

    std::istringstream in(text);
    std::string line, current;
    std::set<std::string> finished;
    std::size_t samples = 0;
    while (std::getline(in, line)) {
        ASSERT_FALSE(line.empty());
        if (line.rfind("# HELP ", 0) == 0) {
            const std::string name = line.substr(7, line.find(' ', 7) - 7);
            EXPECT_EQ(name.rfind("rtpengine_", 0), 0u) << name;
            EXPECT_FALSE(finished.count(name)) << "family " << name << " appears twice";
            if (!current.empty())
                finished.insert(current);
            current = name;
            continue;
        }
        if (line.rfind("# TYPE ", 0) == 0) {
            const std::string rest = line.substr(7);
            EXPECT_EQ(rest.substr(0, current.size()), current);
            const std::string type = rest.substr(current.size() + 1);
            EXPECT_TRUE(type == "gauge" || type == "counter") << line;
            if (type == "counter") {
                EXPECT_EQ(current.substr(current.size() - 6), "_total") << current;
            }
            continue;
        }
        const std::string name = line.substr(0, line.find_first_of("{ "));
        EXPECT_EQ(name, current) << "sample outside its family: " << line;
        ++samples;
    }
    EXPECT_GT(samples, 40u);
    EXPECT_NE(text.find("rtpengine_requests_total{proxy=\"10.0.0.1\",request=\"offer\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("rtpengine_requests_total{proxy=\"10.0.0.2\",request=\"delete\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("rtpengine_errors_total{proxy=\"10.0.0.2\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("rtpengine_request_seconds_total{proxy=\"10.0.0.1\",request=\"offer\"} 0.500000\n"),
              std::string::npos);
    EXPECT_NE(text.find("rtpengine_ports{name=\"default\",address=\"127.0.0.1\"} 10\n"), std::string::npos);
    EXPECT_NE(text.find("rtpengine_ports_used{name=\"default\",address=\"127.0.0.1\"} 0\n"), std::string::npos);
    EXPECT_NE(text.find("rtpengine_sessions{type=\"own\"} 0\n"), std::string::npos);
}

TEST(Prometheus, LabelValuesAreEscaped) {
    EXPECT_EQ(prometheus_label_value("plain"), "plain");
    EXPECT_EQ(prometheus_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(HttpCliPath, DecodesEscapesAndPlus) {
    using control::decode_cli_path;
    EXPECT_EQ(decode_cli_path("list%20numsessions"), "list numsessions");
    EXPECT_EQ(decode_cli_path("list+numsessions"), "list numsessions");
    EXPECT_EQ(decode_cli_path("list numsessions"), "list numsessions");
    EXPECT_EQ(decode_cli_path("a%2Bb%2fc"), "a+b/c");
    EXPECT_EQ(decode_cli_path(""), "");
    EXPECT_EQ(decode_cli_path("bad%2"), std::nullopt);
    EXPECT_EQ(decode_cli_path("bad%"), std::nullopt);
    EXPECT_EQ(decode_cli_path("bad%zz"), std::nullopt);
    EXPECT_EQ(decode_cli_path("nul%00"), std::nullopt);
}

}  // namespace rtpe::stats
