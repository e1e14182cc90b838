#include "daemon/control/control_thread.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <stdexcept>

#include "util/log.hpp"

namespace rtpe::control {

ControlThread::ControlThread(const DaemonOptions& options) : processor_(commands_, cookies_) {
    add_basic_commands(commands_);
    for (const auto& spec : options.listen_ng) {
        for (const auto& address : spec.addresses) {
            ng_udp_.push_back(std::make_unique<NgUdpListener>(address, processor_));
            ng_udp_.back()->attach(poller_);
            RTPE_LOG(control, log::kInfo, "Listening for ng commands on UDP %s", address.to_string().c_str());
        }
    }
    if (options.control_tos > 0)
        set_control_tos(options.control_tos);
    for (const auto& spec : options.listen_tcp_ng) {
        for (const auto& address : spec.addresses) {
            ng_tcp_.push_back(std::make_unique<NgTcpListener>(address, processor_));
            ng_tcp_.back()->attach(poller_);
            RTPE_LOG(control, log::kInfo, "Listening for ng commands on TCP %s", address.to_string().c_str());
        }
    }
    for (const auto& spec : options.listen_udp) {
        for (const auto& address : spec.addresses) {
            rtpproxy_udp_.push_back(std::make_unique<RtpproxyUdpListener>(
                address, legacy_cookies_, [this](std::string_view datagram, const net::SocketAddress& sender) {
                    if (rtpproxy_)
                        return rtpproxy_(datagram, sender);
                    return std::string();
                }));
            rtpproxy_udp_.back()->attach(poller_);
            RTPE_LOG(control, log::kInfo, "Listening for rtpproxy commands on UDP %s", address.to_string().c_str());
        }
    }
    for (const auto& spec : options.listen_tcp) {
        for (const auto& address : spec.addresses) {
            mediaproxy_tcp_.push_back(std::make_unique<CliListener>(
                address, "mediaproxy",
                [this](std::string_view line, const std::vector<std::string>& connected) -> std::optional<std::string> {
                    if (mediaproxy_)
                        return mediaproxy_(line, connected);
                    return std::nullopt;
                }));
            mediaproxy_tcp_.back()->attach(poller_);
            RTPE_LOG(control, log::kInfo, "Listening for mediaproxy commands on TCP %s", address.to_string().c_str());
        }
    }
    for (const auto& spec : options.listen_cli) {
        for (const auto& address : spec.addresses) {
            cli_.push_back(std::make_unique<CliListener>(address, cli_commands_));
            cli_.back()->attach(poller_);
            RTPE_LOG(control, log::kInfo, "Listening for CLI commands on TCP %s", address.to_string().c_str());
        }
    }
    HttpSettings http;
    for (const auto& spec : options.listen_http)
        http.http.insert(http.http.end(), spec.addresses.begin(), spec.addresses.end());
    for (const auto& spec : options.listen_https)
        http.https.insert(http.https.end(), spec.addresses.begin(), spec.addresses.end());
    if (!http.http.empty() || !http.https.empty()) {
        http.cert = options.https_cert;
        http.key = options.https_key;
        http.threads = options.http_threads;
        http_ = std::make_unique<HttpServer>(http, poller_, [this](const HttpJob& job) { return run_http(job); });
        for (const auto& a : http.http)
            RTPE_LOG(control, log::kInfo, "Listening for HTTP and WebSocket on TCP %s", a.to_string().c_str());
        for (const auto& a : http.https)
            RTPE_LOG(control, log::kInfo, "Listening for HTTPS and secure WebSocket on TCP %s",
                     a.to_string().c_str());
    }
    if (!cli_.empty() || !mediaproxy_tcp_.empty())
        add_periodic(std::chrono::seconds(1), [this] {
            const auto now = CliListener::Clock::now();
            for (auto& listener : cli_)
                listener->expire(now);
            for (auto& listener : mediaproxy_tcp_)
                listener->expire(now);
        });
}

void ControlThread::set_control_tos(int tos) {
    control_tos_ = tos;
    for (auto& listener : ng_udp_)
        listener->set_tos(tos);
}

void ControlThread::add_periodic(std::chrono::milliseconds period, std::function<void()> tick) {
    net::Fd timer(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    if (!timer.valid())
        throw std::runtime_error("cannot create a timer");
    itimerspec spec{};
    spec.it_interval.tv_sec = period.count() / 1000;
    spec.it_interval.tv_nsec = (period.count() % 1000) * 1000000;
    spec.it_value = spec.it_interval;
    timerfd_settime(timer.get(), 0, &spec, nullptr);
    const int fd = timer.get();
    auto handler = std::make_unique<net::FunctionHandler>([fd, tick = std::move(tick)](uint32_t) {
        uint64_t expirations;
        if (read(fd, &expirations, sizeof(expirations)) > 0)
            tick();
    });
    poller_.add(fd, *handler);
    timers_.push_back({std::move(timer), std::move(handler)});
}

HttpResult ControlThread::run_http(const HttpJob& job) {
    switch (job.kind) {
    case HttpJob::Kind::ng: {
        auto reply = processor_.process(job.body, job.peer);
        if (!reply)  // no cookie: UDP would drop it
            return {400, "text/plain", "error\n", true};
        return {200, job.content_type.empty() ? "application/x-rtpengine-ng" : job.content_type, *reply};
    }
    case HttpJob::Kind::cli:
        return {200, "text/plain", cli_commands_.dispatch(job.body)};
    case HttpJob::Kind::metrics:
        if (!metrics_)
            return {503, "text/plain", "no statistics\n"};
        return {200, "text/plain; version=0.0.4", metrics_()};
    }
    return {500, "text/plain", "error\n"};
}

ControlThread::~ControlThread() {
    stop();
}

void ControlThread::start(std::size_t stack_bytes) {
    thread_ = Thread("control", stack_bytes, [this] { poller_.run(); });
    if (http_)
        http_->start(stack_bytes);
}

void ControlThread::stop() {
    if (http_)
        http_->stop();
    poller_.stop();
    thread_.join();
    if (http_)
        http_->close_gate();
}

}  // namespace rtpe::control
