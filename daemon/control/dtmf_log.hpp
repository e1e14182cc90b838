#pragma once
// DTMF logging as upstream does it: each RFC 4733 event that ended, as JSON, to syslog
// (--log-facility-dtmf), in a UDP datagram (--dtmf-log-dest, or the call's DTMF-log-dest
// key), and as an ng notification to every ng TCP client (--dtmf-log-ng-tcp). Control
// thread only; sending never blocks (UDP is non-blocking, TCP clients are buffered).

#include <functional>
#include <optional>
#include <string_view>

#include "daemon/call/call_service.hpp"
#include "net/address.hpp"
#include "net/socket.hpp"

namespace rtpe::control {

class DtmfLog {
public:
    struct Settings {
        std::optional<int> syslog_facility;
        std::optional<net::SocketAddress> destination;
        bool ng_tcp = false;
    };
    // ng_tcp_broadcast: sends one message to every ng TCP client.
    DtmfLog(Settings settings, std::function<void(std::string_view)> ng_tcp_broadcast);

    void report(const call::DtmfReport& r);

private:
    void send_udp(const net::SocketAddress& to, std::string_view json);

    Settings settings_;
    std::function<void(std::string_view)> ng_tcp_broadcast_;
    net::Fd udp4_, udp6_;  // made when first needed
};

}  // namespace rtpe::control
