#include "daemon/control/cli_listener.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "util/log.hpp"

namespace rtpe::control {

namespace {
constexpr int kBacklog = 16;
constexpr int kMaxAcceptsPerWakeup = 16;
}  // namespace

class CliListener::Connection : public net::EventHandler {
public:
    Connection(CliListener& owner, net::Fd fd, std::string peer)
        : owner_(owner), fd_(std::move(fd)), peer_(std::move(peer)), deadline_(Clock::now() + kReadTimeout) {}

    int fd() const { return fd_.get(); }
    const std::string& peer() const { return peer_; }
    Clock::time_point deadline() const { return deadline_; }
    // Once closed, events already fetched for this connection are ignored.
    void mark_closed() { closed_ = true; }

    void on_ready(uint32_t) override {
        if (closed_)
            return;
        if (replying_)
            send_reply();
        else
            read_line();
    }

private:
    void read_line() {
        char buffer[1024];
        for (;;) {
            const ssize_t n = recv(fd_.get(), buffer, sizeof(buffer), 0);
            if (n == 0) {
                owner_.close(fd_.get());  // gone before finishing its line
                return;
            }
            if (n < 0) {
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                    owner_.close(fd_.get());
                return;
            }
            line_.append(buffer, static_cast<std::size_t>(n));
            const auto newline = line_.find('\n');
            if (newline != std::string::npos && newline <= kMaxLine) {
                std::string_view command(line_.data(), newline);
                if (!command.empty() && command.back() == '\r')
                    command.remove_suffix(1);
                RTPE_LOG(control, log::kInfo, "Got CLI command: %.*s", static_cast<int>(command.size()),
                         command.data());
                start_reply(owner_.commands_.dispatch(command));
                return;
            }
            if (line_.size() > kMaxLine) {
                RTPE_LOG(control, log::kWarning, "CLI command from %s longer than %zu bytes, closing", peer_.c_str(),
                         kMaxLine);
                start_reply("Command too long.\n");
                return;
            }
        }
    }

    void start_reply(std::string reply) {
        replying_ = true;
        reply_ = std::move(reply);
        line_.clear();
        deadline_ = Clock::now() + kWriteTimeout;
        send_reply();
    }

    void send_reply() {
        while (sent_ < reply_.size()) {
            const ssize_t n = send(fd_.get(), reply_.data() + sent_, reply_.size() - sent_, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    // Wait until the client takes more, rather than for more input.
                    if (!waiting_for_output_) {
                        waiting_for_output_ = true;
                        owner_.poller_->remove(fd_.get());
                        owner_.poller_->add(fd_.get(), *this, EPOLLOUT);
                    }
                    return;
                }
                break;
            }
            sent_ += static_cast<std::size_t>(n);
        }
        owner_.close(fd_.get());
    }

    CliListener& owner_;
    net::Fd fd_;
    const std::string peer_;
    Clock::time_point deadline_;
    std::string line_;
    std::string reply_;
    std::size_t sent_ = 0;
    bool replying_ = false;
    bool waiting_for_output_ = false;
    bool closed_ = false;
};

CliListener::CliListener(const net::SocketAddress& address, const CliCommandTable& commands)
    : address_(address), commands_(commands) {
    auto bound = net::listen_tcp(address, kBacklog);
    if (!bound.fd.valid())
        throw std::runtime_error("cannot listen for CLI connections on " + address.to_string() + ": " + bound.error);
    socket_ = std::move(bound.fd);
}

void CliListener::attach(net::Poller& poller) {
    poller_ = &poller;
    poller.add(socket_.get(), *this);
}

void CliListener::on_ready(uint32_t) {
    for (int i = 0; i < kMaxAcceptsPerWakeup; ++i) {
        sockaddr_storage from{};
        socklen_t from_len = sizeof(from);
        net::Fd fd(accept4(socket_.get(), reinterpret_cast<sockaddr*>(&from), &from_len,
                           SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd.valid()) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                RTPE_LOG(control, log::kWarning, "Error accepting CLI connection on %s: %s",
                         address_.to_string().c_str(), std::strerror(errno));
            return;
        }
        auto peer = net::SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&from), from_len);
        const std::string peer_text = peer ? peer->to_string() : "?";
        if (connections_.size() >= kMaxConnections) {
            RTPE_LOG(control, log::kWarning, "Too many CLI connections, refusing %s", peer_text.c_str());
            continue;  // fd closes here
        }
        const int raw = fd.get();
        auto connection = std::make_shared<Connection>(*this, std::move(fd), peer_text);
        connections_[raw] = connection;
        poller_->add(raw, *connection);
    }
}

void CliListener::close(int fd) {
    auto it = connections_.find(fd);
    if (it == connections_.end())
        return;
    auto connection = std::move(it->second);
    connections_.erase(it);
    connection->mark_closed();
    poller_->remove(fd);
    // The connection (and its fd) is freed once no handler of this batch can still be
    // using it; until then its fd number cannot be reused by a new connection.
    poller_->defer([connection = std::move(connection)] {});
}

void CliListener::expire(Clock::time_point now) {
    std::vector<int> late;
    for (const auto& [fd, connection] : connections_)
        if (now >= connection->deadline())
            late.push_back(fd);
    for (int fd : late) {
        RTPE_LOG(control, log::kInfo, "Closing CLI connection from %s: timed out",
                 connections_[fd]->peer().c_str());
        close(fd);
    }
}

}  // namespace rtpe::control
