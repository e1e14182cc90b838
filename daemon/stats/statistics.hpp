#pragma once
// The one place the daemon's statistics are folded: sessions, what ended calls relayed
// and why they ended, rates, and ng commands per client. The CLI, the ng "statistics"
// command and Graphite all read from here. Control thread only, like the call service.

#include <array>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <map>
#include <string>
#include <string_view>

#include "daemon/call/call.hpp"
#include "daemon/call/call_registry.hpp"

namespace rtpe::stats {

// Why a call ended; each reason has its own counter in upstream's statistics.
enum class EndReason { regular, forced, timeout, silent_timeout, final_timeout, offer_timeout };
inline constexpr std::size_t kEndReasonCount = 6;

// Upstream's ng commands in its order, with the names its statistics use for them.
struct NgCommandName {
    std::string_view command;  // as sent, also the Graphite and intervalstatistics name
    std::string_view short_name;  // controlstatistics keys: "<short>count", "<short>duration"
};
inline constexpr std::array<NgCommandName, 24> kNgCommands = {{
    {"ping", "ping"}, {"offer", "offer"}, {"answer", "answer"}, {"delete", "delete"},
    {"query", "query"}, {"list", "list"}, {"start recording", "startrec"}, {"stop recording", "stoprec"},
    {"start forwarding", "startfwd"}, {"stop forwarding", "stopfwd"}, {"block DTMF", "blkdtmf"},
    {"unblock DTMF", "unblkdtmf"}, {"block media", "blkmedia"}, {"unblock media", "unblkmedia"},
    {"play media", "playmedia"}, {"stop media", "stopmedia"}, {"play DTMF", "playdtmf"},
    {"statistics", "stats"}, {"silence media", "slnmedia"}, {"unsilence media", "unslnmedia"},
    {"publish", "pub"}, {"subscribe request", "subreq"}, {"subscribe answer", "subans"},
    {"unsubscribe", "unsub"},
}};

struct Relayed {
    uint64_t packets = 0, bytes = 0, errors = 0;
    Relayed& operator+=(const Relayed& o) {
        packets += o.packets;
        bytes += o.bytes;
        errors += o.errors;
        return *this;
    }
};

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
    double average_duration() const { return calls ? duration / static_cast<double>(calls) : 0; }
    double duration_stddev() const {
        const double average = average_duration();
        const double variance = calls ? duration_squared / static_cast<double>(calls) - average * average : 0;
        return variance > 0 ? std::sqrt(variance) : 0;
    }
    // Per media line, by what its two RTP streams received: nothing either way, or one way only.
    uint64_t streams_without_packets = 0, one_way_streams = 0;
};

// Per ng command over one Graphite interval.
struct CommandInterval {
    uint64_t count = 0;
    double seconds = 0, min_seconds = 0, max_seconds = 0;
    uint64_t this_second = 0, min_per_second = 0, max_per_second = 0;
    bool seen_second = false;
};

// Sessions and streams running now, read from the calls.
struct Current {
    uint64_t sessions = 0, media_streams = 0, v4 = 0, v6 = 0, mixed = 0;
    Relayed relayed;  // by the running calls so far
};

class Statistics {
public:
    explicit Statistics(call::CallRegistry& registry);

    // The call is locked and about to release its media.
    void call_ended(const call::Call& call, EndReason reason);
    // One ng request from proxy that named a command, after its reply was built.
    void ng_command(const std::string& proxy, std::string_view command, double seconds, bool error);
    // An offer for a new call that a limit refused.
    void session_rejected() { ++rejected_; }
    uint64_t rejected() const { return rejected_; }
    // The control thread's 1 s timer: samples the rates.
    void tick();
    // Starts a new Graphite interval; the one that ended stays readable as last_interval().
    void close_interval();

    Current current() const;
    const EndedCalls& ended() const { return ended_; }
    // What ended and running calls relayed together.
    Relayed relayed_total(const Current& current) const;
    const Relayed& rates() const { return rates_; }
    std::time_t uptime() const { return std::time(nullptr) - started_; }
    const std::map<std::string, ProxyCounts, std::less<>>& proxies() const { return proxies_; }

    struct Interval {
        std::array<CommandInterval, kNgCommands.size()> commands{};
        uint64_t min_sessions = 0, max_sessions = 0;
        bool sessions_seen = false;
        EndedCalls ended;  // at the interval's start, to take differences from
        Relayed relayed;   // total at the interval's start
        int seconds = 0;
    };
    const Interval& interval() const { return interval_; }
    // The interval last closed (reported to Graphite), and the duration of the calls that
    // ended in it; all zero until one was.
    const Interval& last_interval() const { return last_interval_; }
    double last_interval_duration() const { return last_interval_duration_; }

private:
    call::CallRegistry& registry_;
    std::time_t started_;
    EndedCalls ended_;
    Relayed last_sample_;
    Relayed rates_;
    std::map<std::string, ProxyCounts, std::less<>> proxies_;
    Interval interval_;
    Interval last_interval_;
    double last_interval_duration_ = 0;
    uint64_t rejected_ = 0;
};

// Index into kNgCommands, or kNgCommands.size() for a command upstream does not know.
std::size_t ng_command_index(std::string_view command);

}  // namespace rtpe::stats
