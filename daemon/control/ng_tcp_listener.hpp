#pragma once
// ng over TCP (--listen-tcp-ng): a connection carries "<cookie> <bencode dictionary>"
// messages back to back in both directions, framed by the bencode itself, as upstream's
// TCP ng does. Each message goes through the same NgProcessor as UDP.

#include "daemon/control/ng_processor.hpp"
#include "daemon/control/tcp_server.hpp"

namespace rtpe::control {

class NgTcpListener {
public:
    // Bytes a connection may have buffered, either way, before it is dropped.
    static constexpr std::size_t kMaxBuffered = 4 << 20;
    static constexpr std::size_t kMaxConnections = 256;

    // Binds and listens at once so that a taken port fails startup; throws std::runtime_error.
    NgTcpListener(const net::SocketAddress& address, NgProcessor& processor);

    void attach(net::Poller& poller) { server_.attach(poller); }
    // A message of the daemon's own (--dtmf-log-ng-tcp's notifications) to every client.
    void broadcast(std::string_view message);

private:
    class Connection;
    TcpServer server_;
};

}  // namespace rtpe::control
