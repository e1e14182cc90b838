#pragma once
// The text CLI over TCP, on the control thread's poller: a client connects, sends one
// line, gets the reply and the connection closes. Nothing here blocks: a client that is
// slow, silent or sends too much is cut off without holding up ng or other CLI clients.

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "daemon/control/cli_commands.hpp"
#include "net/address.hpp"
#include "net/poller.hpp"
#include "net/socket.hpp"

namespace rtpe::control {

class CliListener : public net::EventHandler {
public:
    using Clock = std::chrono::steady_clock;
    // Longest command line accepted; rtpengine-ctl's are a few dozen bytes.
    static constexpr std::size_t kMaxLine = 4096;
    // Time a client has to send its line, and then to take its reply.
    static constexpr std::chrono::seconds kReadTimeout{5};
    static constexpr std::chrono::seconds kWriteTimeout{10};
    // Connections served at once; more are closed as soon as they are accepted.
    static constexpr std::size_t kMaxConnections = 64;

    // Binds and listens at once so that a taken port fails startup; throws std::runtime_error.
    CliListener(const net::SocketAddress& address, const CliCommandTable& commands);
    CliListener(const CliListener&) = delete;
    CliListener& operator=(const CliListener&) = delete;

    void attach(net::Poller& poller);
    const net::SocketAddress& address() const { return address_; }
    // Accepts new connections.
    void on_ready(uint32_t events) override;
    // Closes connections past their deadline; called by a control-thread timer.
    void expire(Clock::time_point now);

private:
    class Connection;
    void close(int fd);

    net::SocketAddress address_;
    net::Fd socket_;
    const CliCommandTable& commands_;
    net::Poller* poller_ = nullptr;
    std::unordered_map<int, std::shared_ptr<Connection>> connections_;  // by fd
};

}  // namespace rtpe::control
