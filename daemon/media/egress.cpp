#include "daemon/media/egress.hpp"

#include <netinet/in.h>
#include <netinet/udp.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>

namespace rtpe::media {

namespace {
std::atomic<bool> g_plain_io{false};
// UDP segmentation offload (Linux 4.18+): cleared for good the first time the kernel
// refuses it, after which every packet goes as a message of its own.
std::atomic<bool> g_gso{true};
// What one GSO message may carry: the kernel's limit on segments, and a datagram's size.
constexpr std::size_t kMaxSegments = 64;
constexpr std::size_t kMaxGsoBytes = 65000;
}  // namespace

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

std::span<uint8_t> Egress::scratch() {
    if (count_ == kCapacity)
        flush();
    return scratch_[count_];  // the slot the next queue() takes
}

bool Egress::same_destination(std::size_t a, std::size_t b) const {
    const msghdr& x = messages_[a].msg_hdr;
    const msghdr& y = messages_[b].msg_hdr;
    return x.msg_namelen == y.msg_namelen && std::memcmp(x.msg_name, y.msg_name, x.msg_namelen) == 0;
}

std::size_t Egress::gather(std::size_t first, std::size_t n) {
    // Consecutive packets to one destination, all of the first one's size but the last
    // (which may be shorter), go as one message that the kernel cuts into datagrams.
    std::size_t out = 0;
    for (std::size_t i = first; i < first + n;) {
        const std::size_t size = iovs_[i].iov_len;
        std::size_t k = 1, bytes = size;
        while (i + k < first + n && k < kMaxSegments && size > 0 && iovs_[i + k - 1].iov_len == size &&
               iovs_[i + k].iov_len <= size && bytes + iovs_[i + k].iov_len <= kMaxGsoBytes && same_destination(i, i + k)) {
            bytes += iovs_[i + k].iov_len;
            ++k;
        }
        msghdr& h = gathered_[out].msg_hdr;
        h = messages_[i].msg_hdr;
        h.msg_iov = &iovs_[i];
        h.msg_iovlen = k;
        if (k > 1) {
            h.msg_control = control_[out];
            h.msg_controllen = sizeof(control_[out]);
            cmsghdr* c = CMSG_FIRSTHDR(&h);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            const uint16_t segment = static_cast<uint16_t>(size);
            std::memcpy(CMSG_DATA(c), &segment, sizeof(segment));
        }
        first_of_[out] = i;
        segments_[out] = k;
        ++out;
        i += k;
    }
    return out;
}

void Egress::send_run(int fd, std::size_t first, std::size_t n) {
    // One packet, the usual case at low rates, where every line touched is a cold one:
    // nothing to gather.
    if (n == 1) {
        if (sendmsg(fd, &messages_[first].msg_hdr, MSG_DONTWAIT) < 0)
            bump(*failures_[first]);
        return;
    }
    if (g_plain_io.load(std::memory_order_relaxed)) {
        // One by one: a failure in the middle does not stop the rest.
        for (std::size_t i = first; i < first + n; ++i)
            if (sendmsg(fd, &messages_[i].msg_hdr, MSG_DONTWAIT) < 0)
                bump(*failures_[i]);
        return;
    }
    const bool gso = g_gso.load(std::memory_order_relaxed);
    mmsghdr* msgs = gso ? gathered_.data() : messages_.data() + first;
    const std::size_t count = gso ? gather(first, n) : n;
    std::size_t sent = 0;
    while (sent < count) {
        // One message costs the kernel less through sendmsg.
        const int r = count - sent == 1 ? (sendmsg(fd, &msgs[sent].msg_hdr, MSG_DONTWAIT) >= 0 ? 1 : -1)
                                        : sendmmsg(fd, msgs + sent, static_cast<unsigned>(count - sent), MSG_DONTWAIT);
        if (r > 0) {
            sent += static_cast<std::size_t>(r);
            continue;
        }
        if (gso && (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT) && segments_[sent] > 1) {
            // No segmentation offload here: from now on every datagram alone.
            g_gso.store(false, std::memory_order_relaxed);
            const std::size_t from = first_of_[sent];
            send_run(fd, from, first + n - from);
            return;
        }
        break;  // the socket will not take more now; what is left counts as failed
    }
    // sendmmsg stops at the first failure: what was not sent counts on its stream.
    const std::size_t unsent_from = gso ? (sent < count ? first_of_[sent] : first + n) : first + sent;
    for (std::size_t k = unsent_from; k < first + n; ++k)
        bump(*failures_[k]);
}

void Egress::flush() {
    std::size_t i = 0;
    while (i < count_) {
        std::size_t run = 1;
        while (i + run < count_ && fds_[i + run] == fds_[i])
            ++run;
        send_run(fds_[i], i, run);
        i += run;
    }
    count_ = 0;
}

Egress& timer_egress() {
    thread_local std::unique_ptr<Egress> egress = std::make_unique<Egress>();
    return *egress;
}

}  // namespace rtpe::media
