#include "daemon/control/ng_udp_listener.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "util/log.hpp"

namespace rtpe::control {

namespace {
// The largest UDP payload; Kamailio sends whole SDP bodies in one datagram.
constexpr std::size_t kMaxDatagram = 65535;
// Bounded work per wake-up so that one busy socket cannot starve the others.
constexpr int kMaxPerWakeup = 64;
}  // namespace

NgUdpListener::NgUdpListener(const net::SocketAddress& address, NgProcessor& processor)
    : address_(address), processor_(processor) {
    auto bound = net::bind_udp(address);
    if (!bound.fd.valid())
        throw std::runtime_error("cannot listen for ng on " + address.to_string() + ": " + bound.error);
    socket_ = std::move(bound.fd);
}

void NgUdpListener::attach(net::Poller& poller) {
    poller.add(socket_.get(), *this);
}

void NgUdpListener::on_ready(uint32_t) {
    static thread_local char buffer[kMaxDatagram + 1];
    for (int i = 0; i < kMaxPerWakeup; ++i) {
        sockaddr_storage from{};
        socklen_t from_len = sizeof(from);
        const ssize_t n = recvfrom(socket_.get(), buffer, kMaxDatagram, 0, reinterpret_cast<sockaddr*>(&from),
                                   &from_len);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                RTPE_LOG(control, log::kWarning, "Error receiving on ng socket %s: %s", address_.to_string().c_str(),
                         std::strerror(errno));
            return;
        }
        auto sender = net::SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&from), from_len);
        if (!sender)
            continue;
        auto reply = processor_.process(std::string_view(buffer, static_cast<std::size_t>(n)), *sender);
        if (!reply)
            continue;
        if (sendto(socket_.get(), reply->data(), reply->size(), 0, sender->sockaddr_ptr(), sender->length()) < 0)
            RTPE_LOG(control, log::kWarning, "Failed to send ng reply to %s: %s", sender->to_string().c_str(),
                     std::strerror(errno));
    }
}

}  // namespace rtpe::control
