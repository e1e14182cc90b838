#include "daemon/options.hpp"

#include <climits>

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

OptionSpec unsupported(const char* name, char short_name, ArgKind kind, const char* arg, const char* description) {
    return {name, short_name, kind, arg ? arg : "", description, nullptr};
}

OptionSpec log_level_option(const char* name, char short_name, const char* description, int& target) {
    return integer(name, short_name, "INT", description, target, 0, 7);
}

void add_logging(std::vector<OptionSpec>& t, DaemonOptions& o) {
    t.push_back(text("log-facility", 0, "daemon|local0|...|local7", "Syslog facility to use for logging",
                     o.log_facility));
    t.back().apply = [&o](const std::vector<std::string>& v) {
        if (!log::facility_by_name(v.back()))
            bad_value("log-facility", v.back(), "unknown syslog facility");
        o.log_facility = v.back();
    };
    t.push_back(log_level_option("log-level", 'L', "Default log level", o.log_level));
    const auto& subsystems = log::subsystems();
    for (std::size_t i = 0; i < subsystems.size(); ++i) {
        const std::string name = "log-level-" + std::string(subsystems[i].name);
        const std::string description = "Log level for: " + std::string(subsystems[i].description);
        // -1 silences a subsystem, as upstream's default for 'internals' does.
        t.push_back(integer(name.c_str(), 0, "INT", description.c_str(), o.subsystem_log_levels[i], -1, 7));
    }
    t.push_back(flag("log-stderr", 'E', "Log on stderr instead of syslog", o.log_stderr));
    t.push_back(unsupported("split-logs", 0, ArgKind::flag, nullptr, "Split multi-line log messages"));
    t.push_back(unsupported("max-log-line-length", 0, ArgKind::value, "INT", "Break log lines at this length"));
    t.push_back(flag("no-log-timestamps", 0, "Drop timestamps from log lines to stderr", o.log_timestamps, false));
    t.push_back(unsupported("log-mark-prefix", 0, ArgKind::value, nullptr, "Prefix for sensitive log info"));
    t.push_back(unsupported("log-mark-suffix", 0, ArgKind::value, nullptr, "Suffix for sensitive log info"));
}

}  // namespace

std::vector<OptionSpec> daemon_option_specs(DaemonOptions& o) {
    std::vector<OptionSpec> t;
    t.push_back(flag("version", 'v', "Print build time and exit", o.print_version));
    add_logging(t, o);
    t.push_back(text("pidfile", 'p', "FILE", "Write PID to file", o.pidfile));
    t.push_back(flag("foreground", 'f', "Don't fork to background", o.foreground));
    t.push_back(integer("thread-stack", 0, "INT", "Thread stack size in kB", o.thread_stack_kb, 64, 1 << 20));
    t.push_back(integer("table", 't', "INT", "Kernel table to use", o.table, -1, INT_MAX));
    t.push_back(unsupported("no-fallback", 'F', ArgKind::flag, nullptr, "Only start when kernel module is available"));
    t.push_back({"interface", 'i', ArgKind::list, "[NAME/]IP[!IP]", "Local interface for RTP",
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
                            "Bind ports only on first available interface of desired family"));
    t.push_back(unsupported("subscribe-keyspace", 'k', ArgKind::list, "INT INT ...", "Subscription keyspace list"));
    t.push_back(unsupported("listen-tcp", 'l', ArgKind::list, "[IP:]PORT", "TCP port to listen on"));
    t.push_back(unsupported("listen-udp", 'u', ArgKind::list, "[IP46|HOSTNAME:]PORT", "UDP port to listen on"));
    t.push_back({"listen-ng", 'n', ArgKind::list, "[IP46|HOSTNAME:]PORT", "UDP port to listen on, NG protocol",
                 [&o](const std::vector<std::string>& values) {
                     o.listen_ng.clear();
                     for (const auto& v : values) {
                         auto parsed = net::parse_endpoint(v);
                         if (!parsed.error.empty())
                             bad_value("listen-ng", v, parsed.error);
                         o.listen_ng.push_back({v, parsed.addresses});
                     }
                 }});
    t.push_back(unsupported("listen-tcp-ng", 'N', ArgKind::list, "[IP46|HOSTNAME:]PORT",
                            "TCP port to listen on, NG protocol"));
    t.push_back(unsupported("listen-cli", 'c', ArgKind::list, "[IP46|HOSTNAME:]PORT", "UDP port to listen on, CLI"));
    t.push_back(unsupported("graphite", 'g', ArgKind::value, "IP46|HOSTNAME:PORT", "Address of the graphite server"));
    t.push_back(unsupported("graphite-interval", 'G', ArgKind::value, "INT", "Graphite send interval in seconds"));
    t.push_back(unsupported("graphite-prefix", 0, ArgKind::value, "STRING", "Prefix for graphite line"));
    t.push_back(unsupported("graphite-timeout", 0, ArgKind::value, "INT",
                            "Graphite socket timeout interval in seconds"));
    t.push_back(unsupported("tos", 'T', ArgKind::value, "INT", "Default TOS value to set on streams"));
    t.push_back(unsupported("control-tos", 0, ArgKind::value, "INT", "Default TOS value to set on control-ng"));
    t.push_back(integer("timeout", 'o', "SECS", "RTP timeout", o.timeout, 0, INT_MAX));
    t.push_back(integer("silent-timeout", 's', "SECS", "RTP timeout for muted", o.silent_timeout, 0, INT_MAX));
    t.push_back(integer("final-timeout", 'a', "SECS", "Call timeout", o.final_timeout, 0, INT_MAX));
    t.push_back(integer("offer-timeout", 0, "SECS", "Timeout for incomplete one-sided calls", o.offer_timeout, 0,
                        INT_MAX));
    t.push_back(integer("port-min", 'm', "INT", "Lowest port to use for RTP", o.port_min, 1, 65535));
    t.push_back(integer("port-max", 'M', "INT", "Highest port to use for RTP", o.port_max, 1, 65535));
    t.push_back(unsupported("redis", 'r', ArgKind::value, "[PW@]IP:PORT/INT", "Connect to Redis database"));
    t.push_back(unsupported("redis-write", 'w', ArgKind::value, "[PW@]IP:PORT/INT",
                            "Connect to Redis write database"));
    t.push_back(unsupported("redis-num-threads", 0, ArgKind::value, "INT", "Number of Redis restore threads"));
    t.push_back(unsupported("redis-expires", 0, ArgKind::value, "INT", "Expire time in seconds for redis keys"));
    t.push_back(unsupported("no-redis-required", 'q', ArgKind::flag, nullptr,
                            "Start no matter of redis connection state"));
    t.push_back(unsupported("redis-allowed-errors", 0, ArgKind::value, "INT",
                            "Number of allowed errors before redis is temporarily disabled"));
    t.push_back(unsupported("redis-disable-time", 0, ArgKind::value, "INT",
                            "Number of seconds redis communication is disabled because of errors"));
    t.push_back(unsupported("redis-cmd-timeout", 0, ArgKind::value, "INT",
                            "Sets a timeout in milliseconds for redis commands"));
    t.push_back(unsupported("redis-connect-timeout", 0, ArgKind::value, "INT",
                            "Sets a timeout in milliseconds for redis connections"));
    t.push_back(unsupported("redis-delete-async", 'y', ArgKind::flag, nullptr, "Enable asynchronous redis delete"));
    t.push_back(unsupported("redis-delete-async-interval", 0, ArgKind::value, nullptr,
                            "Set asynchronous redis delete interval (seconds)"));
    t.push_back(unsupported("active-switchover", 0, ArgKind::flag, nullptr,
                            "Use call activity as indicator of active/standby state"));
    t.push_back(unsupported("b2b-url", 'b', ArgKind::value, "STRING", "XMLRPC URL of B2B UA"));
    t.push_back(unsupported("log-facility-cdr", 0, ArgKind::value, "daemon|local0|...|local7",
                            "Syslog facility to use for logging CDRs"));
    t.push_back(unsupported("log-facility-rtcp", 0, ArgKind::value, "daemon|local0|...|local7",
                            "Syslog facility to use for logging RTCP"));
    t.push_back(unsupported("log-facility-dtmf", 0, ArgKind::value, "daemon|local0|...|local7",
                            "Syslog facility to use for logging DTMF"));
    t.push_back(unsupported("dtmf-log-dest", 0, ArgKind::value, "IP46|HOSTNAME:PORT",
                            "Destination address for DTMF logging via UDP"));
    t.push_back(unsupported("dtmf-log-ng-tcp", 0, ArgKind::flag, nullptr, "DTMF logging via TCP NG protocol"));
    t.push_back(unsupported("dtmf-no-suppress", 0, ArgKind::flag, nullptr,
                            "Disable audio suppression during DTMF events"));
    t.push_back(unsupported("dtmf-digit-delay", 0, ArgKind::value, nullptr,
                            "Delay in ms between DTMF digit for trigger detection"));
    t.push_back({"log-format", 0, ArgKind::value, "default|parsable", "Log prefix format",
                 [&o](const std::vector<std::string>& v) {
                     if (v.back() == "default")
                         o.log_format = log::Format::default_;
                     else if (v.back() == "parsable")
                         o.log_format = log::Format::parsable;
                     else
                         bad_value("log-format", v.back(), "must be 'default' or 'parsable'");
                 }});
    t.push_back(unsupported("xmlrpc-format", 'x', ArgKind::value, "INT",
                            "XMLRPC timeout request format to use. 0: SEMS DI, 1: call-id only, 2: Kamailio"));
    t.push_back(integer("num-threads", 0, "INT", "Number of worker threads to create", o.num_threads, 1, 4096));
    t.push_back(unsupported("media-num-threads", 0, ArgKind::value, "INT",
                            "Number of worker threads for media playback"));
    t.push_back(integer("delete-delay", 'd', "INT", "Delay for deleting a session from memory.", o.delete_delay, 0,
                        INT_MAX));
    t.push_back(unsupported("sip-source", 0, ArgKind::flag, nullptr, "Use SIP source address by default"));
    t.push_back(unsupported("dtls-passive", 0, ArgKind::flag, nullptr, "Always prefer DTLS passive role"));
    t.push_back(unsupported("max-sessions", 0, ArgKind::value, "INT", "Limit of maximum number of sessions"));
    t.push_back(unsupported("max-load", 0, ArgKind::value, "FLOAT",
                            "Reject new sessions if load averages exceeds this value"));
    t.push_back(unsupported("max-cpu", 0, ArgKind::value, "FLOAT",
                            "Reject new sessions if CPU usage (in percent) exceeds this value"));
    t.push_back(unsupported("max-bandwidth", 0, ArgKind::value, "INT",
                            "Reject new sessions if bandwidth usage (in bytes per second) exceeds this value"));
    t.push_back(unsupported("homer", 0, ArgKind::value, "IP46|HOSTNAME:PORT", "Address of Homer server for RTCP stats"));
    t.push_back(unsupported("homer-protocol", 0, ArgKind::value, "udp|tcp", "Transport protocol for Homer (default udp)"));
    t.push_back(unsupported("homer-id", 0, ArgKind::value, "INT", "'Capture ID' to use within the HEP protocol"));
    t.push_back(unsupported("recording-dir", 0, ArgKind::value, "FILE", "Directory for storing pcap and metadata files"));
    t.push_back(unsupported("recording-method", 0, ArgKind::value, "pcap|proc", "Strategy for call recording"));
    t.push_back(unsupported("recording-format", 0, ArgKind::value, "raw|eth", "File format for stored pcap files"));
    t.push_back(unsupported("iptables-chain", 0, ArgKind::value, "STRING",
                            "Add explicit firewall rules to this iptables chain"));
    t.push_back(unsupported("codecs", 0, ArgKind::flag, nullptr, "Print a list of supported codecs and exit"));
    t.push_back(unsupported("scheduling", 0, ArgKind::value, "default|none|fifo|rr|other|batch|idle",
                            "Thread scheduling policy"));
    t.push_back(unsupported("priority", 0, ArgKind::value, "INT", "Thread scheduling priority"));
    t.push_back(unsupported("idle-scheduling", 0, ArgKind::value, "default|none|fifo|rr|other|batch|idle",
                            "Idle thread scheduling policy"));
    t.push_back(unsupported("idle-priority", 0, ArgKind::value, "INT", "Idle thread scheduling priority"));
    t.push_back(unsupported("log-srtp-keys", 0, ArgKind::flag, nullptr, "Log SRTP keys to error log"));
    t.push_back(unsupported("mysql-host", 0, ArgKind::value, "HOST|IP", "MySQL host for stored media files"));
    t.push_back(unsupported("mysql-port", 0, ArgKind::value, "INT", "MySQL port"));
    t.push_back(unsupported("mysql-user", 0, ArgKind::value, "USERNAME", "MySQL connection credentials"));
    t.push_back(unsupported("mysql-pass", 0, ArgKind::value, "PASSWORD", "MySQL connection credentials"));
    t.push_back(unsupported("mysql-query", 0, ArgKind::value, "STRING", "MySQL select query"));
    t.push_back(unsupported("endpoint-learning", 0, ArgKind::value, "delayed|immediate|off|heuristic",
                            "RTP endpoint learning algorithm"));
    t.push_back(unsupported("jitter-buffer", 0, ArgKind::value, "INT", "Size of jitter buffer"));
    t.push_back(unsupported("jb-clock-drift", 0, ArgKind::flag, nullptr, "Compensate for source clock drift"));
    t.push_back(unsupported("debug-srtp", 0, ArgKind::flag, nullptr, "Log raw encryption details for SRTP"));
    t.push_back(unsupported("reject-invalid-sdp", 0, ArgKind::flag, nullptr,
                            "Refuse to process SDP bodies with broken syntax"));
    t.push_back(unsupported("dtls-rsa-key-size", 0, ArgKind::value, "INT", "Size of RSA key for DTLS"));
    t.push_back(unsupported("dtls-cert-cipher", 0, ArgKind::value, "RSA", "Cipher to use for the DTLS certificate"));
    t.push_back(unsupported("dtls-mtu", 0, ArgKind::value, "INT", "DTLS MTU"));
    t.push_back(unsupported("dtls-ciphers", 0, ArgKind::value, "STRING", "List of ciphers for DTLS"));
    t.push_back(unsupported("dtls-signature", 0, ArgKind::value, "SHA-256|SHA-1", "Signature algorithm for DTLS"));
    t.push_back(unsupported("listen-http", 0, ArgKind::list, "[IP46|HOSTNAME:]PORT", "Interface for HTTP and WS"));
    t.push_back(unsupported("listen-https", 0, ArgKind::list, "[IP46|HOSTNAME:]PORT", "Interface for HTTPS and WSS"));
    t.push_back(unsupported("https-cert", 0, ArgKind::value, "FILE", "Certificate for HTTPS and WSS"));
    t.push_back(unsupported("https-key", 0, ArgKind::value, "FILE", "Private key for HTTPS and WSS"));
    t.push_back(unsupported("http-threads", 0, ArgKind::value, "INT", "Number of worker threads for HTTP and WS"));
    t.push_back(unsupported("software-id", 0, ArgKind::value, "STRING",
                            "Identification string of this software presented to external systems"));
    t.push_back(unsupported("poller-per-thread", 0, ArgKind::flag, nullptr, "Use poller per thread"));
    t.push_back(unsupported("dtx-delay", 0, ArgKind::value, "INT", "Delay in milliseconds to trigger DTX handling"));
    t.push_back(unsupported("max-dtx", 0, ArgKind::value, "INT", "Maximum duration of DTX handling"));
    t.push_back(unsupported("dtx-buffer", 0, ArgKind::value, "INT", "Maxmium number of packets held in DTX buffer"));
    t.push_back(unsupported("dtx-lag", 0, ArgKind::value, "INT",
                            "Maxmium time span in milliseconds held in DTX buffer"));
    t.push_back(unsupported("dtx-shift", 0, ArgKind::value, "INT",
                            "Length of time (in ms) to shift DTX buffer after over/underflow"));
    t.push_back(unsupported("dtx-cn-params", 0, ArgKind::list, "INT INT INT ...", "Parameters for CN generated from DTX"));
    t.push_back(unsupported("amr-dtx", 0, ArgKind::value, "native|CN", "DTX mechanism to use for AMR and AMR-WB"));
    t.push_back(unsupported("silence-detect", 0, ArgKind::value, "FLOAT",
                            "Audio level threshold in percent for silence detection"));
    t.push_back(unsupported("cn-payload", 0, ArgKind::list, "INT INT INT ...",
                            "Comfort noise parameters to replace silence with"));
    t.push_back(unsupported("mqtt-host", 0, ArgKind::value, "HOST|IP", "Mosquitto broker host or address"));
    t.push_back(unsupported("mqtt-port", 0, ArgKind::value, "INT", "Mosquitto broker port number"));
    t.push_back(unsupported("mqtt-id", 0, ArgKind::value, "STRING", "Mosquitto client ID"));
    t.push_back(unsupported("mqtt-keepalive", 0, ArgKind::value, "INT", "Seconds between mosquitto keepalives"));
    t.push_back(unsupported("mqtt-user", 0, ArgKind::value, "USERNAME", "Username for mosquitto auth"));
    t.push_back(unsupported("mqtt-pass", 0, ArgKind::value, "PASSWORD", "Password for mosquitto auth"));
    t.push_back(unsupported("mqtt-cafile", 0, ArgKind::value, "FILE", "CA file for mosquitto auth"));
    t.push_back(unsupported("mqtt-capath", 0, ArgKind::value, "PATH", "CA path for mosquitto auth"));
    t.push_back(unsupported("mqtt-certfile", 0, ArgKind::value, "FILE", "Certificate file for mosquitto auth"));
    t.push_back(unsupported("mqtt-keyfile", 0, ArgKind::value, "FILE", "Key file for mosquitto auth"));
    t.push_back(unsupported("mqtt-publish-qos", 0, ArgKind::value, "0|1|2", "Mosquitto publish QoS"));
    t.push_back(unsupported("mqtt-publish-topic", 0, ArgKind::value, "STRING", "Mosquitto publish topic"));
    t.push_back(unsupported("mqtt-publish-interval", 0, ArgKind::value, "MILLISECONDS", "Publish timer interval"));
    t.push_back(unsupported("mqtt-publish-scope", 0, ArgKind::value, "global|call|media",
                            "Scope for published mosquitto messages"));
    t.push_back(unsupported("mos", 0, ArgKind::value, "CQ|LQ", "Type of MOS calculation"));
    t.push_back(unsupported("socket-cpu-affinity", 0, ArgKind::value, "INT", "CPU affinity for media sockets"));
    t.push_back(unsupported("janus-secret", 0, ArgKind::value, "STRING", "Admin secret for Janus protocol"));
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
    config::LoaderSettings settings{" - next-generation media proxy", "/etc/rtpengine/rtpengine.conf", "rtpengine"};
    auto loaded = config::load_options(argc, argv, specs, settings);
    o.config_file = loaded.config_file;
    o.config_section = loaded.config_section;
    if (warnings)
        *warnings = std::move(loaded.warnings);
    if (o.print_version)
        return o;

    if (o.interfaces.empty())
        throw ConfigError("missing option --interface");
    if (o.listen_ng.empty())
        throw ConfigError("missing option --listen-ng (the only control protocol supported yet)");
    if (o.port_min > o.port_max)
        throw ConfigError("--port-min (" + std::to_string(o.port_min) + ") is above --port-max (" +
                          std::to_string(o.port_max) + ")");
    return o;
}

}  // namespace rtpe
