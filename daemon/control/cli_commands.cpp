#include "daemon/control/cli_commands.hpp"

#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <memory>
#include <climits>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "daemon/stats/report.hpp"
#include "util/appendf.hpp"
#include "util/log.hpp"

namespace rtpe::control {

namespace {

// Upstream reads numbers with strtol: leading digits count, anything after them is ignored.
enum class NumberStatus { ok, no_digits, out_of_range };
NumberStatus leading_number(std::string_view text, long long min, long long max, long long& value) {
    std::size_t i = 0;
    bool negative = false;
    if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
        negative = text[0] == '-';
        i = 1;
    }
    if (i >= text.size() || text[i] < '0' || text[i] > '9')
        return NumberStatus::no_digits;
    long long n = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        if (n > (LLONG_MAX - 9) / 10)
            return NumberStatus::out_of_range;
        n = n * 10 + (text[i] - '0');
    }
    value = negative ? -n : n;
    return value < min || value > max ? NumberStatus::out_of_range : NumberStatus::ok;
}

std::string text_of(std::string_view word) {
    return std::string(word);
}

const char* participant_type(const call::Call& call, const call::Participant& p) {
    if (p.tag.empty())
        return "UNKNOWN";
    return &p == call.participants().front().get() ? "FROM_TAG" : "TO_TAG";
}

// never: when no packet came yet, upstream shows the call's creation time.
void describe_port(std::string& out, const call::MediaSide& m, bool rtcp, int64_t never) {
    const uint16_t local_port = static_cast<uint16_t>(m.sockets->rtp_port() + (rtcp ? 1 : 0));
    const net::SocketAddress& remote = rtcp ? m.sdp_rtcp : m.sdp_rtp;
    const std::string remote_ip = m.sdp_filled ? remote.ip().to_string() : "";
    const unsigned remote_port = m.sdp_filled ? remote.port() : 0;
    const auto& counters = (rtcp ? m.rtcp : m.rtp)->counters();
    const int64_t last = counters.last_packet();
    // 0 before any packet, as upstream shows it.
    appendf(out, "-------- Port %15s:%-5u <> %15s:%-5u%s, SSRC %x, %llu p, %llu b, %llu e, %lld ts\n",
            m.sockets->address().local.to_string().c_str(), local_port, remote_ip.c_str(), remote_port,
            rtcp ? " (RTCP)" : "", media::peek(counters.last_ssrc),
            static_cast<unsigned long long>(counters.packets()),
            static_cast<unsigned long long>(counters.bytes()),
            static_cast<unsigned long long>(counters.errors()),
            static_cast<long long>(last ? last : never));
    // Our addition: where endpoint learning stands (docs/cli.md), for one-way audio.
    const media::PacketStream& stream = *(rtcp ? m.rtcp : m.rtp);
    appendf(out, "---------- Learning: %s, %llu candidates, %llu refused sources\n",
            media::learning_state_name(media::peek(stream.learning_state)),
            static_cast<unsigned long long>(media::peek(counters.learning_candidates)),
            static_cast<unsigned long long>(media::peek(counters.refused_sources)));
}

void describe_call(std::string& out, call::Call& call) {
    std::lock_guard lock(call.mutex());
    appendf(out, "\ncallid: %s\ndeletionmark: %s\ncreated: %lld\nproxy: %s\ntos: %u\nlast_signal: %lld\n"
                 "redis_keyspace: 0\nforeign: no\n\n",
            call.id().c_str(), call.delete_at ? "yes" : "no", static_cast<long long>(call.created_s),
            call.created_from.c_str(), static_cast<unsigned>(call.tos.value_or(0)),
            static_cast<long long>(call.last_signal));
    timeval now{};
    gettimeofday(&now, nullptr);
    const double duration = static_cast<double>(now.tv_sec - call.created_s) +
                            static_cast<double>(now.tv_usec - call.created_us) / 1e6;
    for (const auto& p : call.participants()) {
        const std::string peer = p->peer ? p->peer->tag : "";
        appendf(out, "--- Tag '%s', type: %s, label '%s', branch '%s', callduration %.6f\n", p->tag.c_str(),
                participant_type(call, *p), p->label.c_str(), p->via_branch.c_str(), duration);
        appendf(out, "---     subscribed to '%s'\n---     subscription of '%s'\n", peer.c_str(), peer.c_str());
        for (const auto& m : p->medias) {
            const auto codec = call::shown_codec(*m);
            appendf(out, "------ Media #%d (%s over %s) using %s\n", m->index, m->type.c_str(), m->protocol.c_str(),
                    codec ? codec->c_str() : "unknown codec");
            if (!m->sockets)
                continue;
            describe_port(out, *m, false, call.created_s);
            describe_port(out, *m, true, call.created_s);
        }
    }
    out += "\n";
}

void list_sessions(std::string& out, const CliContext& c, const std::vector<std::string_view>& args) {
    if (args.empty()) {
        out += kMoreParameters;
        return;
    }
    const std::string_view which = args[0];
    if (which == "foreign") {
        out += "No foreign sessions on this media relay.\n";
        return;
    }
    if (which != "all" && which != "own") {
        auto call = c.service.registry().find(text_of(which));
        if (!call)
            appendf(out, "\nCall ID not found (%s).\n\n", text_of(which).c_str());
        else
            describe_call(out, *call);
        return;
    }
    const auto calls = c.service.registry().snapshot();
    if (calls.empty()) {
        out += which == "all" ? "No sessions on this media relay.\n" : "No own sessions on this media relay.\n";
        return;
    }
    for (const auto& call : calls) {
        std::lock_guard lock(call->mutex());
        appendf(out, "callid: %60s | deletionmark:%4s | created:%12lld | proxy:%s | redis_keyspace:%i | foreign:%s\n",
                call->id().c_str(), call->delete_at ? "yes" : "no", static_cast<long long>(call->created_s),
                call->created_from.c_str(), 0, "no");
    }
}

void list_numsessions(std::string& out, const CliContext& c) {
    const auto now = c.stats.running();
    appendf(out, "Current sessions own: %llu\nCurrent sessions foreign: 0\nCurrent sessions total: %llu\n"
                 "Current transcoded media: 0\nCurrent sessions ipv4 only media: %llu\n"
                 "Current sessions ipv6 only media: %llu\nCurrent sessions ip mixed  media: %llu\n",
            static_cast<unsigned long long>(now.sessions), static_cast<unsigned long long>(now.sessions),
            static_cast<unsigned long long>(now.v4), static_cast<unsigned long long>(now.v6),
            static_cast<unsigned long long>(now.mixed));
}

// Upstream's layout line for line, written from the statistics catalog.
void list_totals(std::string& out, const CliContext& c) { out += stats::totals_text(c.stats, c.interfaces); }

void list_interfaces(std::string& out, const CliContext& c) {
    for (const auto& a : c.interfaces.addresses()) {
        const auto& pool = *a->ports;
        const unsigned total = static_cast<unsigned>(pool.port_max() - pool.port_min() + 1);
        const unsigned used = static_cast<unsigned>(pool.used() * 2);  // each pair is RTP and RTCP
        appendf(out, "Interface '%s' address '%s' (%s)\n Port range: %5u - %-5u\n", a->interface_name.c_str(),
                a->local.to_string().c_str(), a->local.is_v6() ? "IPv6" : "IPv4", pool.port_min(), pool.port_max());
        appendf(out, " Ports used: %5u / %5u (%5.1f%%)\n Last port used: %u\n", used, total,
                total ? 100.0 * used / total : 0.0, pool.last_acquired());
    }
}

void terminate(std::string& out, const CliContext& c, const std::vector<std::string_view>& args) {
    if (args.empty()) {
        out += kMoreParameters;
        return;
    }
    const std::string_view which = args[0];
    if (which == "foreign") {
        out += "All foreign calls terminated by operator.\n";
        return;
    }
    if (which == "all" || which == "own") {
        for (const auto& call : c.service.registry().snapshot()) {
            log::ScopedPrefix prefix(call->id());
            RTPE_LOG(core, log::kInfo, "Call terminated by operator");
            c.service.destroy(call, stats::EndReason::forced);
        }
        out += which == "all" ? "All calls terminated by operator.\n" : "All own calls terminated by operator.\n";
        return;
    }
    const std::string id = text_of(which);
    auto call = c.service.registry().find(id);
    if (!call) {
        appendf(out, "\nCall Id not found (%s).\n\n", id.c_str());
        return;
    }
    {
        log::ScopedPrefix prefix(call->id());
        RTPE_LOG(core, log::kInfo, "Call terminated by operator");
    }
    c.service.destroy(call, stats::EndReason::forced);
    appendf(out, "\nCall Id (%s) successfully terminated by operator.\n\n", id.c_str());
}

// Upstream words every timeout's replies as "timeout", whichever one is set.
void set_timeout(std::string& out, int& target, const std::vector<std::string_view>& args) {
    if (args.empty()) {
        out += kMoreParameters;
        return;
    }
    const std::string value = text_of(args[0]);
    long long n = 0;
    switch (leading_number(value, 0, INT_MAX, n)) {
        case NumberStatus::no_digits:
            appendf(out, "Fail setting timeout to %s; no digists found\n", value.c_str());
            return;
        case NumberStatus::out_of_range:
            appendf(out, "Fail setting timeout to %s; errno=0\n", value.c_str());
            return;
        case NumberStatus::ok:
            target = static_cast<int>(n);
            appendf(out, "Success setting timeout to %d\n", target);
            return;
    }
}

void set_delete_delay(std::string& out, const CliContext& c, const std::vector<std::string_view>& args) {
    if (args.empty()) {
        out += kMoreParameters;
        return;
    }
    long long n = 0;
    if (leading_number(args[0], INT_MIN, INT_MAX, n) != NumberStatus::ok) {
        out += "Invalid delete-delay value\n";
        return;
    }
    c.service.set_delete_delay(static_cast<int>(n));
    appendf(out, "Success setting delete-delay to %d\n", static_cast<int>(n));
}

// The limits are parsed as upstream does, with strtol/strtod/strtoull: leading digits
// count, the rest of the word is ignored; so are its messages, typo included.
void set_max_sessions(std::string& out, const CliContext& c, const std::vector<std::string_view>& args) {
    if (args.empty()) {
        out += kMoreParameters;
        return;
    }
    const std::string value = text_of(args[0]);
    char* end = nullptr;
    errno = 0;
    const long long n = std::strtoll(value.c_str(), &end, 10);
    if (errno == ERANGE)
        appendf(out, "Fail setting maxsessions to %s; errno=%d\n", value.c_str(), errno);
    else if (end == value.c_str())
        appendf(out, "Fail setting maxsessions to %s; no digists found\n", value.c_str());
    else if (n < -1)
        appendf(out, "Fail setting maxsessions to %s; either positive or -1 values allowed\n", value.c_str());
    else {
        c.limits.settings().max_sessions = static_cast<int>(std::min<long long>(n, INT_MAX));
        appendf(out, "Success setting maxsessions to %lld%s\n", n, n == -1 ? "; disable feature" : "");
    }
}

// maxcpu and maxload: kept in hundredths, shown back with the given precision.
void set_hundredths(std::string& out, const char* name, int precision, int& target,
                    const std::vector<std::string_view>& args) {
    if (args.empty()) {
        out += kMoreParameters;
        return;
    }
    const std::string value = text_of(args[0]);
    char* end = nullptr;
    errno = 0;
    const double n = std::strtod(value.c_str(), &end);
    if (end == value.c_str())
        appendf(out, "Fail setting %s to %s; no digists found\n", name, value.c_str());
    else if (errno == ERANGE || n > INT_MAX / 100 || n < INT_MIN / 100)
        appendf(out, "Fail setting %s to %s; errno=%d\n", name, value.c_str(), ERANGE);
    else {
        target = static_cast<int>(n * 100.0);
        appendf(out, "Success setting %s to %.*f\n", name, precision, n);
    }
}

void set_max_bandwidth(std::string& out, const CliContext& c, const std::vector<std::string_view>& args) {
    if (args.empty()) {
        out += kMoreParameters;
        return;
    }
    const std::string value = text_of(args[0]);
    char* end = nullptr;
    errno = 0;
    const unsigned long long n = std::strtoull(value.c_str(), &end, 10);
    if (end == value.c_str())
        appendf(out, "Fail setting maxbw to %s; no digists found\n", value.c_str());
    else if (errno == ERANGE)
        appendf(out, "Fail setting maxbw to %s; errno=%d\n", value.c_str(), errno);
    else {
        c.limits.settings().max_bandwidth = n;
        appendf(out, "Success setting maxbw to %llu\n", n);
    }
}

// Upstream's own descriptions, in log::Subsystem order, so that listings read the same.
constexpr const char* kSubsystemDescriptions[log::kSubsystemCount] = {
    "Everything that isn't part of another subsystem",
    "Log messages generated by SpanDSP directly",
    "Log messages generated by ffmpeg directly",
    "Media and RTP transcoding",
    "Codec negotiation",
    "RTCP handling",
    "ICE negotiation",
    "Negotiation of SRTP, crypto suites, DTLS, SDES",
    "SRTP encryption and decryption",
    "Noisy low-level internals",
    "HTTP, HTTPS, Websockets",
    "Control protocols including SDP exchanges, CLI",
    "DTX timer/buffer",
};

void list_loglevels(std::string& out) {
    for (std::size_t i = 0; i < log::kSubsystemCount; ++i)
        appendf(out, "%s - %s\n", std::string(log::subsystems()[i].name).c_str(), kSubsystemDescriptions[i]);
}

void get_loglevel(std::string& out, const std::vector<std::string_view>& args) {
    if (!args.empty()) {
        if (auto s = log::subsystem_by_name(args[0]))
            appendf(out, "%d\n", log::level(*s));
        return;
    }
    for (std::size_t i = 0; i < log::kSubsystemCount; ++i)
        appendf(out, "%s = %d\n", std::string(log::subsystems()[i].name).c_str(),
                log::level(static_cast<log::Subsystem>(i)));
}

// "set loglevel N" sets every subsystem, "set loglevel SUBSYSTEM N" one; an unknown
// subsystem changes nothing yet is answered with success, as upstream does.
void set_loglevel(std::string& out, const std::vector<std::string_view>& args) {
    if (args.empty()) {
        out += kMoreParameters;
        return;
    }
    long long n = 0;
    const std::string_view value = args.size() >= 2 ? args[1] : args[0];
    if (leading_number(value, 0, INT_MAX, n) != NumberStatus::ok) {
        out += kMoreParameters;
        return;
    }
    const int level = static_cast<int>(n);
    if (args.size() >= 2) {
        if (auto s = log::subsystem_by_name(args[0]))
            log::set_level(*s, level);
    } else {
        for (std::size_t i = 0; i < log::kSubsystemCount; ++i)
            log::set_level(static_cast<log::Subsystem>(i), level);
    }
    appendf(out, "Success setting loglevel to %d\n", level);
}


// "list maxopenfiles" / "set maxopenfiles": the RLIMIT_NOFILE soft limit of the daemon.
void list_max_open_files(std::string& out) {
    const unsigned pid = static_cast<unsigned>(getpid());
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == -1)
        appendf(out, "Fail getting rtpengine configured limits; cat /proc/%u/limits\n", pid);
    else if (limit.rlim_cur == RLIM_INFINITY)
        appendf(out, "Maximum open-files configured on rtpengine: infinite; cat /proc/%u/limits\n", pid);
    else
        appendf(out, "Maximum open-files configured on rtpengine: %lld; cat /proc/%u/limits\n",
                static_cast<long long>(limit.rlim_cur), pid);
}

// As upstream: below 65536 is refused, and both the soft and the hard limit are set.
void set_max_open_files(std::string& out, const std::vector<std::string_view>& args) {
    if (args.empty()) {
        out += kMoreParameters;
        return;
    }
    const std::string value = text_of(args[0]);
    constexpr unsigned long kMinimum = 1UL << 16;
    char* end = nullptr;
    errno = 0;
    const unsigned long n = std::strtoul(value.c_str(), &end, 10);
    if ((errno == ERANGE && n == ULONG_MAX) || (errno != 0 && n == 0)) {
        appendf(out, "Fail setting open_files to %s; errno=%d\n", value.c_str(), errno);
        return;
    }
    if (end == value.c_str()) {
        appendf(out, "Fail setting open_files to %s; no digists found\n", value.c_str());
        return;
    }
    if (n < kMinimum) {
        appendf(out, "Fail setting open_files to %lu; can't set it under %lu\n", n, kMinimum);
        return;
    }
    rlimit limit{static_cast<rlim_t>(n), static_cast<rlim_t>(n)};
    if (setrlimit(RLIMIT_NOFILE, &limit) == -1) {
        appendf(out, "Fail setting open_files to %lu; errno = %d\n", n, errno);
        return;
    }
    appendf(out, "Success setting open_files to %lu; cat /proc/%u/limits\n", n, static_cast<unsigned>(getpid()));
}

// "set controltos": parsed with strtol as upstream, so a word without digits means 0.
void set_control_tos(std::string& out, const CliContext& c, const std::vector<std::string_view>& args) {
    if (args.empty()) {
        out += kMoreParameters;
        return;
    }
    const std::string value = text_of(args[0]);
    const long tos = std::strtol(value.c_str(), nullptr, 10);
    if (tos < 0 || tos > 255) {
        appendf(out, "Invalid control-tos value %ld, must be between 0 and 255\n", tos);
        return;
    }
    if (c.set_control_tos)
        c.set_control_tos(static_cast<int>(tos));
    // Upstream's reply names the wrong setting; scripts match it, so it is kept.
    appendf(out, "Success setting redis-connect-timeout to %ld\n", tos);
}

// "debug CALLID [on|enable|off|disable]": that call's log lines at debug level, or no more.
void debug_call(std::string& out, const CliContext& c, const std::vector<std::string_view>& args) {
    if (args.empty()) {
        out += "No call ID specified\n";
        return;
    }
    const std::string id = text_of(args[0]);
    bool on = true;
    if (args.size() > 1) {
        // The flag is the rest of the line, as upstream reads it.
        const auto first = args[1];
        const auto& last = args.back();
        const std::string flag(first.data(), static_cast<std::size_t>(last.data() + last.size() - first.data()));
        if (flag == "off" || flag == "disable")
            on = false;
        else if (flag != "on" && flag != "enable") {
            appendf(out, "Invalid on/off flag ('%s') specified\n", flag.c_str());
            return;
        }
    }
    auto call = c.service.registry().find(id);
    if (!call) {
        appendf(out, "Call ID '%s' not found\n", id.c_str());
        return;
    }
    {
        std::lock_guard lock(call->mutex());
        call->debug = on;
        log::set_debug_entity(call->id(), on);
    }
    appendf(out, "%s debugging for call '%s'\n", on ? "Enabled" : "Disabled", id.c_str());
}

// What "params diff" compares and "params revert" restores: the settings the CLI can change.
struct RuntimeParams {
    std::array<int, log::kSubsystemCount> log_levels{};
    int max_sessions = -1;
    int max_cpu_centi = 0;
    int max_load_centi = 0;
    uint64_t max_bandwidth = 0;
    int timeout = 0;
    int silent_timeout = 0;
    int final_timeout = 0;
    int offer_timeout = 0;
    int delete_delay = 0;
    int control_tos = 0;
};

RuntimeParams current_params(const CliContext& c) {
    RuntimeParams p;
    for (std::size_t i = 0; i < log::kSubsystemCount; ++i)
        p.log_levels[i] = log::level(static_cast<log::Subsystem>(i));
    const auto& limits = c.limits.settings();
    p.max_sessions = limits.max_sessions;
    p.max_cpu_centi = limits.max_cpu_centi;
    p.max_load_centi = limits.max_load_centi;
    p.max_bandwidth = limits.max_bandwidth;
    const auto& t = c.timeouts.settings();
    p.timeout = t.timeout;
    p.silent_timeout = t.silent_timeout;
    p.final_timeout = t.final_timeout;
    p.offer_timeout = t.offer_timeout;
    p.delete_delay = c.service.delete_delay();
    p.control_tos = c.control_tos ? c.control_tos() : 0;
    return p;
}

// One listening option in upstream 10.5's shape: two lines (its IPv4 and IPv6 slots),
// empty where nothing listens.
void listen_lines(std::string& out, const char* name, const std::vector<ListenSpec>* specs) {
    std::vector<std::string> shown;
    if (specs)
        for (const auto& spec : *specs)
            for (const auto& a : spec.addresses)
                shown.push_back(a.to_string());
    while (shown.size() < 2)
        shown.emplace_back();
    for (const auto& s : shown)
        appendf(out, "%s = %s\n", name, s.c_str());
}

// "params start" and "params current": upstream's list, with its defaults for what this
// daemon does not have (Redis, recording).
void print_params(std::string& out, const CliContext& c, const RuntimeParams& p, bool start) {
    const DaemonOptions* o = c.options;
    for (std::size_t i = 0; i < log::kSubsystemCount; ++i)
        appendf(out, "log-level-%s = %d\n", std::string(log::subsystems()[i].name).c_str(), p.log_levels[i]);
    const int tos = o && o->tos > 0 ? o->tos : 0;
    appendf(out, "table = %d\nmax-sessions = %d\ntimeout = %d\nsilent-timeout = %d\nfinal-timeout = %d\n"
                 "offer-timeout = %d\ndelete-delay = %d\nredis-expires = %d\ntos = %d\ncontrol-tos = %d\n"
                 "graphite-interval = %d\nredis-num-threads = %d\nhomer-protocol = %d\nhomer-id = %d\n"
                 "no-fallback = %d\nport-min = %d\nport-max = %d\n",
            o ? o->table : 0, p.max_sessions, p.timeout, p.silent_timeout, p.final_timeout, p.offer_timeout,
            p.delete_delay, 86400, tos, p.control_tos, o ? o->graphite_interval : 0, 4,
            o && o->homer_tcp ? 1 : 2 /* SOCK_STREAM : SOCK_DGRAM, as upstream prints it */, o ? o->homer_id : 2001,
            o && o->no_fallback ? 1 : 0,
            o ? o->port_min : 30000, o ? o->port_max : 40000);
    if (start)
        out += "redis = :0/-1\nredis-write = :0/-1\n";
    else
        out += "redis-db = -1\nredis-write-db = -1\n";
    appendf(out, "no-redis-required = %d\nnum-threads = %u\nxmlrpc-format = %d\nlog_format = %d\n"
                 "redis_allowed_errors = %d\nredis_disable_time = %d\nredis_cmd_timeout = %d\n"
                 "redis_connect_timeout = %d\nmax-cpu = %.1f\nmax-load = %.2f\n%s = %llu\n",
            0, c.worker_threads, o ? o->xmlrpc_format : 0,
            o && o->log_format == log::Format::parsable ? 1 : 0, -1, 10, 0, 1000, p.max_cpu_centi / 100.0,
            p.max_load_centi / 100.0, start ? "max-bandwidth" : "max-bw",
            static_cast<unsigned long long>(p.max_bandwidth));
    if (o) {
        int n = 0;
        for (const auto& i : o->interfaces)
            appendf(out, "interface[%d] = %s\\%s \n", n++, i.name.c_str(), i.local.to_string().c_str());
    }
    appendf(out, "b2b_url = %s\nredis-auth = (null)\nredis-write-auth = (null)\nrecording-dir = (null)\n"
                 "recording-method = pcap\nrecording-format = raw\niptables-chain = (null)\n",
            o && !o->b2b_url.empty() ? o->b2b_url.c_str() : "(null)");
    listen_lines(out, "listen-tcp", nullptr);
    listen_lines(out, "listen-udp", nullptr);
    listen_lines(out, "listen-ng", o ? &o->listen_ng : nullptr);
    listen_lines(out, "listen-cli", o ? &o->listen_cli : nullptr);
}

// "params diff" lists, "params revert" restores; upstream's order and names, values as
// they are kept (CPU and load in hundredths). Offer timeout and delete delay are not
// among them upstream either.
void diff_or_revert(std::string& out, const CliContext& c, const RuntimeParams& start, bool revert) {
    const RuntimeParams now = current_params(c);
    auto one = [&](const std::string& name, long long before, long long after, const std::function<void()>& undo) {
        if (before == after)
            return;
        if (revert)
            undo();
        else
            appendf(out, "%s: %lld => %lld\n", name.c_str(), before, after);
    };
    for (std::size_t i = 0; i < log::kSubsystemCount; ++i) {
        const auto subsystem = static_cast<log::Subsystem>(i);
        one("log-level-" + std::string(log::subsystems()[i].name), start.log_levels[i], now.log_levels[i],
            [&] { log::set_level(subsystem, start.log_levels[i]); });
    }
    auto& limits = c.limits.settings();
    auto& t = c.timeouts.settings();
    one("max-sessions", start.max_sessions, now.max_sessions, [&] { limits.max_sessions = start.max_sessions; });
    one("max-cpu", start.max_cpu_centi, now.max_cpu_centi, [&] { limits.max_cpu_centi = start.max_cpu_centi; });
    one("max-load", start.max_load_centi, now.max_load_centi, [&] { limits.max_load_centi = start.max_load_centi; });
    one("max-bw", static_cast<long long>(start.max_bandwidth), static_cast<long long>(now.max_bandwidth),
        [&] { limits.max_bandwidth = start.max_bandwidth; });
    one("timeout", start.timeout, now.timeout, [&] { t.timeout = start.timeout; });
    one("silent-timeout", start.silent_timeout, now.silent_timeout, [&] { t.silent_timeout = start.silent_timeout; });
    one("final-timeout", start.final_timeout, now.final_timeout, [&] { t.final_timeout = start.final_timeout; });
    one("control-tos", start.control_tos, now.control_tos, [&] {
        if (c.set_control_tos)
            c.set_control_tos(start.control_tos);
    });
}
}  // namespace

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
            ++i;
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t')
            ++i;
        if (i > start)
            words.push_back(line.substr(start, i - start));
    }
    return words;
}

void CliCommandTable::add(std::string_view words, Handler handler) {
    Node* node = &root_;
    for (auto word : split_words(words))
        node = &node->children[std::string(word)];
    node->handler = std::move(handler);
}

std::string CliCommandTable::dispatch(std::string_view line) const {
    const auto words = split_words(line);
    const Node* node = &root_;
    std::size_t i = 0;
    while (!node->handler) {
        if (i == words.size())
            return std::string(kMoreParameters);
        auto it = node->children.find(words[i]);
        if (it == node->children.end()) {
            // Upstream echoes the rest of the line from the word it did not know.
            const auto& last = words.back();
            const std::size_t from = static_cast<std::size_t>(words[i].data() - line.data());
            const std::size_t to = static_cast<std::size_t>(last.data() + last.size() - line.data());
            return "Unknown or incomplete command::" + std::string(line.substr(from, to - from)) + "\n";
        }
        node = &it->second;
        ++i;
    }
    std::string out;
    node->handler(std::vector<std::string_view>(words.begin() + static_cast<std::ptrdiff_t>(i), words.end()), out);
    return out;
}

void add_cli_commands(CliCommandTable& table, const CliContext& context) {
    const CliContext c = context;
    using Args = std::vector<std::string_view>;
    // Upstream answers "get" exactly as "list".
    auto show = [&table](const std::string& what, const CliCommandTable::Handler& handler) {
        table.add("list " + what, handler);
        table.add("get " + what, handler);
    };
    show("numsessions", [c](const Args&, std::string& out) { list_numsessions(out, c); });
    show("sessions", [c](const Args& args, std::string& out) { list_sessions(out, c, args); });
    show("totals", [c](const Args&, std::string& out) { list_totals(out, c); });
    show("maxsessions", [c](const Args&, std::string& out) {
        appendf(out, "Maximum sessions configured on rtpengine: %d\n", c.limits.settings().max_sessions);
    });
    show("maxcpu", [c](const Args&, std::string& out) {
        appendf(out, "Maximum CPU usage configured on rtpengine: %.1f\n", c.limits.settings().max_cpu_centi / 100.0);
    });
    show("maxload", [c](const Args&, std::string& out) {
        appendf(out, "Maximum load average configured on rtpengine: %.2f\n",
                c.limits.settings().max_load_centi / 100.0);
    });
    show("maxbw", [c](const Args&, std::string& out) {
        appendf(out, "Maximum bandwidth configured on rtpengine: %llu\n",
                static_cast<unsigned long long>(c.limits.settings().max_bandwidth));
    });
    table.add("set maxsessions", [c](const Args& args, std::string& out) { set_max_sessions(out, c, args); });
    table.add("set maxcpu", [c](const Args& args, std::string& out) {
        set_hundredths(out, "maxcpu", 1, c.limits.settings().max_cpu_centi, args);
    });
    table.add("set maxload", [c](const Args& args, std::string& out) {
        set_hundredths(out, "maxload", 2, c.limits.settings().max_load_centi, args);
    });
    table.add("set maxbw", [c](const Args& args, std::string& out) { set_max_bandwidth(out, c, args); });
    show("interfaces", [c](const Args&, std::string& out) { list_interfaces(out, c); });
    show("jsonstats", [c](const Args&, std::string& out) {
        out += stats::json_statistics(c.stats, c.interfaces);
        out += "\n";
    });

    struct Timeout {
        const char* word;
        const char* label;
        int call::TimeoutSettings::*field;
    };
    static constexpr Timeout kTimeouts[] = {
        {"timeout", "TIMEOUT", &call::TimeoutSettings::timeout},
        {"silenttimeout", "SILENT_TIMEOUT", &call::TimeoutSettings::silent_timeout},
        {"finaltimeout", "FINAL_TIMEOUT", &call::TimeoutSettings::final_timeout},
        {"offertimeout", "OFFER_TIMEOUT", &call::TimeoutSettings::offer_timeout},
    };
    for (const auto& t : kTimeouts) {
        show(t.word, [c, t](const Args&, std::string& out) {
            appendf(out, "%s=%d\n", t.label, c.timeouts.settings().*t.field);
        });
        table.add(std::string("set ") + t.word,
                  [c, t](const Args& args, std::string& out) { set_timeout(out, c.timeouts.settings().*t.field, args); });
    }
    show("deletedelay", [c](const Args&, std::string& out) { appendf(out, "%d\n", c.service.delete_delay()); });
    table.add("set deletedelay", [c](const Args& args, std::string& out) { set_delete_delay(out, c, args); });
    show("loglevels", [](const Args&, std::string& out) { list_loglevels(out); });
    show("loglevel", [](const Args& args, std::string& out) { get_loglevel(out, args); });
    table.add("set loglevel", [](const Args& args, std::string& out) { set_loglevel(out, args); });
    table.add("terminate", [c](const Args& args, std::string& out) { terminate(out, c, args); });

    show("maxopenfiles", [](const Args&, std::string& out) { list_max_open_files(out); });
    table.add("set maxopenfiles", [](const Args& args, std::string& out) { set_max_open_files(out, args); });
    show("controltos", [c](const Args&, std::string& out) { appendf(out, "%d\n", c.control_tos ? c.control_tos() : 0); });
    table.add("set controltos", [c](const Args& args, std::string& out) { set_control_tos(out, c, args); });
    // No transcoding happens here, so there is never an entry.
    show("transcoders", [c](const Args&, std::string& out) { out += stats::transcoders_text(c.stats, c.interfaces); });
    table.add("debug", [c](const Args& args, std::string& out) { debug_call(out, c, args); });
    // Registration happens before the daemon starts serving: what is current now is "start".
    auto start = std::make_shared<const RuntimeParams>(current_params(c));
    table.add("params start", [c, start](const Args&, std::string& out) { print_params(out, c, *start, true); });
    table.add("params current", [c](const Args&, std::string& out) { print_params(out, c, current_params(c), false); });
    table.add("params diff", [c, start](const Args&, std::string& out) { diff_or_revert(out, c, *start, false); });
    table.add("params revert", [c, start](const Args&, std::string& out) { diff_or_revert(out, c, *start, true); });
}

}  // namespace rtpe::control
