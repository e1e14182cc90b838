#pragma once
// What a batch of received packets sends: entries of (socket, destination, bytes), kept
// in the order the sinks queued them and sent with one sendmmsg per run of entries that
// leave through the same socket. The bytes are not copied: they stay in the receive
// buffers until flush(), which the relay calls before it receives again.

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "daemon/media/counter.hpp"
#include "net/address.hpp"

namespace rtpe::media {

class Egress {
public:
    static constexpr std::size_t kCapacity = 128;

    // Queues data for destination through fd; a failed send is added to failures. When
    // full, what is queued goes out first.
    void queue(int fd, const net::SocketAddress& destination, const uint8_t* data, std::size_t length,
               std::atomic<uint64_t>& failures);
    // Sends everything queued; failed sends are counted on each entry's failures.
    void flush();
    std::size_t pending() const { return count_; }

    // Plain sendmsg per packet instead of sendmmsg (RTPENGINE_PLAIN_IO=1).
    static void set_plain_io(bool plain);

private:
    // Sends entries [first, first + n), all through fd; returns how many went out, in order.
    std::size_t send_run(int fd, std::size_t first, std::size_t n);

    std::array<mmsghdr, kCapacity> messages_;
    std::array<iovec, kCapacity> iovs_;
    std::array<int, kCapacity> fds_;
    std::array<std::atomic<uint64_t>*, kCapacity> failures_;
    std::size_t count_ = 0;
};

}  // namespace rtpe::media
