#include "daemon/stats/catalog.hpp"

#include <cmath>
#include <cstdio>

#include "daemon/stats/prometheus.hpp"

namespace rtpe::stats {

namespace {

using F = const Figures&;
using A = const At&;

constexpr Value n(uint64_t v) { return Value{v, 0, {}}; }
constexpr Value r(double v) { return Value{0, v, {}}; }
constexpr Value t(std::string_view v) { return Value{0, 0, v}; }

const CommandInterval& in(F f, A a) { return f.last.commands[a.command]; }
const ProxyCounts& proxy(F f, A a) { return f.proxies[a.proxy].counts; }
const Figures::Interface& intf(F f, A a) { return f.interfaces[a.interface]; }
const Figures::Chain& chain(F f, A a) { return f.chains[a.chain]; }
bool chain_has_rate(F f, A a) { return chain(f, a).rate.has_value(); }
uint64_t ports_total(F f, A a) { return intf(f, a).max - intf(f, a).min + 1; }

double mos_mean_x10(F f) {
    return f.quality.samples ? static_cast<double>(f.quality.mos_x10) / static_cast<double>(f.quality.samples) : 0;
}

constexpr auto C = Section::current;
constexpr auto T = Section::total;
constexpr auto I = Section::interval;
constexpr auto M = Section::mos;
constexpr auto K = Section::control;
constexpr auto P = Section::interfaces;
constexpr auto X = Section::transcoders;
constexpr auto counter = Kind::counter;
constexpr auto fraction = Format::fraction;
constexpr auto joined = TotalsStyle::joined;
constexpr auto cell = TotalsStyle::cell;

// In upstream's ng order, which list totals follows too; Prometheus groups a family's rows
// where its first row is; Graphite has an order of its own (graphite_order).
constexpr Row kRows[] = {
    // currentstatistics
    {.section = C, .key = "sessionsown", .value = [](F f, A) { return n(f.running.sessions); },
     .help = "Sessions running now, by owner", .totals = "Owned sessions", .prom = "sessions",
     .prom_labels = "type=\"own\"", .graphite = "current_sessions_own", .graphite_order = 17},
    {.section = C, .key = "sessionsforeign", .value = [](F, A) { return n(0); }, .totals = "Foreign sessions",
     .prom = "sessions", .prom_labels = "type=\"foreign\"", .graphite = "current_sessions_foreign",
     .graphite_order = 18},
    {.section = C, .key = "sessionstotal", .value = [](F f, A) { return n(f.running.sessions); },
     .totals = "Total sessions", .graphite = "current_sessions_total", .graphite_order = 16},
    {.section = C, .key = "transcodedmedia", .value = [](F, A) { return n(0); }, .help = "Media being transcoded now",
     .totals = "Transcoded media", .prom = "transcoded_media", .graphite = "current_transcoded_media",
     .graphite_order = 19},
    {.section = C, .key = "packetrate_user", .value = [](F f, A) { return n(f.rates.user_packets()); },
     .totals = "Packets per second (userspace)"},
    {.section = C, .key = "byterate_user", .value = [](F f, A) { return n(f.rates.user_bytes()); },
     .totals = "Bytes per second (userspace)"},
    {.section = C, .key = "errorrate_user", .value = [](F f, A) { return n(f.rates.user_errors()); },
     .totals = "Errors per second (userspace)"},
    {.section = C, .key = "packetrate_kernel", .value = [](F f, A) { return n(f.rates.kernel_packets); },
     .totals = "Packets per second (kernel)"},
    {.section = C, .key = "byterate_kernel", .value = [](F f, A) { return n(f.rates.kernel_bytes); },
     .totals = "Bytes per second (kernel)"},
    {.section = C, .key = "errorrate_kernel", .value = [](F f, A) { return n(f.rates.kernel_errors); },
     .totals = "Errors per second (kernel)"},
    {.section = C, .key = "packetrate", .value = [](F f, A) { return n(f.rates.packets); },
     .totals = "Packets per second (total)"},
    {.section = C, .key = "byterate", .value = [](F f, A) { return n(f.rates.bytes); },
     .totals = "Bytes per second (total)"},
    {.section = C, .key = "errorrate", .value = [](F f, A) { return n(f.rates.errors); },
     .totals = "Errors per second (total)"},
    {.section = C, .key = "media_userspace", .value = [](F f, A) { return n(f.running.media_streams); },
     .help = "Media streams running now, by where they are forwarded", .totals = "Userspace-only media streams",
     .prom = "mediastreams", .prom_labels = "type=\"userspace\""},
    {.section = C, .key = "media_kernel", .value = [](F f, A) { return n(f.running.media_kernel); },
     .totals = "Kernel-only media streams",
     .prom = "mediastreams", .prom_labels = "type=\"kernel\""},
    {.section = C, .key = "media_mixed", .value = [](F f, A) { return n(f.running.media_mixed); },
     .totals = "Mixed kernel/userspace media streams", .prom = "mediastreams", .prom_labels = "type=\"mixed\""},
    {.section = C, .value = [](F f, A) { return n(f.running.v4); }, .graphite = "current_sessions_ipv4",
     .graphite_order = 20},
    {.section = C, .value = [](F f, A) { return n(f.running.v6); }, .graphite = "current_sessions_ipv6",
     .graphite_order = 21},
    {.section = C, .value = [](F f, A) { return n(f.running.mixed); }, .graphite = "current_sessions_mixed",
     .graphite_order = 22},

    // totalstatistics
    {.section = T, .key = "uptime", .format = Format::quoted_integer, .value = [](F f, A) { return n(f.uptime); },
     .help = "Seconds since the daemon started", .totals = "Uptime of rtpengine", .unit = " seconds",
     .prom = "uptime_seconds"},
    {.section = T, .key = "managedsessions", .kind = counter, .value = [](F f, A) { return n(f.ended.calls); },
     .help = "Sessions that have ended since startup", .totals = "Total managed sessions", .prom = "sessions_total",
     .graphite = "managed_sess", .graphite_order = 13, .graphite_delta = true},
    {.section = T, .key = "rejectedsessions", .kind = counter, .value = [](F f, A) { return n(f.rejected); },
     .help = "Sessions refused or ended, by reason", .totals = "Total rejected sessions",
     .prom = "closed_sessions_total", .prom_labels = "reason=\"rejected\""},
    {.section = T, .key = "timeoutsessions", .kind = counter,
     .value = [](F f, A) { return n(f.ended.reason(EndReason::timeout)); },
     .totals = "Total timed-out sessions via TIMEOUT", .prom = "closed_sessions_total",
     .prom_labels = "reason=\"timeout\"", .graphite = "timeout_sess", .graphite_order = 36, .graphite_delta = true},
    {.section = T, .key = "silenttimeoutsessions", .kind = counter,
     .value = [](F f, A) { return n(f.ended.reason(EndReason::silent_timeout)); },
     .totals = "Total timed-out sessions via SILENT_TIMEOUT", .prom = "closed_sessions_total",
     .prom_labels = "reason=\"silent_timeout\"", .graphite = "silent_timeout_sess", .graphite_order = 33,
     .graphite_delta = true},
    {.section = T, .key = "finaltimeoutsessions", .kind = counter,
     .value = [](F f, A) { return n(f.ended.reason(EndReason::final_timeout)); },
     .totals = "Total timed-out sessions via FINAL_TIMEOUT", .prom = "closed_sessions_total",
     .prom_labels = "reason=\"final_timeout\"", .graphite = "final_timeout_sess", .graphite_order = 34,
     .graphite_delta = true},
    {.section = T, .key = "offertimeoutsessions", .kind = counter,
     .value = [](F f, A) { return n(f.ended.reason(EndReason::offer_timeout)); },
     .totals = "Total timed-out sessions via OFFER_TIMEOUT", .prom = "closed_sessions_total",
     .prom_labels = "reason=\"offer_timeout\"", .graphite = "offer_timeout_sess", .graphite_order = 35,
     .graphite_delta = true},
    {.section = T, .key = "regularterminatedsessions", .kind = counter,
     .value = [](F f, A) { return n(f.ended.reason(EndReason::regular)); },
     .totals = "Total regular terminated sessions", .prom = "closed_sessions_total",
     .prom_labels = "reason=\"terminated\"", .graphite = "regular_term_sess", .graphite_order = 23,
     .graphite_delta = true},
    {.section = T, .key = "forcedterminatedsessions", .kind = counter,
     .value = [](F f, A) { return n(f.ended.reason(EndReason::forced)); },
     .totals = "Total forced terminated sessions", .prom = "closed_sessions_total",
     .prom_labels = "reason=\"force_terminated\"", .graphite = "forced_term_sess", .graphite_order = 12,
     .graphite_delta = true},
    {.section = T, .key = "relayedpackets_user", .kind = counter,
     .value = [](F f, A) { return n(f.relayed.user_packets()); },
     .help = "Packets relayed, by where they were forwarded", .totals = "Total relayed packets (userspace)",
     .prom = "packets_total", .prom_labels = "type=\"userspace\"", .graphite = "relayed_packets_user",
     .graphite_order = 25, .graphite_delta = true},
    {.section = T, .key = "relayedpacketerrors_user", .kind = counter,
     .value = [](F f, A) { return n(f.relayed.user_errors()); }, .help = "Packets that could not be relayed, by where",
     .totals = "Total relayed packet errors (userspace)", .prom = "packet_errors_total",
     .prom_labels = "type=\"userspace\"", .graphite = "relayed_errors_user", .graphite_order = 24,
     .graphite_delta = true},
    {.section = T, .key = "relayedbytes_user", .kind = counter, .value = [](F f, A) { return n(f.relayed.user_bytes()); },
     .help = "Bytes relayed, by where they were forwarded", .totals = "Total relayed bytes (userspace)",
     .prom = "bytes_total", .prom_labels = "type=\"userspace\"", .graphite = "relayed_bytes_user",
     .graphite_order = 26, .graphite_delta = true},
    {.section = T, .key = "relayedpackets_kernel", .kind = counter,
     .value = [](F f, A) { return n(f.relayed.kernel_packets); },
     .totals = "Total relayed packets (kernel)", .prom = "packets_total", .prom_labels = "type=\"kernel\"",
     .graphite = "relayed_packets_kernel", .graphite_order = 28, .graphite_delta = true},
    {.section = T, .key = "relayedpacketerrors_kernel", .kind = counter,
     .value = [](F f, A) { return n(f.relayed.kernel_errors); },
     .totals = "Total relayed packet errors (kernel)", .prom = "packet_errors_total",
     .prom_labels = "type=\"kernel\"", .graphite = "relayed_errors_kernel", .graphite_order = 27, .graphite_delta = true},
    {.section = T, .key = "relayedbytes_kernel", .kind = counter, .value = [](F f, A) { return n(f.relayed.kernel_bytes); },
     .totals = "Total relayed bytes (kernel)", .prom = "bytes_total", .prom_labels = "type=\"kernel\"",
     .graphite = "relayed_bytes_kernel", .graphite_order = 29, .graphite_delta = true},
    {.section = T, .key = "relayedpackets", .kind = counter, .value = [](F f, A) { return n(f.relayed.packets); },
     .totals = "Total relayed packets", .graphite = "relayed_packets", .graphite_order = 31, .graphite_delta = true},
    {.section = T, .key = "relayedpacketerrors", .kind = counter, .value = [](F f, A) { return n(f.relayed.errors); },
     .totals = "Total relayed packet errors", .graphite = "relayed_errors", .graphite_order = 30,
     .graphite_delta = true},
    {.section = T, .key = "relayedbytes", .kind = counter, .value = [](F f, A) { return n(f.relayed.bytes); },
     .totals = "Total relayed bytes", .graphite = "relayed_bytes", .graphite_order = 32, .graphite_delta = true},
    // Ours, beside upstream's figures: Prometheus only (the ng document keeps upstream's keys).
    {.section = T, .kind = counter, .value = [](F f, A) { return n(f.relayed.stun); },
     .help = "Media port datagrams by what they were: STUN, DTLS, RTP/RTCP that did not parse", .prom = "classified_packets_total",
     .prom_labels = "class=\"stun\""},
    {.section = T, .kind = counter, .value = [](F f, A) { return n(f.relayed.dtls); },
     .prom = "classified_packets_total", .prom_labels = "class=\"dtls\""},
    {.section = T, .kind = counter, .value = [](F f, A) { return n(f.relayed.malformed); },
     .prom = "classified_packets_total", .prom_labels = "class=\"malformed\""},
    {.section = T, .kind = counter, .value = [](F f, A) { return n(f.relayed.srtp_failures); },
     .help = "SRTP and SRTCP packets dropped because they did not authenticate", .prom = "srtp_failures_total"},
    {.section = T, .kind = counter, .value = [](F f, A) { return n(f.relayed.playout_late); },
     .help = "What the clocked stages of codec chains (jitter buffer, DTX buffer) did, by event",
     .prom = "playout_events_total", .prom_labels = "event=\"late\""},
    {.section = T, .kind = counter, .value = [](F f, A) { return n(f.relayed.playout_duplicates); },
     .prom = "playout_events_total", .prom_labels = "event=\"duplicate\""},
    {.section = T, .kind = counter, .value = [](F f, A) { return n(f.relayed.playout_lost); },
     .prom = "playout_events_total", .prom_labels = "event=\"lost\""},
    {.section = T, .kind = counter, .value = [](F f, A) { return n(f.relayed.playout_filled); },
     .prom = "playout_events_total", .prom_labels = "event=\"filled\""},
    {.section = T, .kind = counter, .value = [](F f, A) { return n(f.relayed.playout_dropped); },
     .prom = "playout_events_total", .prom_labels = "event=\"dropped\""},
    {.section = T, .kind = counter, .value = [](F f, A) { return n(f.relayed.playout_shifted_forward); },
     .prom = "playout_events_total", .prom_labels = "event=\"shifted_forward\""},
    {.section = T, .kind = counter, .value = [](F f, A) { return n(f.relayed.playout_shifted_back); },
     .prom = "playout_events_total", .prom_labels = "event=\"shifted_back\""},
    {.section = T, .key = "zerowaystreams", .kind = counter,
     .value = [](F f, A) { return n(f.ended.streams_without_packets); },
     .help = "Media lines of ended calls that relayed nothing either way",
     .totals = "Total number of streams with no relayed packets", .prom = "zero_packet_streams_total"},
    {.section = T, .key = "onewaystreams", .kind = counter, .value = [](F f, A) { return n(f.ended.one_way_streams); },
     .help = "Media lines of ended calls that relayed one way only", .totals = "Total number of 1-way streams",
     .prom = "one_way_sessions_total"},
    {.section = T, .key = "avgcallduration", .format = fraction,
     .value = [](F f, A) { return r(f.ended.average_duration()); },
     .help = "Mean duration of the ended calls, in seconds", .totals = "Average call duration", .unit = " seconds",
     .prom = "call_duration_avg"},
    {.section = T, .key = "totalcallsduration", .kind = counter, .format = fraction,
     .value = [](F f, A) { return r(f.ended.duration); }, .help = "Summed duration of the ended calls, in seconds",
     .totals = "Total calls duration", .unit = " seconds", .prom = "call_duration_total"},
    {.section = T, .key = "totalcallsduration2", .kind = counter, .format = fraction,
     .value = [](F f, A) { return r(f.ended.duration_squared); },
     .help = "Summed squares of the ended calls' durations", .totals = "Total calls duration squared",
     .unit = " seconds squared", .prom = "call_duration2_total"},
    {.section = T, .key = "totalcallsduration_stddev", .format = fraction,
     .value = [](F f, A) { return r(f.ended.duration_stddev()); },
     .totals = "Total calls duration standard deviation", .unit = " seconds"},

    // intervalstatistics: the interval last reported to Graphite, zeros until one was
    {.section = I, .key = "totalcallsduration", .format = fraction,
     .value = [](F f, A) { return r(f.last.ended_at_end.duration - f.last.ended_at_start.duration); },
     .totals = "Total calls duration", .unit = " seconds", .totals_gap = true, .graphite = "call_dur",
     .graphite_order = 10},
    {.section = I, .format = fraction,
     .value =
         [](F f, A) {
             const uint64_t calls = f.last.ended_at_end.calls - f.last.ended_at_start.calls;
             const double duration = f.last.ended_at_end.duration - f.last.ended_at_start.duration;
             return r(calls ? duration / static_cast<double>(calls) : 0);
         },
     .graphite = "average_call_dur", .graphite_order = 11},
    {.section = I, .key = "minmanagedsessions", .value = [](F f, A) { return n(f.last.min_sessions); },
     .totals = "Min managed sessions", .graphite = "managed_sess_min", .graphite_order = 14},
    {.section = I, .key = "maxmanagedsessions", .value = [](F f, A) { return n(f.last.max_sessions); },
     .totals = "Max managed sessions", .graphite = "managed_sess_max", .graphite_order = 15},
    {.section = I, .scope = Scope::command, .group = 1, .key = "min{cmd}delay", .format = fraction,
     .value = [](F f, A a) { return r(in(f, a).min_seconds); }, .totals = "Min/Max/Avg {cmd} processing delay",
     .graphite = "{cmd}_time_min", .graphite_order = 1},
    {.section = I, .scope = Scope::command, .group = 1, .key = "max{cmd}delay", .format = fraction,
     .value = [](F f, A a) { return r(in(f, a).max_seconds); }, .totals = "/", .totals_style = joined,
     .graphite = "{cmd}_time_max", .graphite_order = 2},
    {.section = I, .scope = Scope::command, .group = 1, .key = "avg{cmd}delay", .format = fraction,
     .value =
         [](F f, A a) {
             const auto& c = in(f, a);
             return r(c.count ? c.seconds / static_cast<double>(c.count) : 0);
         },
     .totals = "/", .totals_style = joined, .unit = " sec", .graphite = "{cmd}_time_avg", .graphite_order = 3},
    {.section = I, .scope = Scope::command, .group = 2, .key = "min{cmd}requestrate",
     .format = Format::quoted_integer, .value = [](F f, A a) { return n(in(f, a).min_per_second); },
     .totals = "Min/Max/Avg {cmd} requests per second", .graphite = "{cmd}s_ps_min", .graphite_order = 4},
    {.section = I, .scope = Scope::command, .group = 2, .key = "max{cmd}requestrate",
     .format = Format::quoted_integer, .value = [](F f, A a) { return n(in(f, a).max_per_second); },
     .totals = "/", .totals_style = joined, .graphite = "{cmd}s_ps_max", .graphite_order = 5},
    {.section = I, .scope = Scope::command, .group = 2, .key = "avg{cmd}requestrate",
     .format = Format::quoted_integer,
     .value =
         [](F f, A a) {
             const auto seconds = static_cast<uint64_t>(f.last.seconds);
             return n(seconds ? in(f, a).count / seconds : 0);
         },
     .totals = "/", .totals_style = joined, .unit = " per sec", .graphite = "{cmd}s_ps_avg", .graphite_order = 6},

    // mos: MOS samples of ended and running calls, as upstream sums them when sampled
    {.section = M, .key = "mos_total", .kind = counter, .format = fraction,
     .value = [](F f, A) { return r(static_cast<double>(f.quality.mos_x10) / 10.0); },
     .help = "MOS values sampled from relayed RTCP, summed", .totals = "Sum of all MOS values sampled",
     .prom = "mos_total"},
    {.section = M, .key = "mos2_total", .kind = counter, .format = fraction,
     .value = [](F f, A) { return r(static_cast<double>(f.quality.mos_x10_squared) / 100.0); },
     .help = "Squares of the MOS values sampled, summed", .totals = "Sum of all MOS square values sampled",
     .prom = "mos2_total"},
    {.section = M, .key = "mos_samples_total", .kind = counter, .value = [](F f, A) { return n(f.quality.samples); },
     .help = "MOS values sampled", .totals = "Total number of MOS samples", .prom = "mos_samples_total"},
    {.section = M, .key = "mos_average", .format = fraction, .value = [](F f, A) { return r(mos_mean_x10(f) / 10.0); },
     .totals = "Average MOS"},
    {.section = M, .key = "mos_stddev", .format = fraction,
     .value =
         [](F f, A) {
             const double mean = mos_mean_x10(f);
             const double variance =
                 f.quality.samples
                     ? std::fabs(static_cast<double>(f.quality.mos_x10_squared) /
                                     static_cast<double>(f.quality.samples) -
                                 mean * mean)
                     : 0;
             return r(std::sqrt(variance) / 10.0);
         },
     .totals = "MOS standard deviation"},

    // controlstatistics: per control client (address without port) and ng command
    {.section = K, .scope = Scope::proxy, .key = "proxies/proxy", .format = Format::text,
     .value = [](F f, A a) { return t(f.proxies[a.proxy].name); }, .totals = "Proxy", .totals_style = cell},
    {.section = K, .scope = Scope::proxy_command, .key = "proxies/{short}count", .kind = counter,
     .value = [](F f, A a) { return n(proxy(f, a).commands[a.command].count); },
     .help = "ng requests handled, by client and command", .totals = "{title}", .totals_style = cell,
     .prom = "requests_total", .prom_labels = "proxy=\"{proxy}\",request=\"{cmd}\""},
    {.section = K, .scope = Scope::proxy_command, .key = "proxies/{short}duration", .kind = counter,
     .format = fraction, .value = [](F f, A a) { return r(proxy(f, a).commands[a.command].seconds); },
     .help = "Time spent handling ng requests, by client and command", .prom = "request_seconds_total",
     .prom_labels = "proxy=\"{proxy}\",request=\"{cmd}\""},
    {.section = K, .scope = Scope::proxy, .key = "proxies/errorcount", .kind = counter,
     .value = [](F f, A a) { return n(proxy(f, a).errors); }, .help = "ng requests answered with an error, by client",
     .prom = "errors_total", .prom_labels = "proxy=\"{proxy}\""},
    {.section = K, .scope = Scope::command, .key = "total{short}count", .kind = counter,
     .value = [](F f, A a) { return n(f.command_totals[a.command]); }, .graphite = "{cmd}_count",
     .graphite_order = 7},

    // interfaces: per local address; each allocated pair holds an RTP and an RTCP port
    {.section = P, .scope = Scope::interface, .key = "name", .format = Format::text,
     .value = [](F f, A a) { return t(intf(f, a).name); }},
    {.section = P, .scope = Scope::interface, .key = "address", .format = Format::text,
     .value = [](F f, A a) { return t(intf(f, a).address); }},
    {.section = P, .scope = Scope::interface, .key = "ports/min", .value = [](F f, A a) { return n(intf(f, a).min); }},
    {.section = P, .scope = Scope::interface, .key = "ports/max", .value = [](F f, A a) { return n(intf(f, a).max); }},
    {.section = P, .scope = Scope::interface, .key = "ports/used", .value = [](F f, A a) { return n(intf(f, a).used); },
     .help = "Media ports in use, by local interface address", .prom = "ports_used",
     .prom_labels = "name=\"{name}\",address=\"{address}\"", .graphite = "ports_used_{name}_{address}",
     .graphite_order = 41},
    {.section = P, .scope = Scope::interface, .key = "ports/used_pct", .format = Format::percent,
     .value =
         [](F f, A a) {
             const uint64_t total = ports_total(f, a);
             return r(total ? 100.0 * static_cast<double>(intf(f, a).used) / static_cast<double>(total) : 0);
         }},
    {.section = P, .scope = Scope::interface, .key = "ports/free",
     .value =
         [](F f, A a) {
             const uint64_t total = ports_total(f, a), used = intf(f, a).used;
             return n(total > used ? total - used : 0);
         },
     .help = "Media ports free, by local interface address", .prom = "ports_free",
     .prom_labels = "name=\"{name}\",address=\"{address}\"", .graphite = "ports_free_{name}_{address}",
     .graphite_order = 40},
    {.section = P, .scope = Scope::interface, .key = "ports/totals", .value = [](F f, A a) { return n(ports_total(f, a)); },
     .help = "Media ports in the range, by local interface address", .prom = "ports",
     .prom_labels = "name=\"{name}\",address=\"{address}\""},
    {.section = P, .scope = Scope::interface, .key = "ports/last", .value = [](F f, A a) { return n(intf(f, a).last); }},

    // One object per codec chain kind, as upstream lists them; the rates only for a chain
    // that carried packets over the last second.
    {.section = X, .scope = Scope::chain, .key = "chain", .format = Format::text,
     .value = [](F f, A a) { return t(chain(f, a).name); }},
    {.section = X, .scope = Scope::chain, .key = "num", .value = [](F f, A a) { return n(chain(f, a).total.transcoders); }},
    {.section = X, .scope = Scope::chain, .key = "packetrate",
     .value = [](F f, A a) { return n(chain(f, a).rate->packets); }, .present = chain_has_rate},
    {.section = X, .scope = Scope::chain, .key = "byterate",
     .value = [](F f, A a) { return n(chain(f, a).rate->bytes); }, .present = chain_has_rate},
    {.section = X, .scope = Scope::chain, .key = "samplerate",
     .value = [](F f, A a) { return n(chain(f, a).rate->samples); }, .present = chain_has_rate},
    {.section = X, .scope = Scope::chain, .key = "packets", .value = [](F f, A a) { return n(chain(f, a).total.packets); }},
    {.section = X, .scope = Scope::chain, .key = "bytes", .value = [](F f, A a) { return n(chain(f, a).total.bytes); }},
    {.section = X, .scope = Scope::chain, .key = "samples", .value = [](F f, A a) { return n(chain(f, a).total.samples); }},
};

constexpr SectionInfo kSections[] = {
    {Section::current, "currentstatistics", Scope::global, "\nStatistics over currently running sessions:\n\n"},
    {Section::total, "totalstatistics", Scope::global, "\nTotal statistics (does not include current running sessions):\n\n"},
    {Section::interval, "intervalstatistics", Scope::global,
     "\n\nGraphite interval statistics (last reported values to graphite):\n"},
    {Section::mos, "mos", Scope::global, "\n\nMOS statistics:\n\n"},
    {Section::control, "controlstatistics", Scope::global, "\n\nControl statistics:\n\n"},
    {Section::interfaces, "interfaces", Scope::interface, ""},
    {Section::transcoders, "transcoders", Scope::chain, ""},
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

}  // namespace

std::span<const Row> catalog() { return kRows; }
std::span<const SectionInfo> sections() { return kSections; }

std::vector<const Row*> rows_of(Section section) {
    std::vector<const Row*> out;
    for (const Row& row : kRows)
        if (row.section == section)
            out.push_back(&row);
    return out;
}

Figures sample_figures(const Statistics& stats, const media::LocalInterfaces& interfaces) {
    Figures f;
    f.running = stats.running();
    f.ended = stats.ended();
    f.relayed = stats.relayed_total(f.running);
    f.quality = f.ended.quality;
    f.quality += f.running.quality;
    f.rates = stats.rates();
    f.uptime = static_cast<uint64_t>(stats.uptime());
    f.rejected = stats.rejected();
    f.last = stats.last_interval();
    for (const auto& [name, counts] : stats.proxies()) {
        f.proxies.push_back({name, counts});
        for (std::size_t i = 0; i < kNgCommands.size(); ++i)
            f.command_totals[i] += counts.commands[i].count;
    }
    for (const auto& a : interfaces.addresses()) {
        const auto& pool = *a->ports;
        f.interfaces.push_back({a->interface_name, a->local.to_string(), pool.port_min(), pool.port_max(),
                                static_cast<uint64_t>(pool.used() * 2), pool.last_acquired()});
    }
    for (const auto& [name, figures] : stats.chains_total(f.running)) {
        Figures::Chain c{name, figures, std::nullopt};
        if (const ChainFigures* rate = stats.chain_rates().find(name))
            c.rate = *rate;
        f.chains.push_back(std::move(c));
    }
    return f;
}

std::string expand(std::string_view pattern, const Figures& f, const At& at, bool escape_labels) {
    std::string out;
    std::size_t i = 0;
    while (i < pattern.size()) {
        if (pattern[i] != '{') {
            out += pattern[i++];
            continue;
        }
        const std::size_t close = pattern.find('}', i);
        const std::string_view name = pattern.substr(i + 1, close - i - 1);
        std::string value;
        if (name == "cmd")
            value = kNgCommands[at.command].command;
        else if (name == "short")
            value = lower(kNgCommands[at.command].title);
        else if (name == "title")
            value = kNgCommands[at.command].title;
        else if (name == "proxy")
            value = f.proxies[at.proxy].name;
        else if (name == "name")
            value = f.interfaces[at.interface].name;
        else if (name == "address")
            value = f.interfaces[at.interface].address;
        out += escape_labels ? prometheus_label_value(value) : value;
        i = close + 1;
    }
    return out;
}

std::string format_value(const Row& row, const Value& v) {
    char text[64];
    switch (row.format) {
        case Format::integer:
        case Format::quoted_integer:
            return std::to_string(v.integer);
        case Format::fraction:
            std::snprintf(text, sizeof(text), "%.6f", v.real);
            return text;
        case Format::percent:
            std::snprintf(text, sizeof(text), "%.2f", v.real);
            return text;
        case Format::text:
            return std::string(v.text);
    }
    return {};
}

Value graphite_value(const Row& row, const Figures& f, const At& at) {
    if (!row.graphite_delta)
        return row.value(f, at);
    // Delta rows read the ended calls and the relayed totals only.
    Figures end, start;
    end.ended = f.last.ended_at_end;
    end.relayed = f.last.relayed_at_end;
    start.ended = f.last.ended_at_start;
    start.relayed = f.last.relayed_at_start;
    const Value a = row.value(end, at), b = row.value(start, at);
    return Value{a.integer - b.integer, a.real - b.real, {}};
}

std::vector<At> instances_of(Scope scope, const Figures& f) {
    std::vector<At> out;
    switch (scope) {
        case Scope::global:
            out.push_back({});
            break;
        case Scope::command:
            for (std::size_t c = 0; c < kNgCommands.size(); ++c)
                out.push_back({.command = c});
            break;
        case Scope::proxy:
            for (std::size_t p = 0; p < f.proxies.size(); ++p)
                out.push_back({.proxy = p});
            break;
        case Scope::proxy_command:
            for (std::size_t p = 0; p < f.proxies.size(); ++p)
                for (std::size_t c = 0; c < kNgCommands.size(); ++c)
                    out.push_back({.command = c, .proxy = p});
            break;
        case Scope::interface:
            for (std::size_t i = 0; i < f.interfaces.size(); ++i)
                out.push_back({.interface = i});
            break;
        case Scope::chain:
            for (std::size_t i = 0; i < f.chains.size(); ++i)
                out.push_back({.chain = i});
            break;
    }
    return out;
}

}  // namespace rtpe::stats
