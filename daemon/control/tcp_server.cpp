#include "daemon/control/tcp_server.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "util/log.hpp"

namespace rtpe::control {

namespace {
constexpr int kBacklog = 16;
constexpr int kMaxAcceptsPerWakeup = 16;
}  // namespace

ssize_t TcpConnection::send_some(std::string_view data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = send(fd_.get(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return -1;
        }
        sent += static_cast<std::size_t>(n);
    }
    return static_cast<ssize_t>(sent);
}

void TcpConnection::close() {
    server_.close(fd_.get());
}

TcpServer::TcpServer(const net::SocketAddress& address, std::string what, std::size_t max_connections,
                     Factory factory)
    : address_(address), what_(std::move(what)), max_connections_(max_connections), factory_(std::move(factory)) {
    auto bound = net::listen_tcp(address, kBacklog);
    if (!bound.fd.valid())
        throw std::runtime_error("cannot listen for " + what_ + " connections on " + address.to_string() + ": " +
                                 bound.error);
    socket_ = std::move(bound.fd);
}

void TcpServer::attach(net::Poller& poller) {
    poller_ = &poller;
    poller.add(socket_.get(), *this);
}

void TcpServer::on_ready(uint32_t) {
    for (int i = 0; i < kMaxAcceptsPerWakeup; ++i) {
        sockaddr_storage from{};
        socklen_t from_len = sizeof(from);
        net::Fd fd(accept4(socket_.get(), reinterpret_cast<sockaddr*>(&from), &from_len,
                           SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd.valid()) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                RTPE_LOG(control, log::kWarning, "Error accepting %s connection on %s: %s", what_.c_str(),
                         address_.to_string().c_str(), std::strerror(errno));
            return;
        }
        auto peer = net::SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&from), from_len);
        if (!peer)
            continue;
        if (connections_.size() >= max_connections_) {
            RTPE_LOG(control, log::kWarning, "Too many %s connections, refusing %s", what_.c_str(),
                     peer->to_string().c_str());
            continue;  // fd closes here
        }
        const int raw = fd.get();
        auto connection = factory_(*this, std::move(fd), *peer);
        connections_[raw] = connection;
        poller_->add(raw, *connection);
    }
}

void TcpServer::close(int fd) {
    auto it = connections_.find(fd);
    if (it == connections_.end())
        return;
    auto connection = std::move(it->second);
    connections_.erase(it);
    connection->mark_closed();
    poller_->remove(fd);
    // Freed once no handler of this batch can still be using it; until then its fd number
    // cannot be reused by a new connection either.
    poller_->defer([connection = std::move(connection)] {});
}

}  // namespace rtpe::control
