#include "daemon/options.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <set>
#include <tuple>
#include <string>
#include <vector>

namespace rtpe {

namespace {

class TempConfig {
public:
    explicit TempConfig(const std::string& text) {
        char name[] = "/tmp/rtpe-options-XXXXXX";
        const int fd = mkstemp(name);
        close(fd);
        path_ = name;
        std::ofstream(path_) << text;
    }
    ~TempConfig() { std::remove(path_.c_str()); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

DaemonOptions load(const std::vector<std::string>& args) {
    std::vector<std::string> storage{"rtpengine"};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : storage)
        argv.push_back(s.data());
    argv.push_back(nullptr);
    return load_daemon_options(static_cast<int>(storage.size()), argv.data());
}

std::string error_of(const std::vector<std::string>& args) {
    try {
        load(args);
    } catch (const config::ConfigError& e) {
        return e.what();
    }
    return "<no error>";
}

}  // namespace

TEST(DaemonOptions, DefaultsMatchUpstream) {
    auto o = load({"--config-file=none", "-i", "127.0.0.1", "-n", "2223"});
    EXPECT_EQ(o.table, 0);
    EXPECT_FALSE(o.no_fallback);
    EXPECT_EQ(o.port_min, 30000);
    EXPECT_EQ(o.port_max, 40000);
    EXPECT_EQ(o.timeout, 60);
    EXPECT_EQ(o.silent_timeout, 3600);
    EXPECT_EQ(o.final_timeout, 0);
    EXPECT_EQ(o.offer_timeout, 3600);
    EXPECT_EQ(o.delete_delay, 30);
    EXPECT_EQ(o.log_level, 6);
    EXPECT_EQ(o.log_facility, "daemon");
    EXPECT_FALSE(o.foreground);
    EXPECT_TRUE(o.log_timestamps);
}

TEST(DaemonOptions, ShortAndLongForms) {
    auto o = load({"--config-file=none", "-i", "a/127.0.0.1", "--interface=b/::1", "-n", "127.0.0.1:2223",
                   "--listen-ng=[::1]:2224", "-t", "-1", "-m", "2000", "-M", "3000", "-f", "-E", "-L", "7",
                   "-p", "/run/x.pid", "-d", "5", "-o", "10", "-s", "20", "-a", "30", "--offer-timeout=40",
                   "--num-threads=3", "--thread-stack=4096", "--no-log-timestamps", "--log-format=parsable",
                   "--log-facility=local3", "--log-level-control=7", "-F"});
    ASSERT_EQ(o.interfaces.size(), 2u);
    EXPECT_EQ(o.interfaces[0].name, "a");
    EXPECT_TRUE(o.interfaces[1].local.is_v6());
    ASSERT_EQ(o.listen_ng.size(), 2u);
    EXPECT_EQ(o.listen_ng[1].addresses.at(0).to_string(), "[::1]:2224");
    EXPECT_EQ(o.table, -1);
    EXPECT_TRUE(o.no_fallback);
    EXPECT_EQ(o.port_min, 2000);
    EXPECT_EQ(o.port_max, 3000);
    EXPECT_TRUE(o.foreground);
    EXPECT_TRUE(o.log_stderr);
    EXPECT_EQ(o.log_level, 7);
    EXPECT_EQ(o.pidfile, "/run/x.pid");
    EXPECT_EQ(o.delete_delay, 5);
    EXPECT_EQ(o.timeout, 10);
    EXPECT_EQ(o.silent_timeout, 20);
    EXPECT_EQ(o.final_timeout, 30);
    EXPECT_EQ(o.offer_timeout, 40);
    EXPECT_EQ(o.num_threads, 3);
    EXPECT_EQ(o.thread_stack_kb, 4096);
    EXPECT_FALSE(o.log_timestamps);
    EXPECT_EQ(o.log_format, log::Format::parsable);
    EXPECT_EQ(o.log_facility, "local3");
    EXPECT_EQ(o.subsystem_log_levels[static_cast<std::size_t>(log::Subsystem::control)], 7);
    EXPECT_EQ(o.subsystem_log_levels[static_cast<std::size_t>(log::Subsystem::core)], DaemonOptions::kUnsetLevel);
}

TEST(DaemonOptions, ConfigFileWithListsAndFlags) {
    TempConfig cfg(
        "[rtpengine]\n"
        "interface = int/127.0.0.1;ext/127.0.0.2!192.0.2.1\n"
        "listen-ng = 127.0.0.1:2223; [::1]:2223\n"
        "foreground = true\n"
        "log-stderr = false\n"
        "port-min = 10000\n"
        "[other]\n"
        "interface = 10.0.0.1\n"
        "listen-ng = 1\n");
    auto o = load({"--config-file=" + cfg.path()});
    ASSERT_EQ(o.interfaces.size(), 2u);
    EXPECT_EQ(o.interfaces[1].advertised.to_string(), "192.0.2.1");
    ASSERT_EQ(o.listen_ng.size(), 2u);
    EXPECT_TRUE(o.foreground);
    EXPECT_FALSE(o.log_stderr);
    EXPECT_EQ(o.port_min, 10000);
    EXPECT_EQ(o.config_file, cfg.path());
    EXPECT_EQ(o.config_section, "rtpengine");

    auto other = load({"--config-file=" + cfg.path(), "--config-section=other"});
    ASSERT_EQ(other.interfaces.size(), 1u);
    EXPECT_EQ(other.interfaces[0].local.to_string(), "10.0.0.1");
}

TEST(DaemonOptions, CommandLineWins) {
    TempConfig cfg(
        "[rtpengine]\ninterface = 127.0.0.1;127.0.0.2\nlisten-ng = 2223\nport-min = 10000\ntimeout = 5\n");
    auto o = load({"--config-file=" + cfg.path(), "--port-min=20000", "-i", "127.0.0.9"});
    EXPECT_EQ(o.port_min, 20000);
    EXPECT_EQ(o.timeout, 5);
    // A repeatable option given on the command line replaces the file's list.
    ASSERT_EQ(o.interfaces.size(), 1u);
    EXPECT_EQ(o.interfaces[0].local.to_string(), "127.0.0.9");
}

TEST(DaemonOptions, BadValuesNameOptionAndValue) {
    const std::initializer_list<std::string> base = {"--config-file=none", "-i", "127.0.0.1", "-n", "2223"};
    auto with = [&](std::string extra) {
        std::vector<std::string> args(base);
        args.push_back(std::move(extra));
        return error_of(args);
    };
    for (auto [arg, option, value] : std::initializer_list<std::tuple<const char*, const char*, const char*>>{
             {"--port-min=x", "port-min", "x"},
             {"--port-max=0", "port-max", "0"},
             {"--table=-2", "table", "-2"},
             {"--log-level=8", "log-level", "8"},
             {"--log-level-ice=9", "log-level-ice", "9"},
             {"--timeout=1e3", "timeout", "1e3"},
             {"--log-facility=locl0", "log-facility", "locl0"},
             {"--listen-ng=1.2.3.4:70000", "listen-ng", "1.2.3.4:70000"},
             {"--interface=1.2.3.4!::1", "interface", "1.2.3.4!::1"},
             {"--control-tos=256", "control-tos", "256"},
             {"--xmlrpc-format=3", "xmlrpc-format", "3"},
             {"--b2b-url=ftp://sbc/", "b2b-url", "ftp://sbc/"},
             {"--b2b-url=http://:80/", "b2b-url", "http://:80/"},
         }) {
        const std::string err = with(arg);
        EXPECT_NE(err.find(option), std::string::npos) << arg << ": " << err;
        EXPECT_NE(err.find(value), std::string::npos) << arg << ": " << err;
    }
}

TEST(DaemonOptions, UnsupportedAndMissing) {
    EXPECT_EQ(error_of({"--config-file=none", "-i", "127.0.0.1", "-n", "2223", "--max-log-line-length=184"}),
              "option --max-log-line-length is not supported yet");
    EXPECT_EQ(error_of({"--config-file=none", "-i", "127.0.0.1", "-n", "2223", "-S"}),
              "option --save-interface-ports is not supported yet");
    EXPECT_NE(error_of({"--config-file=none", "-n", "2223"}).find("--interface"), std::string::npos);
    EXPECT_NE(error_of({"--config-file=/no/such/file"}).find("/no/such/file"), std::string::npos);
    TempConfig bad_flag("[rtpengine]\nforeground = maybe\n");
    EXPECT_NE(error_of({"--config-file=" + bad_flag.path()}).find("foreground"), std::string::npos);
    TempConfig unsupported("[rtpengine]\ninterface=127.0.0.1\nlisten-ng=2223\nredis = 127.0.0.1:6379/1\n");
    EXPECT_EQ(error_of({"--config-file=" + unsupported.path()}), "option --redis is not supported yet");
}

TEST(DaemonOptions, UnknownConfigKeysAreWarnings) {
    TempConfig cfg("[rtpengine]\ninterface=127.0.0.1\nlisten-ng=2223\nfrobnicate = 1\n");
    std::vector<std::string> storage{"rtpengine", "--config-file=" + cfg.path()};
    std::vector<char*> argv{storage[0].data(), storage[1].data()};
    std::vector<std::string> warnings;
    load_daemon_options(2, argv.data(), &warnings);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("frobnicate"), std::string::npos);
}

TEST(DaemonOptions, VersionNeedsNothingElse) {
    EXPECT_TRUE(load({"-v"}).print_version);
}

TEST(DaemonOptions, EveryOptionHasAUniqueName) {
    DaemonOptions o;
    auto specs = daemon_option_specs(o);
    std::set<std::string> names;
    std::set<char> shorts;
    for (const auto& s : specs) {
        EXPECT_TRUE(names.insert(s.long_name).second) << s.long_name;
        if (s.short_name) {
            EXPECT_TRUE(shorts.insert(s.short_name).second) << s.short_name;
        }
    }
    EXPECT_GE(specs.size(), 139u);
}

TEST(DaemonOptions, LimitsAndCdrFacility) {
    auto d = load({"--config-file=none", "-i", "127.0.0.1", "-n", "2223"});
    EXPECT_EQ(d.max_sessions, -1);
    EXPECT_EQ(d.max_load_centi, 0);
    EXPECT_EQ(d.max_cpu_centi, 0);
    EXPECT_EQ(d.max_bandwidth, 0u);
    EXPECT_EQ(d.log_facility_cdr, "");
    auto o = load({"--config-file=none", "-i", "127.0.0.1", "-n", "2223", "--max-sessions=5", "--max-load=1.239",
                   "--max-cpu=75.5", "--max-bandwidth=1000000", "--log-facility-cdr=local1"});
    EXPECT_EQ(o.max_sessions, 5);
    EXPECT_EQ(o.max_load_centi, 123);  // hundredths, truncated as upstream
    EXPECT_EQ(o.max_cpu_centi, 7550);
    EXPECT_EQ(o.max_bandwidth, 1000000u);
    EXPECT_EQ(o.log_facility_cdr, "local1");
    EXPECT_NE(error_of({"--config-file=none", "--max-sessions=-2"}).find("max-sessions"), std::string::npos);
    EXPECT_NE(error_of({"--config-file=none", "--max-load=x"}).find("max-load"), std::string::npos);
    EXPECT_NE(error_of({"--config-file=none", "--max-bandwidth=-1"}).find("max-bandwidth"), std::string::npos);
    EXPECT_NE(error_of({"--config-file=none", "--log-facility-cdr=nope"}).find("log-facility-cdr"),
              std::string::npos);
}

}  // namespace rtpe
