#include "daemon/control/rtpproxy_udp_listener.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "util/log.hpp"

namespace rtpe::control {

namespace {
// rtpproxy commands are one line; anything longer than this is cut (and will not parse).
constexpr std::size_t kMaxDatagram = 65535;
// Datagrams handled per wake-up, so that a flood cannot starve the other listeners.
constexpr int kMaxPerWakeup = 64;
}  // namespace

RtpproxyUdpListener::RtpproxyUdpListener(const net::SocketAddress& address, CookieCache& cache, Handler handler)
    : address_(address), cache_(cache), handler_(std::move(handler)) {
    auto bound = net::bind_udp(address);
    if (!bound.fd.valid())
        throw std::runtime_error("cannot listen for rtpproxy commands on " + address.to_string() + ": " +
                                 bound.error);
    socket_ = std::move(bound.fd);
}

void RtpproxyUdpListener::attach(net::Poller& poller) {
    poller.add(socket_.get(), *this);
}

void RtpproxyUdpListener::on_ready(uint32_t) {
    static thread_local auto buffer = std::make_unique<char[]>(kMaxDatagram + 1);
    for (int round = 0; round < kMaxPerWakeup; ++round) {
        sockaddr_storage from{};
        socklen_t from_len = sizeof(from);
        const ssize_t n = recvfrom(socket_.get(), buffer.get(), kMaxDatagram, MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                RTPE_LOG(control, log::kWarning, "Error receiving on rtpproxy socket %s: %s",
                         address_.to_string().c_str(), std::strerror(errno));
            return;
        }
        auto sender = net::SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&from), from_len);
        if (sender)
            answer(std::string_view(buffer.get(), static_cast<std::size_t>(n)), *sender);
    }
}

void RtpproxyUdpListener::answer(std::string_view message, const net::SocketAddress& sender) {
    // The cookie is the first word.
    std::size_t start = 0;
    while (start < message.size() && std::isspace(static_cast<unsigned char>(message[start])))
        ++start;
    std::size_t end = start;
    while (end < message.size() && !std::isspace(static_cast<unsigned char>(message[end])))
        ++end;
    if (end == start) {
        RTPE_LOG(control, log::kWarning, "Unable to parse command line from udp:%s", sender.to_string().c_str());
        return;
    }
    const std::string_view cookie = message.substr(start, end - start);
    const auto now = CookieCache::Clock::now();
    CookieCache::Reply reply = cache_.find(sender, cookie, now);
    if (reply) {
        RTPE_LOG(control, log::kInfo, "Detected command from udp:%s as a duplicate", sender.to_string().c_str());
    } else {
        std::string_view shown = message.substr(0, 512);
        while (!shown.empty() && std::isspace(static_cast<unsigned char>(shown.back())))
            shown.remove_suffix(1);
        RTPE_LOG(control, log::kInfo, "Got command from udp:%s: %.*s", sender.to_string().c_str(),
                 static_cast<int>(shown.size()), shown.data());
        std::string text = handler_(message, sender);
        if (text.empty())
            return;
        reply = std::make_shared<const std::string>(std::move(text));
        cache_.store(sender, cookie, reply, now);
    }
    if (sendto(socket_.get(), reply->data(), reply->size(), 0, sender.sockaddr_ptr(), sender.length()) < 0)
        RTPE_LOG(control, log::kWarning, "Failed to send rtpproxy reply to %s: %s", sender.to_string().c_str(),
                 std::strerror(errno));
}

}  // namespace rtpe::control
