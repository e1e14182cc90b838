#pragma once
// Everything the command line and config file can set, with upstream's defaults.

#include <array>
#include <optional>
#include <cstdint>
#include <string>
#include <vector>

#include "config/option_loader.hpp"
#include "net/address.hpp"
#include "net/interface_spec.hpp"
#include "util/log.hpp"

namespace rtpe {

struct ListenSpec {
    std::string text;                        // as the operator wrote it, for messages
    std::vector<net::SocketAddress> addresses;
};

struct DaemonOptions {
    bool print_version = false;
    bool print_codecs = false;  // --codecs: what this build can decode and encode
    std::string config_file;
    std::string config_section;

    // process
    bool foreground = false;
    std::string pidfile;
    std::string iptables_chain;  // --iptables-chain: an ACCEPT rule per open media port
    int thread_stack_kb = 2048;
    int num_threads = 0;  // 0: one per CPU core

    // logging
    bool log_stderr = false;
    int log_level = log::kInfo;
    std::array<int, log::kSubsystemCount> subsystem_log_levels{};  // kUnsetLevel: follow log_level
    std::string log_facility = "daemon";
    bool log_timestamps = true;
    log::Format log_format = log::Format::default_;

    // media
    std::vector<net::InterfaceSpec> interfaces;
    int table = 0;             // kernel forwarding table; negative: userspace only
    bool no_fallback = false;  // refuse to start when the table cannot be set up
    int port_min = 30000;
    int port_max = 40000;
    int tos = -1;  // -1: leave the TOS byte of media packets alone
    std::string endpoint_learning = "delayed";
    std::string mos = "CQ";  // the MOS formula: CQ or LQ
    // codec chains: the clocked stage and comfort noise (docs/options.md)
    int jitter_buffer = 0;  // packets; 0: off
    bool jb_clock_drift = false;
    int dtx_delay = 0;  // ms; 0: no gap filling
    int max_dtx = 30;   // s; <= 0: no limit
    int dtx_buffer = 10;
    int dtx_lag = 100;  // ms
    int dtx_shift = 0;  // ms
    std::vector<uint8_t> dtx_cn_params;  // RFC 3389 parameters; empty: silence
    std::string amr_dtx = "native";
    double silence_detect = 0;  // percent; 0: off
    std::vector<uint8_t> cn_payload{32};

    // control
    std::vector<ListenSpec> listen_ng;
    std::vector<ListenSpec> listen_udp;  // rtpproxy protocol
    std::vector<ListenSpec> listen_tcp;  // OpenSER mediaproxy protocol
    std::vector<ListenSpec> listen_cli;
    std::vector<ListenSpec> listen_tcp_ng;
    std::vector<ListenSpec> listen_http;
    std::vector<ListenSpec> listen_https;
    std::string https_cert;
    std::string https_key;  // empty: the key is in the certificate file
    int http_threads = 0;   // 0: one
    int control_tos = 0;    // 0: leave the TOS byte of ng replies alone

    // timeout notifications
    std::string b2b_url;    // empty: none
    int xmlrpc_format = 0;  // call::XmlrpcFormat

    // statistics
    std::optional<net::SocketAddress> graphite;
    int graphite_interval = 0;  // seconds; 0: Graphite is off
    int graphite_timeout = 0;   // seconds; 0: the interval
    std::string graphite_prefix;

    // Homer: RTCP as HEP3 (none when unset or the address is unspecified, as upstream)
    std::optional<net::SocketAddress> homer;
    bool homer_tcp = false;  // --homer-protocol=tcp; udp by default
    int homer_id = 2001;     // HEP capture id; upstream's default

    // call lifetime, seconds
    int delete_delay = 30;
    // DTLS-SRTP: the certificate made at start and the handshake (upstream's defaults).
    std::string dtls_cert_cipher = "prime256v1";
    int dtls_rsa_key_size = 2048;
    std::string dtls_signature = "SHA-256";
    std::string dtls_ciphers = "DEFAULT:!NULL:!aNULL:!SHA256:!SHA384:!aECDH:!AESGCM+AES256:!aPSK";
    int dtls_mtu = 1200;
    bool dtls_passive = false;
    bool log_srtp_keys = false;  // SRTP keys to the error log instead of the debug log
    bool debug_srtp = false;     // SRTP packets to the debug log
    int timeout = 60;
    int silent_timeout = 3600;
    int final_timeout = 0;
    int offer_timeout = 3600;

    // limits on new calls; 0 turns the load, CPU and bandwidth ones off
    int max_sessions = -1;        // -1: unlimited
    int max_load_centi = 0;       // load average x 100
    int max_cpu_centi = 0;        // percent x 100
    uint64_t max_bandwidth = 0;   // bytes per second

    std::string log_facility_cdr;  // empty: no CDRs
    // DTMF events as JSON: to syslog at this facility (empty: not), to a UDP address, to the
    // ng TCP clients connected.
    std::string log_facility_dtmf;
    // play media's database: the server, and the query ("%llu" for the id) returning a file.
    std::string mysql_host;
    int mysql_port = 3306;
    std::string mysql_user, mysql_pass, mysql_query;
    std::optional<net::SocketAddress> dtmf_log_dest;
    bool dtmf_log_ng_tcp = false;
    bool dtmf_no_suppress = false;  // audio goes on through codec chains while DTMF events pass
    int dtmf_digit_delay = 2500;    // ms: at most this between the digits of a DTMF trigger

    // MQTT publishing (daemon/mqtt/); off without --mqtt-host. As in upstream 10.5 there is
    // no default topic: without --mqtt-publish-topic the client connects but publishes nothing.
    struct Mqtt {
        enum class Scope { global, call, media };
        std::string host;       // empty: MQTT is off
        int port = 1883;
        std::string id;         // empty: the broker assigns one
        int keepalive = 30;     // seconds
        std::string user, pass;
        std::string cafile, capath, certfile, keyfile;  // cafile or capath: TLS
        int publish_qos = 0;
        std::string publish_topic;
        int publish_interval = 5000;  // milliseconds
        Scope publish_scope = Scope::global;
    } mqtt;

    static constexpr int kUnsetLevel = -2;
    DaemonOptions() { subsystem_log_levels.fill(kUnsetLevel); }
};

// The option table, bound to out. Kept separate from loading so tests can inspect it.
std::vector<config::OptionSpec> daemon_option_specs(DaemonOptions& out);

// Parses argv and the config file into options and checks what must hold across options
// (an interface, a listener, port-min <= port-max). Throws config::ConfigError.
DaemonOptions load_daemon_options(int argc, char** argv, std::vector<std::string>* warnings = nullptr);

}  // namespace rtpe
