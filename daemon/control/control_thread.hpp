#pragma once
// The control plane: every ng and CLI listener served by one thread of its own, apart from media.
// HTTP and WebSocket are parsed on threads of their own, but their requests run here too.

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "daemon/control/cli_commands.hpp"
#include "daemon/control/cli_listener.hpp"
#include "daemon/control/http_server.hpp"
#include "daemon/control/ng_tcp_listener.hpp"
#include "daemon/control/cookie_cache.hpp"
#include "daemon/control/ng_commands.hpp"
#include "daemon/control/ng_processor.hpp"
#include "daemon/control/ng_udp_listener.hpp"
#include "daemon/control/rtpproxy_udp_listener.hpp"
#include "daemon/options.hpp"
#include "net/poller.hpp"
#include "util/thread.hpp"

namespace rtpe::control {

class ControlThread {
public:
    // Binds every listener now; throws std::runtime_error naming the address that failed.
    explicit ControlThread(const DaemonOptions& options);
    ~ControlThread();

    // Commands and timers are added before start().
    NgCommandTable& commands() { return commands_; }
    CliCommandTable& cli_commands() { return cli_commands_; }
    void observe_ng(NgProcessor::Observer observer) { processor_.set_observer(std::move(observer)); }
    // For what runs on the control thread without a listener of its own (Graphite).
    net::Poller& poller() { return poller_; }
    // What GET /metrics answers; called on the control thread. Set before start().
    void set_metrics(std::function<std::string()> metrics) { metrics_ = std::move(metrics); }
    // The legacy protocols (--listen-udp rtpproxy, --listen-tcp mediaproxy); set before
    // start(). Until then rtpproxy commands get E8 and mediaproxy lines no answer.
    void set_legacy(RtpproxyUdpListener::Handler rtpproxy, CliListener::LineHandler mediaproxy) {
        rtpproxy_ = std::move(rtpproxy);
        mediaproxy_ = std::move(mediaproxy);
    }
    // Runs tick on the control thread every period.
    void add_periodic(std::chrono::milliseconds period, std::function<void()> tick);

    // A message of the daemon's own to every ng TCP client (--dtmf-log-ng-tcp).
    void broadcast_ng_tcp(std::string_view message) {
        for (auto& listener : ng_tcp_)
            listener->broadcast(message);
    }
    // --control-tos and "set controltos": the TOS byte of every ng UDP listener's replies.
    void set_control_tos(int tos);
    int control_tos() const { return control_tos_; }

    void start(std::size_t stack_bytes);
    void stop();

private:
    NgCommandTable commands_;
    CookieCache cookies_;
    NgProcessor processor_;
    net::Poller poller_;
    std::vector<std::unique_ptr<NgUdpListener>> ng_udp_;
    int control_tos_ = 0;
    CliCommandTable cli_commands_;
    std::vector<std::unique_ptr<CliListener>> cli_;
    std::vector<std::unique_ptr<NgTcpListener>> ng_tcp_;
    CookieCache legacy_cookies_;
    RtpproxyUdpListener::Handler rtpproxy_;
    CliListener::LineHandler mediaproxy_;
    std::vector<std::unique_ptr<RtpproxyUdpListener>> rtpproxy_udp_;
    std::vector<std::unique_ptr<CliListener>> mediaproxy_tcp_;
    struct Timer {
        net::Fd fd;
        std::unique_ptr<net::FunctionHandler> handler;
    };
    std::vector<Timer> timers_;
    std::function<std::string()> metrics_;
    HttpResult run_http(const HttpJob& job);
    std::unique_ptr<HttpServer> http_;  // after poller_: stopped and freed first
    Thread thread_;
};

}  // namespace rtpe::control
