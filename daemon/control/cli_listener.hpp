#pragma once
// The text CLI over TCP, on the control thread's poller: a client connects, sends one
// line, gets the reply and the connection closes. A client that is slow, silent or sends
// too much is cut off without holding up ng or other CLI clients.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/control/cli_commands.hpp"
#include "daemon/control/tcp_server.hpp"

namespace rtpe::control {

class CliListener {
public:
    using Clock = std::chrono::steady_clock;
    // Longest command line accepted; rtpengine-ctl's are a few dozen bytes.
    static constexpr std::size_t kMaxLine = 4096;
    // Time a client has to send its line, and then to take its reply.
    static constexpr std::chrono::seconds kReadTimeout{5};
    static constexpr std::chrono::seconds kWriteTimeout{10};
    // Connections served at once; more are closed as soon as they are accepted.
    static constexpr std::size_t kMaxConnections = 64;

    // Answers one line (without its line end); connected lists the peers of the
    // connections open now. nullopt closes the connection without a word.
    using LineHandler =
        std::function<std::optional<std::string>(std::string_view line, const std::vector<std::string>& connected)>;

    // Binds and listens at once so that a taken port fails startup; throws std::runtime_error.
    CliListener(const net::SocketAddress& address, const CliCommandTable& commands);
    // The same one-line-then-close service for another protocol (the legacy mediaproxy
    // one); what names it in logs.
    CliListener(const net::SocketAddress& address, std::string what, LineHandler handler);

    void attach(net::Poller& poller) { server_.attach(poller); }
    // Closes connections past their deadline; called by a control-thread timer.
    void expire(Clock::time_point now);

private:
    class Connection;
    LineHandler handler_;
    TcpServer server_;
};

}  // namespace rtpe::control
