#include "daemon/media/egress.hpp"

#include <atomic>

namespace rtpe::media {

namespace {
std::atomic<bool> g_plain_io{false};
}

void Egress::set_plain_io(bool plain) {
    g_plain_io.store(plain, std::memory_order_relaxed);
}

void Egress::queue(int fd, const net::SocketAddress& destination, const uint8_t* data, std::size_t length,
                   std::atomic<uint64_t>& failures) {
    if (count_ == kCapacity)
        flush();
    const std::size_t i = count_++;
    iovs_[i] = {const_cast<uint8_t*>(data), length};
    messages_[i].msg_hdr = {};
    messages_[i].msg_hdr.msg_name = const_cast<sockaddr*>(destination.sockaddr_ptr());
    messages_[i].msg_hdr.msg_namelen = destination.length();
    messages_[i].msg_hdr.msg_iov = &iovs_[i];
    messages_[i].msg_hdr.msg_iovlen = 1;
    fds_[i] = fd;
    failures_[i] = &failures;
}

std::size_t Egress::send_run(int fd, std::size_t first, std::size_t n) {
    std::size_t sent = 0;
    if (!g_plain_io.load(std::memory_order_relaxed)) {
        while (sent < n) {
            const int r = sendmmsg(fd, messages_.data() + first + sent, static_cast<unsigned>(n - sent), MSG_DONTWAIT);
            if (r <= 0)
                break;
            sent += static_cast<std::size_t>(r);
        }
        return sent;
    }
    // One by one, a failure in the middle does not stop the rest; count what went out
    // by marking failures directly.
    for (std::size_t i = first; i < first + n; ++i)
        if (sendmsg(fd, &messages_[i].msg_hdr, MSG_DONTWAIT) < 0)
            bump(*failures_[i]);
    return n;
}

void Egress::flush() {
    std::size_t i = 0;
    while (i < count_) {
        std::size_t run = 1;
        while (i + run < count_ && fds_[i + run] == fds_[i])
            ++run;
        const std::size_t sent = send_run(fds_[i], i, run);
        // sendmmsg stops at the first failure: the rest of the run is not sent.
        for (std::size_t k = i + sent; k < i + run; ++k)
            bump(*failures_[k]);
        i += run;
    }
    count_ = 0;
}

}  // namespace rtpe::media
