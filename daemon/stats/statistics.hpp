#pragma once
// The one place the daemon's statistics are folded: sessions, what ended calls relayed
// and why they ended, rates, and ng commands per client. Fed with plain samples (see
// samples.hpp); what the outputs show of it is defined once, in catalog.hpp. Control
// thread only, like the call service.

#include <array>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "daemon/stats/samples.hpp"

namespace rtpe::stats {

// Upstream's ng commands in its order: the name as sent (also the Graphite, Prometheus and
// intervalstatistics name) and the control table's column title, whose lower case is the
// controlstatistics name ("<short>count", "<short>duration").
struct NgCommandName {
    std::string_view command;
    std::string_view title;
};
inline constexpr std::array<NgCommandName, 24> kNgCommands = {{
    {"ping", "Ping"}, {"offer", "Offer"}, {"answer", "Answer"}, {"delete", "Delete"},
    {"query", "Query"}, {"list", "List"}, {"start recording", "StartRec"}, {"stop recording", "StopRec"},
    {"start forwarding", "StartFwd"}, {"stop forwarding", "StopFwd"}, {"block DTMF", "BlkDTMF"},
    {"unblock DTMF", "UnblkDTMF"}, {"block media", "BlkMedia"}, {"unblock media", "UnblkMedia"},
    {"play media", "PlayMedia"}, {"stop media", "StopMedia"}, {"play DTMF", "PlayDTMF"},
    {"statistics", "Stats"}, {"silence media", "SlnMedia"}, {"unsilence media", "UnslnMedia"},
    {"publish", "Pub"}, {"subscribe request", "SubReq"}, {"subscribe answer", "SubAns"},
    {"unsubscribe", "Unsub"},
}};

struct CommandCount {
    uint64_t count = 0;
    double seconds = 0;
};

struct ProxyCounts {
    std::array<CommandCount, kNgCommands.size()> commands{};
    uint64_t errors = 0;
};

// Calls that ended, cumulative.
struct EndedCalls {
    uint64_t calls = 0;
    std::array<uint64_t, kEndReasonCount> by_reason{};
    Relayed relayed;
    double duration = 0, duration_squared = 0;  // seconds, for average and deviation
    uint64_t streams_without_packets = 0, one_way_streams = 0;
    QualityFigures quality;
    Chains chains;
    uint64_t reason(EndReason r) const { return by_reason[static_cast<std::size_t>(r)]; }
    double average_duration() const { return calls ? duration / static_cast<double>(calls) : 0; }
    double duration_stddev() const {
        const double average = average_duration();
        const double variance = calls ? duration_squared / static_cast<double>(calls) - average * average : 0;
        return variance > 0 ? std::sqrt(variance) : 0;
    }
};

// Per ng command over one Graphite interval.
struct CommandInterval {
    uint64_t count = 0;
    double seconds = 0, min_seconds = 0, max_seconds = 0;
    uint64_t this_second = 0, min_per_second = 0, max_per_second = 0;
    bool seen_second = false;
};

class Statistics {
public:
    // running: what the calls running now amount to (main.cpp hands in the call layer's).
    using RunningSource = std::function<RunningCalls()>;
    explicit Statistics(RunningSource running = {});

    // A call ended.
    void call_ended(const EndedCallSample& call);
    // One ng request from proxy that named a command, after its reply was built.
    void ng_command(const std::string& proxy, std::string_view command, double seconds, bool error);
    // An offer for a new call that a limit refused.
    void session_rejected() { ++rejected_; }
    uint64_t rejected() const { return rejected_; }
    // The control thread's 1 s timer: samples the rates.
    void tick();
    // Ends the Graphite interval under way, which becomes last_interval(), and starts the next.
    void close_interval();

    RunningCalls running() const { return running_ ? running_() : RunningCalls{}; }
    const EndedCalls& ended() const { return ended_; }
    // What ended and running calls relayed together.
    Relayed relayed_total(const RunningCalls& running) const;
    const Relayed& rates() const { return rates_; }
    // Every codec chain kind seen, ended and running calls together.
    Chains chains_total(const RunningCalls& running) const;
    // Per chain kind, what went through it over the last second (only those it had some).
    const Chains& chain_rates() const { return chain_rates_; }
    std::time_t uptime() const { return std::time(nullptr) - started_; }
    const std::map<std::string, ProxyCounts, std::less<>>& proxies() const { return proxies_; }

    struct Interval {
        std::array<CommandInterval, kNgCommands.size()> commands{};
        uint64_t min_sessions = 0, max_sessions = 0;
        bool sessions_seen = false;
        int seconds = 0;
        // The totals when the interval started and (once closed) ended, for differences.
        EndedCalls ended_at_start, ended_at_end;
        Relayed relayed_at_start, relayed_at_end;
    };
    const Interval& interval() const { return interval_; }
    // The interval last closed (reported to Graphite); all zero until one was.
    const Interval& last_interval() const { return last_interval_; }

private:
    RunningSource running_;
    std::time_t started_;
    EndedCalls ended_;
    Relayed last_sample_;
    Relayed rates_;
    Chains chain_rates_, last_chains_;
    std::map<std::string, ProxyCounts, std::less<>> proxies_;
    Interval interval_;
    Interval last_interval_;
    uint64_t rejected_ = 0;
};

// Index into kNgCommands, or kNgCommands.size() for a command upstream does not know.
std::size_t ng_command_index(std::string_view command);

}  // namespace rtpe::stats
