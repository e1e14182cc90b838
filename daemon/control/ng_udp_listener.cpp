#include "daemon/control/ng_udp_listener.hpp"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "util/log.hpp"

namespace rtpe::control {

namespace {
// The largest UDP payload; Kamailio sends whole SDP bodies in one datagram.
constexpr std::size_t kMaxDatagram = 65535;
// Datagrams fetched per system call. A short batch means the queue is empty, which
// spares the extra call that would only report EAGAIN.
constexpr unsigned kBatch = 8;
// Bounded work per wake-up so that one busy socket cannot starve the others.
constexpr int kMaxBatchesPerWakeup = 8;

struct ReceiveBatch {
    char buffers[kBatch][kMaxDatagram + 1];
    sockaddr_storage senders[kBatch];
    iovec iov[kBatch];
    mmsghdr headers[kBatch];

    void reset() {
        for (unsigned i = 0; i < kBatch; ++i) {
            iov[i] = {buffers[i], kMaxDatagram};
            headers[i] = {};
            headers[i].msg_hdr.msg_name = &senders[i];
            headers[i].msg_hdr.msg_namelen = sizeof(senders[i]);
            headers[i].msg_hdr.msg_iov = &iov[i];
            headers[i].msg_hdr.msg_iovlen = 1;
        }
    }
};
}  // namespace

NgUdpListener::NgUdpListener(const net::SocketAddress& address, NgProcessor& processor)
    : address_(address), processor_(processor) {
    auto bound = net::bind_udp(address);
    if (!bound.fd.valid())
        throw std::runtime_error("cannot listen for ng on " + address.to_string() + ": " + bound.error);
    socket_ = std::move(bound.fd);
}

bool NgUdpListener::set_tos(int tos) {
    const bool v6 = address_.family() == AF_INET6;
    if (setsockopt(socket_.get(), v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_TCLASS : IP_TOS, &tos, sizeof(tos)) == 0)
        return true;
    RTPE_LOG(control, log::kWarning, "Failed to set TOS %d on ng socket %s: %s", tos, address_.to_string().c_str(),
             std::strerror(errno));
    return false;
}

void NgUdpListener::attach(net::Poller& poller) {
    poller.add(socket_.get(), *this);
}

void NgUdpListener::on_ready(uint32_t) {
    // Only the control thread runs listeners; the batch is too big for its stack.
    static thread_local auto batch = std::make_unique<ReceiveBatch>();
    for (int round = 0; round < kMaxBatchesPerWakeup; ++round) {
        batch->reset();
        const int n = recvmmsg(socket_.get(), batch->headers, kBatch, MSG_DONTWAIT, nullptr);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                RTPE_LOG(control, log::kWarning, "Error receiving on ng socket %s: %s", address_.to_string().c_str(),
                         std::strerror(errno));
            return;
        }
        for (int i = 0; i < n; ++i)
            answer(std::string_view(batch->buffers[i], batch->headers[i].msg_len),
                   reinterpret_cast<const sockaddr*>(&batch->senders[i]), batch->headers[i].msg_hdr.msg_namelen);
        if (static_cast<unsigned>(n) < kBatch)
            return;
    }
}

void NgUdpListener::answer(std::string_view message, const sockaddr* from, socklen_t from_len) {
    auto sender = net::SocketAddress::from_sockaddr(from, from_len);
    if (!sender)
        return;
    auto reply = processor_.process(message, *sender);
    if (!reply)
        return;
    if (sendto(socket_.get(), reply->data(), reply->size(), 0, sender->sockaddr_ptr(), sender->length()) < 0)
        RTPE_LOG(control, log::kWarning, "Failed to send ng reply to %s: %s", sender->to_string().c_str(),
                 std::strerror(errno));
}

}  // namespace rtpe::control
