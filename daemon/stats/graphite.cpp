#include "daemon/stats/graphite.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "daemon/stats/catalog.hpp"

#include "util/log.hpp"

namespace rtpe::stats {

std::string graphite_lines(Statistics& stats, const media::LocalInterfaces& interfaces, const std::string& prefix,
                           std::time_t timestamp) {
    // The interval ends now: what it covered is then the last interval, as the CLI and the
    // ng intervalstatistics show it until the next round.
    stats.close_interval();
    const Figures f = sample_figures(stats, interfaces);
    std::vector<const Row*> rows;
    for (const Row& row : catalog())
        if (!row.graphite.empty())
            rows.push_back(&row);
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Row* a, const Row* b) { return a->graphite_order < b->graphite_order; });
    const std::string suffix = " " + std::to_string(static_cast<long long>(timestamp)) + "\n";
    std::string out;
    // Rows of one scope that follow each other repeat together, per instance.
    for (std::size_t i = 0; i < rows.size();) {
        std::size_t end = i + 1;
        while (end < rows.size() && rows[end]->scope == rows[i]->scope)
            ++end;
        for (const At& at : instances_of(rows[i]->scope, f))
            for (std::size_t k = i; k < end; ++k)
                out += prefix + expand(rows[k]->graphite, f, at) + " " +
                       format_value(*rows[k], graphite_value(*rows[k], f, at)) + suffix;
        i = end;
    }
    return out;
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
