// rtpengine: startup, signal handling and orderly shutdown. Everything else lives in the
// modules this file wires together.

#include <unistd.h>

#include <cstdio>
#include <exception>
#include <cctype>
#include <random>

#include "daemon/call/call_registry.hpp"
#include "daemon/call/call_samples.hpp"
#include "daemon/call/call_service.hpp"
#include "daemon/call/call_timeouts.hpp"
#include "daemon/call/timeout_notifier.hpp"
#include "daemon/call/load_limits.hpp"
#include "daemon/control/call_commands.hpp"
#include "daemon/control/control_thread.hpp"
#include "daemon/control/dtmf_log.hpp"
#include "daemon/control/legacy_calls.hpp"
#include "daemon/control/stats_commands.hpp"
#include "daemon/homer/homer_sender.hpp"
#include "codec/registry.hpp"
#include "daemon/kernel/firewall_chain.hpp"
#include "daemon/kernel/kernel_startup.hpp"
#include "daemon/media/local_interfaces.hpp"
#include "daemon/media/relay.hpp"
#include "daemon/media/rtcp_quality.hpp"
#include "daemon/media/rtcp_tap.hpp"
#include "daemon/media/srtp_logging.hpp"
#include "daemon/media/worker_pool.hpp"
#include "daemon/mqtt/publisher.hpp"
#include "daemon/mqtt/snapshot.hpp"
#include "daemon/options.hpp"
#include "daemon/process.hpp"
#include "daemon/stats/graphite.hpp"
#include "daemon/stats/statistics.hpp"
#include "daemon/version.hpp"
#include "util/log.hpp"

namespace {

using namespace rtpe;

void configure_logging(const DaemonOptions& o) {
    log::Settings s;
    s.destination = o.log_stderr ? log::Destination::stderr_ : log::Destination::syslog;
    s.facility = *log::facility_by_name(o.log_facility);
    s.timestamps = o.log_timestamps;
    s.format = o.log_format;
    log::configure(s);
    for (std::size_t i = 0; i < log::kSubsystemCount; ++i) {
        int level = o.subsystem_log_levels[i];
        if (level == DaemonOptions::kUnsetLevel)
            level = static_cast<log::Subsystem>(i) == log::Subsystem::internals ? -1 : o.log_level;
        log::set_level(static_cast<log::Subsystem>(i), level);
    }
}

// SIGUSR1 lowers and SIGUSR2 raises every subsystem's level by one, as upstream does.
void shift_log_levels(int delta) {
    for (std::size_t i = 0; i < log::kSubsystemCount; ++i) {
        const auto subsystem = static_cast<log::Subsystem>(i);
        const int next = log::level(subsystem) + delta;
        if (next >= 0 && next <= log::kDebug)
            log::set_level(subsystem, next);
    }
}

call::CallSettings call_settings(const DaemonOptions& o) {
    call::CallSettings s;
    s.delete_delay = o.delete_delay;
    s.tos = o.tos;
    s.dtls_certificate.key_type = *dtls::parse_key_type(o.dtls_cert_cipher);  // checked when parsed
    s.dtls_certificate.rsa_key_bits = static_cast<unsigned>(o.dtls_rsa_key_size);
    s.dtls_certificate.signature = *dtls::parse_signature_hash(o.dtls_signature);
    s.dtls_context.ciphers = o.dtls_ciphers;
    s.dtls_mtu = static_cast<std::size_t>(o.dtls_mtu);
    s.dtls_passive = o.dtls_passive;
    s.media_database = {o.mysql_host, o.mysql_port, o.mysql_user, o.mysql_pass, o.mysql_query};
    s.chain.playout.jitter_packets = o.jitter_buffer;
    s.chain.playout.clock_drift = o.jb_clock_drift;
    s.chain.playout.dtx_delay_ms = o.dtx_delay;
    s.chain.playout.max_dtx_ms = o.max_dtx > 0 ? o.max_dtx * 1000 : 0;
    s.chain.playout.dtx_buffer = o.dtx_buffer;
    s.chain.playout.dtx_lag_ms = o.dtx_lag;
    s.chain.playout.dtx_shift_ms = o.dtx_shift;
    s.chain.dtx_cn_params = o.dtx_cn_params;
    s.chain.cn_payload = o.cn_payload;
    s.chain.dtmf_no_suppress = o.dtmf_no_suppress;
    s.chain.dtmf_digit_delay_ms = static_cast<uint32_t>(o.dtmf_digit_delay);
    s.chain.silence_detect = o.silence_detect;
    s.chain.amr_dtx_cn = o.amr_dtx == "CN";
    if (!o.log_facility_cdr.empty())
        s.cdr_facility = *log::facility_by_name(o.log_facility_cdr);
    if (o.endpoint_learning == "immediate")
        s.relay.learning = media::EndpointLearning::immediate;
    else if (o.endpoint_learning == "off")
        s.relay.learning = media::EndpointLearning::off;
    else if (o.endpoint_learning == "heuristic")
        s.relay.learning = media::EndpointLearning::heuristic;
    // Distinguishes this instance in loop-protect attributes: 12 random hex digits, as upstream.
    std::random_device random;
    char id[13];
    snprintf(id, sizeof(id), "%06x%06x", random() & 0xffffff, random() & 0xffffff);
    s.instance_id = id;
    // The s= line of SDPs the daemon writes itself (publish answers, combined subscriptions):
    // upstream's name and version with everything but letters and digits made a dash.
    s.sdp_session_name = std::string("rtpengine-") + kVersion;
    for (char& c : s.sdp_session_name)
        if (!std::isalnum(static_cast<unsigned char>(c)))
            c = '-';
    return s;
}

int run(int argc, char** argv) {
    DaemonOptions options;
    std::vector<std::string> warnings;
    try {
        options = load_daemon_options(argc, argv, &warnings);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rtpengine: %s\n", e.what());
        return 1;
    }
    if (options.print_version) {
        std::printf("Version: %s\n", kVersion);
        return 0;
    }
    if (options.print_codecs) {
        std::fputs(codec::codecs_report().c_str(), stdout);
        return 0;
    }

    configure_logging(options);
    for (const auto& w : warnings)
        RTPE_LOG(core, log::kWarning, "%s", w.c_str());
    // The kernel table, set up before daemonizing (as upstream), so that --no-fallback fails
    // the command that started the daemon; it is deleted when run() returns, after the workers.
    kernel::KernelStartup kernel = kernel::start_kernel(options.table, options.no_fallback);
    if (!kernel.message.empty())
        RTPE_LOG(core, kernel.log_level, "%s", kernel.message.c_str());
    if (kernel.refuse_start) {
        if (!options.log_stderr)
            std::fprintf(stderr, "rtpengine: %s\n", kernel.message.c_str());
        return 1;
    }

    media::set_srtp_logging(options.log_srtp_keys, options.debug_srtp);
    if (const char* plain = getenv("RTPENGINE_PLAIN_IO"); plain && *plain == '1') {
        media::set_plain_io(true);
        RTPE_LOG(core, log::kInfo, "Using plain recvmsg/sendmsg for media (RTPENGINE_PLAIN_IO)");
    }
    media::set_mos_type(options.mos == "LQ" ? rtp::MosType::lq : rtp::MosType::cq);
    process::keep_heap_memory();
    process::block_handled_signals();
    try {
        control::ControlThread control(options);

        std::unique_ptr<process::PidFile> pidfile;
        if (!options.foreground)
            process::daemonize(options.log_stderr);
        if (!options.pidfile.empty())
            pidfile = std::make_unique<process::PidFile>(options.pidfile);

        const std::size_t stack_bytes = static_cast<std::size_t>(options.thread_stack_kb) * 1024;
        // Declared before the workers so that it outlives them on every way out of this block.
        std::unique_ptr<homer::HomerSender> homer;
        media::WorkerPool workers(static_cast<unsigned>(options.num_threads), stack_bytes);
        media::LocalInterfaces interfaces(options.interfaces, static_cast<uint16_t>(options.port_min),
                                          static_cast<uint16_t>(options.port_max));
        if (options.homer && !options.homer->ip().is_unspecified()) {
            homer::HomerSettings hs;
            hs.server = *options.homer;
            hs.transport = options.homer_tcp ? homer::Transport::tcp : homer::Transport::udp;
            hs.capture_id = static_cast<uint32_t>(options.homer_id);
            hs.stack_bytes = stack_bytes;
            homer = std::make_unique<homer::HomerSender>(hs);
            // Before the control thread starts: no media socket exists yet.
            media::set_rtcp_tap(homer.get());
            RTPE_LOG(core, log::kInfo, "Sending RTCP to Homer at %s over %s, capture id %d",
                     options.homer->to_string().c_str(), options.homer_tcp ? "TCP" : "UDP", options.homer_id);
        } else if (options.homer) {
            RTPE_LOG(core, log::kWarning, "--homer=%s has no address to send to, Homer output is off",
                     options.homer->to_string().c_str());
        }
        call::CallRegistry calls;
        stats::Statistics statistics([&calls] { return call::running_calls(calls); });
        call::LoadLimits limits({options.max_sessions, options.max_load_centi, options.max_cpu_centi,
                                 options.max_bandwidth});
        call::CallService service(calls, interfaces, workers, limits, call_settings(options), statistics);
        if (kernel.table)
            service.use_kernel(*kernel.table);
        // --iptables-chain: declared before the calls' sockets go, removed after them.
        std::unique_ptr<kernel::FirewallChain> firewall;
        if (!options.iptables_chain.empty()) {
            auto opened = kernel::FirewallChain::open(options.iptables_chain);
            if (opened.chain) {
                firewall = std::move(opened.chain);
                service.use_firewall(*firewall);
                RTPE_LOG(core, log::kInfo, "Managing iptables chain '%s'", options.iptables_chain.c_str());
            } else {
                RTPE_LOG(core, log::kErr, "%s; media ports get no iptables rules", opened.error.c_str());
            }
        }
        control::DtmfLog dtmf_log({options.log_facility_dtmf.empty()
                                       ? std::nullopt
                                       : std::optional<int>(*log::facility_by_name(options.log_facility_dtmf)),
                                   options.dtmf_log_dest, options.dtmf_log_ng_tcp},
                                  [&control](std::string_view message) { control.broadcast_ng_tcp(message); });
        service.on_dtmf([&dtmf_log](const call::DtmfReport& r) { dtmf_log.report(r); });
        // The workers' events are otherwise applied when an operation needs them; DTMF
        // events are to be reported as they happen. (A timer polling for them woke the
        // control thread 20 times a second, idle or not.)
        workers.events().set_waker([&control, &service] {
            control.poller().post([&service] { service.apply_media_events(); });
        });
        control::add_call_commands(control.commands(), service);
        control::add_statistics_commands(control, statistics, interfaces);
        call::CallTimeouts timeouts(service, {options.timeout, options.silent_timeout, options.final_timeout,
                                              options.offer_timeout});
        std::unique_ptr<call::TimeoutNotifier> notifier;
        if (!options.b2b_url.empty()) {
            notifier = std::make_unique<call::TimeoutNotifier>(call::NotifierSettings{}, stack_bytes);
            timeouts.notify_through(notifier.get(), options.b2b_url,
                                    static_cast<call::XmlrpcFormat>(options.xmlrpc_format));
        }
        std::unique_ptr<stats::GraphiteSender> graphite;
        if (options.graphite && options.graphite_interval > 0)
            graphite = std::make_unique<stats::GraphiteSender>(
                control.poller(), statistics, interfaces,
                stats::GraphiteSettings{*options.graphite, options.graphite_interval, options.graphite_timeout,
                                        options.graphite_prefix});
        // One tick for all, so the rates, the limits and Graphite see the calls the timeouts left.
        control.add_periodic(std::chrono::seconds(1), [&service, &timeouts, &statistics, &graphite, &limits] {
            service.tick_kernel();  // first: the timeouts see what the kernel forwarded
            timeouts.check(time(nullptr));
            statistics.tick();
            limits.sample(statistics.relayed_total(statistics.running()).bytes);
            if (graphite)
                graphite->tick();
        });
        // MQTT: the control thread snapshots on its own timer, the publisher thread does the rest.
        std::unique_ptr<mqtt::Publisher> mqtt_publisher;
        if (!options.mqtt.host.empty()) {
            const auto& m = options.mqtt;
            mqtt::PublisherSettings ms;
            ms.client = {m.host, m.port, m.id, m.keepalive, m.user, m.pass, m.cafile, m.capath, m.certfile, m.keyfile};
            ms.topic = m.publish_topic;
            ms.qos = m.publish_qos;
            ms.interval_ms = m.publish_interval;
            using OptScope = DaemonOptions::Mqtt::Scope;
            ms.scope = m.publish_scope == OptScope::call    ? mqtt::Scope::call
                       : m.publish_scope == OptScope::media ? mqtt::Scope::media
                                                            : mqtt::Scope::global;
            mqtt_publisher = std::make_unique<mqtt::Publisher>(std::move(ms), stack_bytes);
            control.add_periodic(std::chrono::milliseconds(m.publish_interval),
                                 [&mqtt_publisher, &calls, &statistics, &interfaces] {
                                     mqtt_publisher->submit(mqtt::take_snapshot(calls, statistics, interfaces));
                                 });
        }
        control::CliContext cli{service, timeouts, limits, interfaces, statistics};
        cli.options = &options;
        cli.worker_threads = static_cast<unsigned>(workers.size());
        cli.control_tos = [&control] { return control.control_tos(); };
        cli.set_control_tos = [&control](int tos) { control.set_control_tos(tos); };
        control::add_cli_commands(control.cli_commands(), cli);
        control::LegacyCalls legacy(service, options.silent_timeout);
        control.set_legacy(
            [&legacy](std::string_view datagram, const net::SocketAddress& sender) {
                return legacy.rtpproxy(datagram, sender.to_string());
            },
            [&legacy](std::string_view line, const std::vector<std::string>& connected) -> std::optional<std::string> {
                auto reply = legacy.mediaproxy(line, connected);
                if (!reply.answered)
                    return std::nullopt;
                return std::move(reply.text);
            });
        control.start(stack_bytes);
        process::notify_systemd("READY=1");
        RTPE_LOG(core, log::kInfo, "Startup complete, version %s", kVersion);

        for (;;) {
            const int sig = process::wait_for_signal();
            if (sig == SIGTERM || sig == SIGINT)
                break;
            if (sig == SIGUSR1)
                shift_log_levels(-1);
            else if (sig == SIGUSR2)
                shift_log_levels(+1);
        }
        process::notify_systemd("STOPPING=1");
        control.stop();
        if (mqtt_publisher)
            mqtt_publisher->stop();
        for (const auto& call : calls.snapshot())
            service.destroy(call, stats::EndReason::forced, false);
        workers.stop();
        if (homer) {
            media::set_rtcp_tap(nullptr);
            homer->stop();
        }
    } catch (const std::exception& e) {
        RTPE_LOG(core, log::kErr, "%s", e.what());
        if (!options.log_stderr)
            std::fprintf(stderr, "rtpengine: %s\n", e.what());
        return 1;
    }
    RTPE_LOG(core, log::kInfo, "Version %s shutting down", kVersion);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return run(argc, argv);
}
