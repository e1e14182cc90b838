#pragma once
// ng over UDP: one socket per listening address, served on the control thread's poller.

#include <sys/socket.h>

#include <string_view>
#include <vector>

#include "daemon/control/ng_processor.hpp"
#include "net/address.hpp"
#include "net/poller.hpp"
#include "net/socket.hpp"

namespace rtpe::control {

class NgUdpListener : public net::EventHandler {
public:
    // Binds at once so that a taken port fails startup; throws std::runtime_error.
    NgUdpListener(const net::SocketAddress& address, NgProcessor& processor);
    NgUdpListener(const NgUdpListener&) = delete;
    NgUdpListener& operator=(const NgUdpListener&) = delete;

    void attach(net::Poller& poller);
    const net::SocketAddress& address() const { return address_; }
    // IP_TOS (IPv4) or IPV6_TCLASS (IPv6) of the replies; false if the kernel refused.
    bool set_tos(int tos);
    void on_ready(uint32_t events) override;

private:
    void answer(std::string_view message, const sockaddr* from, socklen_t from_len);

    net::SocketAddress address_;
    net::Fd socket_;
    NgProcessor& processor_;
};

}  // namespace rtpe::control
