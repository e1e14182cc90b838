#pragma once
// The rtpproxy protocol over UDP (--listen-udp): "COOKIE COMMAND ARGS..." datagrams,
// answered "COOKIE REPLY". A retransmission (same sender, same cookie) gets the first
// reply again without the command running twice.

#include <sys/socket.h>

#include <functional>
#include <string>
#include <string_view>

#include "daemon/control/cookie_cache.hpp"
#include "net/address.hpp"
#include "net/poller.hpp"
#include "net/socket.hpp"

namespace rtpe::control {

class RtpproxyUdpListener : public net::EventHandler {
public:
    // The whole reply to a datagram, empty for none; runs on the control thread.
    using Handler = std::function<std::string(std::string_view datagram, const net::SocketAddress& sender)>;

    // Binds at once so that a taken port fails startup; throws std::runtime_error.
    RtpproxyUdpListener(const net::SocketAddress& address, CookieCache& cache, Handler handler);
    RtpproxyUdpListener(const RtpproxyUdpListener&) = delete;
    RtpproxyUdpListener& operator=(const RtpproxyUdpListener&) = delete;

    void attach(net::Poller& poller);
    void on_ready(uint32_t events) override;

private:
    void answer(std::string_view message, const net::SocketAddress& sender);

    net::SocketAddress address_;
    net::Fd socket_;
    CookieCache& cache_;
    Handler handler_;
};

}  // namespace rtpe::control
