#pragma once
// TCP listening for the control thread: accepts without blocking, caps the number of
// connections, and frees a closed connection only once no handler of the current batch of
// events can still be using it. The CLI and ng over TCP build on it.

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "net/address.hpp"
#include "net/poller.hpp"
#include "net/socket.hpp"

namespace rtpe::control {

class TcpServer;

class TcpConnection : public net::EventHandler {
public:
    TcpConnection(TcpServer& server, net::Fd fd, const net::SocketAddress& peer)
        : server_(server), fd_(std::move(fd)), peer_address_(peer), peer_(peer.to_string()) {}

    int fd() const { return fd_.get(); }
    const std::string& peer() const { return peer_; }
    const net::SocketAddress& peer_address() const { return peer_address_; }
    bool closed() const { return closed_; }
    void mark_closed() { closed_ = true; }

    void on_ready(uint32_t events) final {
        // Events already fetched for a connection closed in the same batch are ignored.
        if (!closed_)
            on_readable_or_writable(events);
    }

protected:
    virtual void on_readable_or_writable(uint32_t events) = 0;
    // Sends as much of data as the socket takes now; returns the count, or -1 on error.
    ssize_t send_some(std::string_view data);
    void close();

    TcpServer& server_;
    net::Fd fd_;
    const net::SocketAddress peer_address_;
    const std::string peer_;

private:
    bool closed_ = false;
};

class TcpServer : public net::EventHandler {
public:
    using Factory = std::function<std::shared_ptr<TcpConnection>(TcpServer&, net::Fd fd, const net::SocketAddress& peer)>;

    // Binds and listens at once so that a taken port fails startup; throws std::runtime_error.
    // what names the service in messages ("CLI", "ng TCP").
    TcpServer(const net::SocketAddress& address, std::string what, std::size_t max_connections, Factory factory);
    TcpServer(const TcpServer&) = delete;
    TcpServer& operator=(const TcpServer&) = delete;

    void attach(net::Poller& poller);
    net::Poller& poller() { return *poller_; }
    const net::SocketAddress& address() const { return address_; }
    const std::string& what() const { return what_; }
    void on_ready(uint32_t events) override;
    void close(int fd);

    template <typename F>
    void for_each_connection(F&& f) {
        for (auto& [fd, connection] : connections_)
            f(*connection);
    }

private:
    net::SocketAddress address_;
    std::string what_;
    std::size_t max_connections_;
    Factory factory_;
    net::Fd socket_;
    net::Poller* poller_ = nullptr;
    std::unordered_map<int, std::shared_ptr<TcpConnection>> connections_;  // by fd
};

}  // namespace rtpe::control
