#pragma once
// What a batch of received packets sends: entries of (socket, destination, bytes), kept
// in the order the sinks queued them and sent with one sendmmsg per run of entries that
// leave through the same socket. Consecutive packets of one size to one destination go as
// one message the kernel cuts into datagrams (UDP segmentation offload, UDP_SEGMENT), which
// saves it the per-datagram routing and socket work. The bytes are not copied: they stay in
// the receive buffers until flush(), which the relay calls before it receives again.

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "daemon/media/counter.hpp"
#include "net/address.hpp"

namespace rtpe::media {

class Egress {
public:
    static constexpr std::size_t kCapacity = 128;

    static constexpr std::size_t kScratchBytes = 2048;

    // Queues data for destination through fd; a failed send is added to failures. When
    // full, what is queued goes out first.
    void queue(int fd, const net::SocketAddress& destination, const uint8_t* data, std::size_t length,
               std::atomic<uint64_t>& failures);
    // A buffer for a packet rewritten on its way out (SRTP protect), valid until flush():
    // fill it, then queue() it. Each entry has its own, so a packet going to several
    // destinations can be rewritten for each.
    std::span<uint8_t> scratch();
    // Sends everything queued; failed sends are counted on each entry's failures.
    void flush();
    std::size_t pending() const { return count_; }

    // Plain sendmsg per packet instead of sendmmsg (RTPENGINE_PLAIN_IO=1).
    static void set_plain_io(bool plain);

private:
    // Sends entries [first, first + n), all through fd; what does not go out is counted on
    // each entry's failures.
    void send_run(int fd, std::size_t first, std::size_t n);
    // Builds gathered_ from entries [first, first + n): one message per group of packets
    // that can be segmented together; returns how many messages.
    std::size_t gather(std::size_t first, std::size_t n);
    bool same_destination(std::size_t a, std::size_t b) const;

    std::array<mmsghdr, kCapacity> messages_;
    std::array<iovec, kCapacity> iovs_;
    std::array<int, kCapacity> fds_;
    std::array<std::atomic<uint64_t>*, kCapacity> failures_;
    std::size_t count_ = 0;
    // On the heap, made once per thread: a thread's static TLS must stay small (it comes
    // out of every thread's stack).
    std::vector<std::array<uint8_t, kScratchBytes>> scratch_ = std::vector<std::array<uint8_t, kScratchBytes>>(kCapacity);
    // The segmented form of one run: messages, their UDP_SEGMENT control data, and which
    // entries each carries.
    std::array<mmsghdr, kCapacity> gathered_;
    alignas(cmsghdr) unsigned char control_[kCapacity][CMSG_SPACE(sizeof(uint16_t))];
    std::array<std::size_t, kCapacity> first_of_;
    std::array<std::size_t, kCapacity> segments_;
};

// What timers send (play media, the transcoder's clock, the T.38 gateway) goes through an
// egress of the worker's own, flushed by the timer that used it: the batch path's egress
// belongs to the batch being received.
Egress& timer_egress();

}  // namespace rtpe::media
