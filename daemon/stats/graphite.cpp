#include "daemon/stats/graphite.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "util/log.hpp"

namespace rtpe::stats {

namespace {

class Lines {
public:
    Lines(const std::string& prefix, std::time_t timestamp) : prefix_(prefix), timestamp_(timestamp) {}
    void integer(const std::string& name, uint64_t value) {
        add(name, std::to_string(value));
    }
    void fraction(const std::string& name, double value) {
        char text[64];
        std::snprintf(text, sizeof(text), "%.6f", value);
        add(name, text);
    }
    std::string take() { return std::move(out_); }

private:
    void add(const std::string& name, const std::string& value) {
        out_ += prefix_ + name + " " + value + " " + std::to_string(static_cast<long long>(timestamp_)) + "\n";
    }
    const std::string& prefix_;
    std::time_t timestamp_;
    std::string out_;
};

}  // namespace

std::string graphite_lines(Statistics& stats, const media::LocalInterfaces& interfaces, const std::string& prefix,
                           std::time_t timestamp) {
    Lines out(prefix, timestamp);
    const auto& in = stats.interval();
    std::array<uint64_t, kNgCommands.size()> counts{};
    for (const auto& [proxy, proxy_counts] : stats.proxies())
        for (std::size_t i = 0; i < kNgCommands.size(); ++i)
            counts[i] += proxy_counts.commands[i].count;
    // As upstream: times and rates over the interval, counts since the start.
    for (std::size_t i = 0; i < kNgCommands.size(); ++i) {
        const std::string name(kNgCommands[i].command);
        const auto& c = in.commands[i];
        out.fraction(name + "_time_min", c.min_seconds);
        out.fraction(name + "_time_max", c.max_seconds);
        out.fraction(name + "_time_avg", c.count ? c.seconds / static_cast<double>(c.count) : 0);
        out.integer(name + "s_ps_min", c.min_per_second);
        out.integer(name + "s_ps_max", c.max_per_second);
        out.integer(name + "s_ps_avg", in.seconds ? c.count / static_cast<uint64_t>(in.seconds) : 0);
        out.integer(name + "_count", counts[i]);
    }

    const Current now = stats.current();
    const EndedCalls& ended = stats.ended();
    const Relayed relayed = stats.relayed_total(now);
    const uint64_t calls = ended.calls - in.ended.calls;
    const double duration = ended.duration - in.ended.duration;
    auto reason = [&](EndReason r) {
        const auto i = static_cast<std::size_t>(r);
        return ended.by_reason[i] - in.ended.by_reason[i];
    };
    out.fraction("call_dur", duration);
    out.fraction("average_call_dur", calls ? duration / static_cast<double>(calls) : 0);
    out.integer("forced_term_sess", reason(EndReason::forced));
    out.integer("managed_sess", calls);
    out.integer("managed_sess_min", in.min_sessions);
    out.integer("managed_sess_max", in.max_sessions);
    out.integer("current_sessions_total", now.sessions);
    out.integer("current_sessions_own", now.sessions);
    out.integer("current_sessions_foreign", 0);
    out.integer("current_transcoded_media", 0);
    out.integer("current_sessions_ipv4", now.v4);
    out.integer("current_sessions_ipv6", now.v6);
    out.integer("current_sessions_mixed", now.mixed);
    out.integer("regular_term_sess", reason(EndReason::regular));
    const Relayed diff{relayed.packets - in.relayed.packets, relayed.bytes - in.relayed.bytes,
                       relayed.errors - in.relayed.errors};
    out.integer("relayed_errors_user", diff.errors);
    out.integer("relayed_packets_user", diff.packets);
    out.integer("relayed_bytes_user", diff.bytes);
    out.integer("relayed_errors_kernel", 0);
    out.integer("relayed_packets_kernel", 0);
    out.integer("relayed_bytes_kernel", 0);
    out.integer("relayed_errors", diff.errors);
    out.integer("relayed_packets", diff.packets);
    out.integer("relayed_bytes", diff.bytes);
    out.integer("silent_timeout_sess", reason(EndReason::silent_timeout));
    out.integer("final_timeout_sess", reason(EndReason::final_timeout));
    out.integer("offer_timeout_sess", reason(EndReason::offer_timeout));
    out.integer("timeout_sess", reason(EndReason::timeout));
    for (const auto& a : interfaces.addresses()) {
        const auto& pool = *a->ports;
        const uint64_t total = static_cast<uint64_t>(pool.port_max() - pool.port_min() + 1);
        const uint64_t used = pool.used() * 2;
        const std::string where = a->interface_name + "_" + a->local.to_string();
        out.integer("ports_free_" + where, total - used);
        out.integer("ports_used_" + where, used);
    }
    stats.close_interval();
    return out.take();
}

GraphiteSender::GraphiteSender(net::Poller& poller, Statistics& stats, const media::LocalInterfaces& interfaces,
                               GraphiteSettings settings)
    : poller_(poller),
      stats_(stats),
      interfaces_(interfaces),
      settings_(std::move(settings)),
      handler_(std::make_unique<net::FunctionHandler>([this](uint32_t events) { on_ready(events); })) {}

GraphiteSender::~GraphiteSender() {
    if (socket_.valid())
        poller_.remove(socket_.get());
}

void GraphiteSender::tick() {
    const int timeout = settings_.timeout > 0 ? settings_.timeout : settings_.interval;
    if (socket_.valid() && std::time(nullptr) - round_started_ >= timeout)
        finish("timed out");
    if (++seconds_ < settings_.interval)
        return;
    seconds_ = 0;
    if (socket_.valid()) {
        // The interval goes on, so the next round covers this one's time too.
        RTPE_LOG(core, log::kWarning, "Previous Graphite round still in progress, skipping this one");
        return;
    }
    start_round();
}

void GraphiteSender::start_round() {
    round_started_ = std::time(nullptr);
    pending_ = graphite_lines(stats_, interfaces_, settings_.prefix, round_started_);
    sent_ = 0;
    socket_ = net::Fd(socket(settings_.server.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!socket_.valid()) {
        RTPE_LOG(core, log::kErr, "Cannot create a socket for Graphite: %s", std::strerror(errno));
        return;
    }
    const socklen_t length = settings_.server.family() == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    if (connect(socket_.get(), settings_.server.sockaddr_ptr(), length) != 0 && errno != EINPROGRESS) {
        finish(std::strerror(errno));
        return;
    }
    poller_.add(socket_.get(), *handler_, EPOLLOUT);
}

void GraphiteSender::on_ready(uint32_t) {
    if (!socket_.valid())
        return;
    int error = 0;
    socklen_t length = sizeof(error);
    getsockopt(socket_.get(), SOL_SOCKET, SO_ERROR, &error, &length);
    if (error) {
        finish(std::strerror(error));
        return;
    }
    while (sent_ < pending_.size()) {
        const ssize_t n = send(socket_.get(), pending_.data() + sent_, pending_.size() - sent_, MSG_NOSIGNAL);
        if (n < 0) {
            // Still connecting, or the server reads slowly: wait for the next EPOLLOUT.
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN || errno == EINTR)
                return;
            finish(std::strerror(errno));
            return;
        }
        sent_ += static_cast<std::size_t>(n);
    }
    finish(nullptr);
}

void GraphiteSender::finish(const char* failure) {
    if (failure)
        RTPE_LOG(core, log::kWarning, "Graphite round to %s failed: %s", settings_.server.to_string().c_str(),
                 failure);
    if (socket_.valid())
        poller_.remove(socket_.get());
    socket_.reset();
    pending_.clear();
}

}  // namespace rtpe::stats
