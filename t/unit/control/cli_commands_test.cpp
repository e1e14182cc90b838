#include "daemon/control/cli_commands.hpp"

#include <gtest/gtest.h>

namespace rtpe::control {

namespace {
using Args = std::vector<std::string_view>;

// Echoes the words a handler was given, to see how the line was split.
CliCommandTable::Handler echo(std::string name) {
    return [name](const Args& args, std::string& out) {
        out += name;
        for (auto a : args)
            out += "|" + std::string(a);
    };
}
}  // namespace

TEST(CliSplitWords, SpacesAndTabsSeparate) {
    EXPECT_EQ(split_words("  list \t sessions  all "), (Args{"list", "sessions", "all"}));
    EXPECT_TRUE(split_words("").empty());
    EXPECT_TRUE(split_words(" \t ").empty());
}

TEST(CliCommandTable, LongestRegisteredPathGetsTheRest) {
    CliCommandTable table;
    table.add("list sessions", echo("sessions"));
    table.add("terminate", echo("terminate"));
    EXPECT_EQ(table.dispatch("list sessions all"), "sessions|all");
    EXPECT_EQ(table.dispatch("list  sessions"), "sessions");
    EXPECT_EQ(table.dispatch("terminate call 1"), "terminate|call|1");
}

TEST(CliCommandTable, IncompleteAndUnknownInUpstreamWords) {
    CliCommandTable table;
    table.add("list timeout", echo("timeout"));
    EXPECT_EQ(table.dispatch("list"), "More parameters required.\n");
    EXPECT_EQ(table.dispatch(""), "More parameters required.\n");
    EXPECT_EQ(table.dispatch("list foo  bar "), "Unknown or incomplete command::foo  bar\n");
    EXPECT_EQ(table.dispatch("LIST timeout"), "Unknown or incomplete command::LIST timeout\n");
}

}  // namespace rtpe::control
