#include <gtest/gtest.h>

#include <map>
#include <string>

#include "daemon/call/cdr.hpp"
#include "daemon/call/load_limits.hpp"

namespace rtpe::call {

namespace {

std::map<std::string, std::string> fields(const std::string& cdr) {
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (start < cdr.size()) {
        const std::size_t end = cdr.find(", ", start);
        const std::string pair = cdr.substr(start, end - start);
        const std::size_t eq = pair.find('=');
        out[pair.substr(0, eq)] = pair.substr(eq + 1);
        start = end + 2;
    }
    return out;
}

}  // namespace

TEST(LoadLimits, SessionsCountOnlyWhenLimited) {
    LoadLimits unlimited({});
    EXPECT_EQ(unlimited.refusal(100000), nullptr);
    LoadLimits two({2, 0, 0, 0});
    EXPECT_EQ(two.refusal(1), nullptr);
    EXPECT_STREQ(two.refusal(2), "Parallel session limit reached");
    two.settings().max_sessions = 0;
    EXPECT_STREQ(two.refusal(0), "Parallel session limit reached");
}

TEST(LoadLimits, BandwidthIsTheGrowthPerSample) {
    LoadLimits limits({-1, 0, 0, 1000});
    limits.sample(5000);  // the first sample only sets the base
    EXPECT_EQ(limits.refusal(0), nullptr);
    limits.sample(5999);
    EXPECT_EQ(limits.refusal(0), nullptr);
    limits.sample(7000);
    EXPECT_STREQ(limits.refusal(0), "Bandwidth limit exceeded");
    limits.sample(7000);
    EXPECT_EQ(limits.refusal(0), nullptr);
}

TEST(LoadLimits, AnyNonZeroLoadLimitIsCompared) {
    LoadLimits limits({-1, -100, 0, 0});
    EXPECT_STREQ(limits.refusal(0), "Load limit exceeded");
    limits.settings().max_load_centi = 0;
    EXPECT_EQ(limits.refusal(0), nullptr);
}

TEST(Cdr, UpstreamLayoutPerParticipant) {
    Call call("cid");
    call.created_from = "127.0.0.1:5060";
    call.last_signal = 1700000001;
    Participant& a = call.add("A");
    Participant& b = call.add("B");
    a.peer = &b;
    b.peer = &a;
    a.created = 1700000000;
    a.created_us = 900000;
    b.created = 1700000000;
    b.created_us = 0;
    const std::string cdr = format_cdr(call, "REGULAR", timeval{1700000002, 100000});
    EXPECT_EQ(cdr.rfind("ci=cid, created_from=127.0.0.1:5060, last_signal=1700000001, tos=0, ml0_start_time="
                        "1700000000.900000, ml0_end_time=1700000002.100000, ml0_duration=1.200000, ",
                        0),
              0u)
        << cdr;
    auto f = fields(cdr);
    EXPECT_EQ(f["ml0_termination"], "REGULAR");
    EXPECT_EQ(f["ml0_local_tag_type"], "FROM_TAG");
    EXPECT_EQ(f["ml1_local_tag"], "B");
    EXPECT_EQ(f["ml1_local_tag_type"], "TO_TAG");
    EXPECT_EQ(f["ml1_remote_tag"], "A");
    EXPECT_EQ(f["ml1_duration"], "2.100000");
    EXPECT_EQ(cdr.substr(cdr.size() - 2), ", ");
}

}  // namespace rtpe::call
