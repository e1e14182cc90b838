#include "daemon/options.hpp"

#include <cctype>
#include <climits>

#include "daemon/call/timeout_notifier.hpp"
#include "dtls/certificate.hpp"
#include "net/endpoint_spec.hpp"
#include "util/parse.hpp"

namespace rtpe {

namespace {

using config::ArgKind;
using config::ConfigError;
using config::OptionSpec;

[[noreturn]] void bad_value(const std::string& option, const std::string& value, const std::string& why) {
    throw ConfigError("invalid value '" + value + "' for option --" + option + ": " + why);
}

OptionSpec flag(const char* name, char short_name, const char* description, bool& target, bool set_to = true) {
    return {name, short_name, ArgKind::flag, "", description,
            [&target, set_to](const std::vector<std::string>& v) {
                target = (v.back() == "true") ? set_to : !set_to;
            }};
}

OptionSpec integer(const char* name, char short_name, const char* arg, const char* description, int& target,
                   int min, int max) {
    std::string option = name;
    return {name, short_name, ArgKind::value, arg, description,
            [&target, min, max, option](const std::vector<std::string>& v) {
                auto n = parse_int(v.back());
                if (!n)
                    bad_value(option, v.back(), "not an integer");
                if (*n < min || *n > max)
                    bad_value(option, v.back(),
                              "must be between " + std::to_string(min) + " and " + std::to_string(max));
                target = static_cast<int>(*n);
            }};
}

OptionSpec text(const char* name, char short_name, const char* arg, const char* description, std::string& target) {
    return {name, short_name, ArgKind::value, arg, description,
            [&target](const std::vector<std::string>& v) { target = v.back(); }};
}

// A syslog facility by name (daemon, local0, ...), checked at start.
OptionSpec facility(const char* name, const char* description, std::string& target) {
    return {name, 0, ArgKind::value, "daemon|local0|...|local7", description,
            [name, &target](const std::vector<std::string>& v) {
                if (!log::facility_by_name(v.back()))
                    bad_value(name, v.back(), "unknown syslog facility");
                target = v.back();
            }};
}

// Upstream keeps load and CPU limits in hundredths; so does this daemon.
OptionSpec hundredths(const char* name, const char* description, int& target) {
    std::string option = name;
    return {name, 0, ArgKind::value, "FLOAT", description, [&target, option](const std::vector<std::string>& v) {
                auto n = parse_double(v.back());
                if (!n || *n < -1e7 || *n > 1e7)
                    bad_value(option, v.back(), "not a number");
                target = static_cast<int>(*n * 100.0);
            }};
}

// A value the predicate accepts (its spellings are the arg text's).
OptionSpec choice(const char* name, const char* arg, const char* description, bool (*valid)(const std::string&),
                  std::string& target) {
    std::string option = name;
    std::string allowed = arg;
    return {name, 0, ArgKind::value, arg, description,
            [&target, valid, option, allowed](const std::vector<std::string>& v) {
                if (!valid(v.back()))
                    bad_value(option, v.back(), "must be one of " + allowed);
                target = v.back();
            }};
}

// RFC 3389 comfort-noise parameters, one per value: the noise level (-dBov, 0-127), then
// reflection coefficients (0-254).
OptionSpec comfort_noise(const char* name, const char* description, std::vector<uint8_t>& target) {
    std::string option = name;
    return {name, 0, ArgKind::list, "INT INT INT ...", description,
            [&target, option](const std::vector<std::string>& values) {
                target.clear();
                for (const auto& v : values) {
                    const auto n = parse_int(v);
                    const int max = target.empty() ? 127 : 254;
                    if (!n || *n < 0 || *n > max)
                        bad_value(option, v, "must be between 0 and " + std::to_string(max));
                    target.push_back(static_cast<uint8_t>(*n));
                }
            }};
}

OptionSpec unsupported(const char* name, char short_name, ArgKind kind, const char* arg, const char* description) {
    return {name, short_name, kind, arg ? arg : "", description, nullptr};
}

// A repeatable listening address, '[IP46|HOSTNAME:]PORT'.
OptionSpec listen(const char* name, char short_name, const char* description, std::vector<ListenSpec>& target) {
    std::string option = name;
    return {name, short_name, ArgKind::list, "[IP46|HOSTNAME:]PORT", description,
            [&target, option](const std::vector<std::string>& values) {
                target.clear();
                for (const auto& v : values) {
                    auto parsed = net::parse_endpoint(v);
                    if (!parsed.error.empty())
                        bad_value(option, v, parsed.error);
                    target.push_back({v, parsed.addresses});
                }
            }};
}

OptionSpec log_level_option(const char* name, char short_name, const char* description, int& target) {
    return integer(name, short_name, "INT", description, target, 0, 7);
}

void add_logging(std::vector<OptionSpec>& t, DaemonOptions& o) {
    t.push_back(facility("log-facility", "syslog facility for log lines", o.log_facility));
    t.push_back(log_level_option("log-level", 'L', "highest syslog priority logged, for subsystems without their own level", o.log_level));
    const auto& subsystems = log::subsystems();
    for (std::size_t i = 0; i < subsystems.size(); ++i) {
        const std::string name = "log-level-" + std::string(subsystems[i].name);
        const std::string description = "log level of " + std::string(subsystems[i].description);
        // -1 silences a subsystem, as upstream's default for 'internals' does.
        t.push_back(integer(name.c_str(), 0, "INT", description.c_str(), o.subsystem_log_levels[i], -1, 7));
    }
    t.push_back(flag("log-stderr", 'E', "write log lines to stderr rather than syslog", o.log_stderr));
    t.push_back(unsupported("split-logs", 0, ArgKind::flag, nullptr, "break multi-line messages into several log lines"));
    t.push_back(unsupported("max-log-line-length", 0, ArgKind::value, "INT", "wrap log lines longer than this"));
    t.push_back(flag("no-log-timestamps", 0, "leave the time stamp off stderr log lines", o.log_timestamps, false));
    t.push_back(unsupported("log-mark-prefix", 0, ArgKind::value, nullptr, "text put before sensitive values in logs"));
    t.push_back(unsupported("log-mark-suffix", 0, ArgKind::value, nullptr, "text put after sensitive values in logs"));
}

}  // namespace

std::vector<OptionSpec> daemon_option_specs(DaemonOptions& o) {
    std::vector<OptionSpec> t;
    t.push_back(flag("version", 'v', "print the version and exit", o.print_version));
    add_logging(t, o);
    t.push_back(text("pidfile", 'p', "FILE", "file to write the process id to", o.pidfile));
    t.push_back(flag("foreground", 'f', "stay attached to the terminal instead of daemonizing", o.foreground));
    t.push_back(integer("thread-stack", 0, "INT", "stack size of each thread, in kB", o.thread_stack_kb, 64, 1 << 20));
    t.push_back(integer("table", 't', "INT", "kernel forwarding table number; negative for none", o.table, -1, INT_MAX));
    t.push_back(flag("no-fallback", 'F', "refuse to start without the kernel module", o.no_fallback));
    t.push_back({"interface", 'i', ArgKind::list, "[NAME/]IP[!IP]", "media interface '[NAME/]IP[!ADVERTISED]'; repeatable",
                 [&o](const std::vector<std::string>& values) {
                     o.interfaces.clear();
                     for (const auto& v : values) {
                         auto parsed = net::parse_interface(v);
                         if (!parsed.error.empty())
                             bad_value("interface", v, parsed.error);
                         o.interfaces.insert(o.interfaces.end(), parsed.interfaces.begin(), parsed.interfaces.end());
                     }
                 }});
    t.push_back(unsupported("save-interface-ports", 'S', ArgKind::flag, nullptr,
                            "allocate ports on the first usable address of a logical interface only"));
    t.push_back(unsupported("subscribe-keyspace", 'k', ArgKind::list, "INT INT ...", "Redis keyspaces to follow"));
    t.push_back(listen("listen-tcp", 'l', "legacy TCP control port (OpenSER mediaproxy style); repeatable", o.listen_tcp));
    t.push_back(listen("listen-udp", 'u', "rtpproxy-protocol UDP control port; repeatable", o.listen_udp));
    t.push_back(listen("listen-ng", 'n', "ng-protocol UDP control port; repeatable", o.listen_ng));
    t.push_back(listen("listen-tcp-ng", 'N', "ng-protocol TCP control port; repeatable", o.listen_tcp_ng));
    t.push_back(listen("listen-cli", 'c', "TCP port of the text CLI used by rtpengine-ctl; repeatable", o.listen_cli));
    t.push_back({"graphite", 'g', ArgKind::value, "IP46|HOSTNAME:PORT", "Graphite server to send statistics to",
                 [&o](const std::vector<std::string>& v) {
                     // A bare port would mean "any address", which is nowhere to connect to.
                     if (v.back().find(':') == std::string::npos)
                         bad_value("graphite", v.back(), "expected IP46|HOSTNAME:PORT");
                     auto parsed = net::parse_endpoint(v.back());
                     if (!parsed.error.empty())
                         bad_value("graphite", v.back(), parsed.error);
                     o.graphite = parsed.addresses.front();
                 }});
    t.push_back(integer("graphite-interval", 'G', "INT", "seconds between Graphite reports", o.graphite_interval, 0,
                        INT_MAX));
    t.push_back(text("graphite-prefix", 0, "STRING", "prefix of every Graphite metric name", o.graphite_prefix));
    t.push_back(integer("graphite-timeout", 0, "INT", "seconds before giving up a Graphite connection",
                        o.graphite_timeout, 0, INT_MAX));
    t.push_back(integer("tos", 'T', "INT", "TOS byte set on media packets", o.tos, 0, 255));
    t.push_back(integer("control-tos", 0, "INT", "TOS byte set on ng control replies", o.control_tos, 0, 255));
    t.push_back(integer("timeout", 'o', "SECS", "seconds without media before a call is ended", o.timeout, 0, INT_MAX));
    t.push_back(integer("silent-timeout", 's', "SECS", "the same for calls on hold or muted", o.silent_timeout, 0, INT_MAX));
    t.push_back(integer("final-timeout", 'a', "SECS", "seconds after which any call is ended; 0 for never", o.final_timeout, 0, INT_MAX));
    t.push_back(integer("offer-timeout", 0, "SECS", "seconds an offer may wait for its answer", o.offer_timeout, 0,
                        INT_MAX));
    t.push_back(integer("port-min", 'm', "INT", "lowest media port", o.port_min, 1, 65535));
    t.push_back(integer("port-max", 'M', "INT", "highest media port", o.port_max, 1, 65535));
    t.push_back(unsupported("redis", 'r', ArgKind::value, "[PW@]IP:PORT/INT", "Redis database to restore and store calls"));
    t.push_back(unsupported("redis-write", 'w', ArgKind::value, "[PW@]IP:PORT/INT",
                            "separate Redis database for writes"));
    t.push_back(unsupported("redis-num-threads", 0, ArgKind::value, "INT", "threads restoring calls from Redis"));
    t.push_back(unsupported("redis-expires", 0, ArgKind::value, "INT", "expiry of Redis keys, in seconds"));
    t.push_back(unsupported("no-redis-required", 'q', ArgKind::flag, nullptr,
                            "start even when Redis is unreachable"));
    t.push_back(unsupported("redis-allowed-errors", 0, ArgKind::value, "INT",
                            "Redis errors tolerated before it is paused"));
    t.push_back(unsupported("redis-disable-time", 0, ArgKind::value, "INT",
                            "seconds Redis stays paused after too many errors"));
    t.push_back(unsupported("redis-cmd-timeout", 0, ArgKind::value, "INT",
                            "Redis command timeout in milliseconds"));
    t.push_back(unsupported("redis-connect-timeout", 0, ArgKind::value, "INT",
                            "Redis connect timeout in milliseconds"));
    t.push_back(unsupported("redis-delete-async", 'y', ArgKind::flag, nullptr, "delete calls from Redis in the background"));
    t.push_back(unsupported("redis-delete-async-interval", 0, ArgKind::value, nullptr,
                            "seconds between background Redis deletions"));
    t.push_back(unsupported("active-switchover", 0, ArgKind::flag, nullptr,
                            "treat media activity as the signal to take over calls"));
    t.push_back({"b2b-url", 'b', ArgKind::value, "STRING", "XML-RPC URL notified when a call times out",
                 [&o](const std::vector<std::string>& v) {
                     // "%%" stands for the address of the ng client; checked without it.
                     std::string url = v.back();
                     if (const auto at = url.find("%%"); at != std::string::npos)
                         url.replace(at, 2, "127.0.0.1");
                     if (!call::parse_http_url(url))
                         bad_value("b2b-url", v.back(), "must be an http:// or https://HOST[:PORT][/PATH] URL");
                     o.b2b_url = v.back();
                 }});
    t.push_back(facility("log-facility-cdr", "syslog facility for call detail records", o.log_facility_cdr));
    t.push_back(unsupported("log-facility-rtcp", 0, ArgKind::value, "daemon|local0|...|local7",
                            "syslog facility for RTCP reports"));
    t.push_back(facility("log-facility-dtmf", "syslog facility for DTMF events", o.log_facility_dtmf));
    t.push_back({"dtmf-log-dest", 0, ArgKind::value, "IP46|HOSTNAME:PORT", "UDP address receiving DTMF events as JSON",
                 [&o](const std::vector<std::string>& v) {
                     auto parsed = net::parse_endpoint(v.back());
                     if (!parsed.error.empty())
                         bad_value("dtmf-log-dest", v.back(), parsed.error);
                     o.dtmf_log_dest = parsed.addresses.front();
                 }});
    t.push_back(flag("dtmf-log-ng-tcp", 0, "send DTMF events to connected TCP ng clients", o.dtmf_log_ng_tcp));
    t.push_back(flag("dtmf-no-suppress", 0, "keep audio flowing during DTMF events when transcoding",
                     o.dtmf_no_suppress));
    t.push_back(integer("dtmf-digit-delay", 0, "INT", "milliseconds between digits for DTMF trigger detection",
                        o.dtmf_digit_delay, 0, 3600000));
    t.push_back({"log-format", 0, ArgKind::value, "default|parsable", "log prefix style: 'default' or 'parsable'",
                 [&o](const std::vector<std::string>& v) {
                     if (v.back() == "default")
                         o.log_format = log::Format::default_;
                     else if (v.back() == "parsable")
                         o.log_format = log::Format::parsable;
                     else
                         bad_value("log-format", v.back(), "must be 'default' or 'parsable'");
                 }});
    t.push_back(integer("xmlrpc-format", 'x', "INT", "payload style of timeout notifications (0, 1, 2)",
                        o.xmlrpc_format, 0, 2));
    t.push_back(integer("num-threads", 0, "INT", "number of media worker threads; default one per core", o.num_threads, 1, 4096));
    t.push_back(unsupported("media-num-threads", 0, ArgKind::value, "INT",
                            "number of threads for media playback"));
    t.push_back(integer("delete-delay", 'd', "INT", "seconds a deleted call is kept before it is freed", o.delete_delay, 0,
                        INT_MAX));
    t.push_back(unsupported("sip-source", 0, ArgKind::flag, nullptr, "use the SIP source address rather than SDP's by default"));
    t.push_back(flag("dtls-passive", 0, "prefer the passive DTLS role", o.dtls_passive));
    t.push_back(integer("max-sessions", 0, "INT", "refuse new calls above this many", o.max_sessions,
                        -1, INT_MAX));
    t.push_back(hundredths("max-load", "refuse new calls above this load average", o.max_load_centi));
    t.push_back(hundredths("max-cpu", "refuse new calls above this CPU usage in percent", o.max_cpu_centi));
    t.push_back({"max-bandwidth", 0, ArgKind::value, "INT", "refuse new calls above this many bytes per second",
                 [&o](const std::vector<std::string>& v) {
                     auto n = parse_int(v.back());
                     if (!n || *n < 0)
                         bad_value("max-bandwidth", v.back(), "not a non-negative integer");
                     o.max_bandwidth = static_cast<uint64_t>(*n);
                 }});
    t.push_back({"homer", 0, ArgKind::value, "IP46|HOSTNAME:PORT", "Homer (HEP) server for RTCP statistics",
                 [&o](const std::vector<std::string>& v) {
                     // A bare port means the unspecified address, which (as upstream) leaves
                     // Homer off; main() says so.
                     auto parsed = net::parse_endpoint(v.back());
                     if (!parsed.error.empty())
                         bad_value("homer", v.back(), parsed.error);
                     o.homer = parsed.addresses.front();
                 }});
    t.push_back({"homer-protocol", 0, ArgKind::value, "udp|tcp", "transport to Homer: udp (default) or tcp",
                 [&o](const std::vector<std::string>& v) {
                     if (v.back() == "udp")
                         o.homer_tcp = false;
                     else if (v.back() == "tcp")
                         o.homer_tcp = true;
                     else
                         bad_value("homer-protocol", v.back(), "must be 'udp' or 'tcp'");
                 }});
    // Upstream reads a signed int and sends its 32 bits.
    t.push_back(integer("homer-id", 0, "INT", "HEP capture id", o.homer_id, INT_MIN, INT_MAX));
    t.push_back(unsupported("recording-dir", 0, ArgKind::value, "FILE", "spool directory for recordings and metadata"));
    t.push_back(unsupported("recording-method", 0, ArgKind::value, "pcap|proc", "recording strategy: pcap or proc"));
    t.push_back(unsupported("recording-format", 0, ArgKind::value, "raw|eth", "pcap file flavour: raw or eth"));
    t.push_back(text("iptables-chain", 0, "STRING", "iptables chain to add per-port accept rules to", o.iptables_chain));
    t.push_back(flag("codecs", 0, "print the supported codecs and exit", o.print_codecs));
    t.push_back(unsupported("scheduling", 0, ArgKind::value, "default|none|fifo|rr|other|batch|idle",
                            "scheduling policy of worker threads"));
    t.push_back(unsupported("priority", 0, ArgKind::value, "INT", "scheduling priority of worker threads"));
    t.push_back(unsupported("idle-scheduling", 0, ArgKind::value, "default|none|fifo|rr|other|batch|idle",
                            "scheduling policy of idle threads"));
    t.push_back(unsupported("idle-priority", 0, ArgKind::value, "INT", "scheduling priority of idle threads"));
    t.push_back(flag("log-srtp-keys", 0, "log SRTP keys to the error log instead of the debug log", o.log_srtp_keys));
    t.push_back(text("mysql-host", 0, "HOST|IP", "MySQL server holding media files to play", o.mysql_host));
    t.push_back(integer("mysql-port", 0, "INT", "MySQL port", o.mysql_port, 1, 65535));
    t.push_back(text("mysql-user", 0, "USERNAME", "MySQL user", o.mysql_user));
    t.push_back(text("mysql-pass", 0, "PASSWORD", "MySQL password", o.mysql_pass));
    t.push_back(text("mysql-query", 0, "STRING", "query returning a media file by id", o.mysql_query));
    t.push_back({"endpoint-learning", 0, ArgKind::value, "delayed|immediate|off|heuristic",
                 "how peers' real addresses are learned: delayed, immediate, off, heuristic",
                 [&o](const std::vector<std::string>& v) {
                     if (v.back() != "delayed" && v.back() != "immediate" && v.back() != "off" && v.back() != "heuristic")
                         bad_value("endpoint-learning", v.back(), "must be delayed, immediate, off or heuristic");
                     o.endpoint_learning = v.back();
                 }});
    t.push_back(integer("jitter-buffer", 0, "INT", "jitter buffer size in packets (transcoded media)", o.jitter_buffer,
                        0, 100));
    t.push_back(flag("jb-clock-drift", 0, "compensate senders' clock drift in the jitter buffer", o.jb_clock_drift));
    t.push_back(flag("debug-srtp", 0, "log SRTP packets (every RTCP one, every 512th RTP one)", o.debug_srtp));
    t.push_back(unsupported("reject-invalid-sdp", 0, ArgKind::flag, nullptr,
                            "refuse SDP bodies with syntax errors"));
    t.push_back(integer("dtls-rsa-key-size", 0, "INT", "RSA key size of the DTLS certificate", o.dtls_rsa_key_size,
                        1024, 16384));
    t.push_back(choice("dtls-cert-cipher", "prime256v1|RSA", "key type of the DTLS certificate",
                       [](const std::string& v) { return dtls::parse_key_type(v).has_value(); }, o.dtls_cert_cipher));
    t.push_back(integer("dtls-mtu", 0, "INT", "largest DTLS datagram", o.dtls_mtu, 576, 65507));
    t.push_back(text("dtls-ciphers", 0, "STRING", "OpenSSL cipher list for DTLS", o.dtls_ciphers));
    t.push_back(choice("dtls-signature", "SHA-256|SHA-1", "signature hash of the DTLS certificate",
                       [](const std::string& v) { return dtls::parse_signature_hash(v).has_value(); },
                       o.dtls_signature));
    t.push_back(listen("listen-http", 0, "address for HTTP and WebSocket control; repeatable", o.listen_http));
    t.push_back(listen("listen-https", 0, "address for HTTPS and secure WebSocket control; repeatable", o.listen_https));
    t.push_back(text("https-cert", 0, "FILE", "certificate file for HTTPS", o.https_cert));
    t.push_back(text("https-key", 0, "FILE", "private key file for HTTPS", o.https_key));
    t.push_back(integer("http-threads", 0, "INT", "threads serving HTTP and WebSocket connections", o.http_threads, 0, 64));
    t.push_back(unsupported("software-id", 0, ArgKind::value, "STRING",
                            "software name shown to peers (SDP, STUN)"));
    t.push_back(unsupported("poller-per-thread", 0, ArgKind::flag, nullptr, "give every worker thread its own poller"));
    t.push_back(integer("dtx-delay", 0, "INT", "milliseconds transcoded media is held so that gaps can be filled",
                        o.dtx_delay, 0, 5000));
    t.push_back(integer("max-dtx", 0, "INT", "longest gap filled, in seconds (0 or less: no limit)", o.max_dtx,
                        INT_MIN, 86400));
    t.push_back(integer("dtx-buffer", 0, "INT", "packets held in the DTX buffer at most", o.dtx_buffer, 0, 500));
    t.push_back(integer("dtx-lag", 0, "INT", "milliseconds held in the DTX buffer at most", o.dtx_lag, 0, 60000));
    t.push_back(integer("dtx-shift", 0, "INT", "milliseconds to shift the DTX buffer after an overflow", o.dtx_shift,
                        0, 10000));
    t.push_back(comfort_noise("dtx-cn-params", "comfort-noise parameters generated during DTX", o.dtx_cn_params));
    t.push_back(choice("amr-dtx", "native|CN", "DTX for AMR codecs: native or CN",
                       [](const std::string& v) { return v == "native" || v == "CN"; }, o.amr_dtx));
    t.push_back({"silence-detect", 0, ArgKind::value, "FLOAT", "audio level (percent) counted as silence",
                 [&o](const std::vector<std::string>& v) {
                     const auto n = parse_double(v.back());
                     if (!n || *n < 0 || *n > 100)
                         bad_value("silence-detect", v.back(), "must be a percentage between 0 and 100");
                     o.silence_detect = *n;
                 }});
    t.push_back(comfort_noise("cn-payload", "comfort-noise parameters replacing silence", o.cn_payload));
    t.push_back(text("mqtt-host", 0, "HOST|IP", "MQTT broker host or address; enables MQTT publishing", o.mqtt.host));
    t.back().apply = [&o](const std::vector<std::string>& v) {
        if (v.back().empty())
            bad_value("mqtt-host", v.back(), "empty host");
        o.mqtt.host = v.back();
    };
    t.push_back(integer("mqtt-port", 0, "INT", "MQTT broker port", o.mqtt.port, 1, 65535));
    t.push_back(text("mqtt-id", 0, "STRING", "MQTT client id (default: assigned by the broker)", o.mqtt.id));
    t.back().apply = [&o](const std::vector<std::string>& v) {
        // MQTT 3.1.1 client ids are UTF-8 strings of at most 65535 bytes.
        if (v.back().size() > 65535)
            bad_value("mqtt-id", v.back().substr(0, 32) + "...", "longer than 65535 bytes");
        o.mqtt.id = v.back();
    };
    t.push_back(integer("mqtt-keepalive", 0, "INT", "seconds between MQTT keepalives", o.mqtt.keepalive, 0, 65535));
    t.back().apply = [&o, inner = t.back().apply](const std::vector<std::string>& v) {
        inner(v);
        // libmosquitto refuses keepalives of 1 to 4 seconds; 0 turns them off.
        if (o.mqtt.keepalive > 0 && o.mqtt.keepalive < 5)
            bad_value("mqtt-keepalive", v.back(), "must be 0 (off) or between 5 and 65535");
    };
    t.push_back(text("mqtt-user", 0, "USERNAME", "MQTT user name", o.mqtt.user));
    t.push_back(text("mqtt-pass", 0, "PASSWORD", "MQTT password", o.mqtt.pass));
    t.push_back(text("mqtt-cafile", 0, "FILE", "CA file for MQTT over TLS; enables TLS", o.mqtt.cafile));
    t.push_back(text("mqtt-capath", 0, "PATH", "CA directory for MQTT over TLS; enables TLS", o.mqtt.capath));
    t.push_back(text("mqtt-certfile", 0, "FILE", "client certificate for MQTT over TLS", o.mqtt.certfile));
    t.push_back(text("mqtt-keyfile", 0, "FILE", "client key for MQTT over TLS", o.mqtt.keyfile));
    t.push_back(integer("mqtt-publish-qos", 0, "0|1|2", "QoS of published MQTT messages", o.mqtt.publish_qos, 0, 2));
    t.push_back(text("mqtt-publish-topic", 0, "STRING", "topic of published MQTT messages", o.mqtt.publish_topic));
    t.back().apply = [&o](const std::vector<std::string>& v) {
        const std::string& topic = v.back();
        if (topic.empty())
            bad_value("mqtt-publish-topic", topic, "empty topic");
        if (topic.find_first_of("+#") != std::string::npos)
            bad_value("mqtt-publish-topic", topic, "wildcards '+' and '#' cannot be published to");
        if (topic.find('\0') != std::string::npos || topic.size() > 65535)
            bad_value("mqtt-publish-topic", topic, "not a valid MQTT topic");
        o.mqtt.publish_topic = topic;
    };
    t.push_back(integer("mqtt-publish-interval", 0, "MILLISECONDS", "milliseconds between MQTT publications",
                        o.mqtt.publish_interval, 1, 86400000));
    t.push_back({"mqtt-publish-scope", 0, ArgKind::value, "global|call|media",
                 "what each MQTT message covers: global, call or media", [&o](const std::vector<std::string>& v) {
        using Scope = DaemonOptions::Mqtt::Scope;
        if (v.back() == "global")
            o.mqtt.publish_scope = Scope::global;
        else if (v.back() == "call")
            o.mqtt.publish_scope = Scope::call;
        else if (v.back() == "media")
            o.mqtt.publish_scope = Scope::media;
        else
            bad_value("mqtt-publish-scope", v.back(), "expected global, call or media");
    }});
    t.push_back({"mos", 0, ArgKind::value, "CQ|LQ", "MOS formula: CQ (conversational) or LQ (listening)",
                 [&o](const std::vector<std::string>& v) {
                     std::string type = v.back();
                     for (char& c : type)
                         c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                     if (type != "CQ" && type != "LQ")
                         bad_value("mos", v.back(), "must be CQ or LQ");
                     o.mos = type;
                 }});
    t.push_back(unsupported("socket-cpu-affinity", 0, ArgKind::value, "INT", "CPU affinity of media sockets"));
    t.push_back(unsupported("janus-secret", 0, ArgKind::value, "STRING", "admin secret of the Janus protocol"));
    return t;
}

DaemonOptions load_daemon_options(int argc, char** argv, std::vector<std::string>* warnings) {
    DaemonOptions o;
    // --version must answer even when the config file holds options this build refuses.
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--")
            break;
        if (arg == "-v" || arg == "--version") {
            o.print_version = true;
            return o;
        }
    }
    auto specs = daemon_option_specs(o);
    config::LoaderSettings settings{" - media proxy driven by the ng control protocol", "/etc/rtpengine/rtpengine.conf", "rtpengine"};
    auto loaded = config::load_options(argc, argv, specs, settings);
    o.config_file = loaded.config_file;
    o.config_section = loaded.config_section;
    if (warnings)
        *warnings = std::move(loaded.warnings);
    if (o.print_version || o.print_codecs)
        return o;

    if (o.interfaces.empty())
        throw ConfigError("missing option --interface");
    if (o.listen_ng.empty() && o.listen_tcp_ng.empty() && o.listen_http.empty() && o.listen_https.empty() &&
        o.listen_udp.empty() && o.listen_tcp.empty())
        throw ConfigError(
            "missing option --listen-ng, --listen-tcp-ng, --listen-udp, --listen-tcp, --listen-http or --listen-https");
    if (!o.listen_https.empty() && o.https_cert.empty())
        throw ConfigError("--listen-https needs --https-cert");
    if (o.mqtt.host.empty()) {
        for (const auto* set : {&o.mqtt.publish_topic, &o.mqtt.cafile, &o.mqtt.capath}) {
            if (!set->empty()) {
                if (warnings)
                    warnings->push_back("MQTT options without --mqtt-host are ignored");
                break;
            }
        }
    }
    if (!o.mqtt.certfile.empty() != !o.mqtt.keyfile.empty())
        throw ConfigError("--mqtt-certfile and --mqtt-keyfile go together");
    if (!o.mqtt.certfile.empty() && o.mqtt.cafile.empty() && o.mqtt.capath.empty())
        throw ConfigError("--mqtt-certfile needs --mqtt-cafile or --mqtt-capath");
    if (o.port_min > o.port_max)
        throw ConfigError("--port-min (" + std::to_string(o.port_min) + ") is above --port-max (" +
                          std::to_string(o.port_max) + ")");
    return o;
}

}  // namespace rtpe
