#include "daemon/media/relay.hpp"

#include "rtp/header.hpp"

#include <sys/socket.h>
#include <time.h>

#include <atomic>
#include <cerrno>

namespace rtpe::media {

namespace {

constexpr int kBatch = 32;
constexpr std::size_t kMaxPacket = 2048;  // larger datagrams are truncated and counted as errors
// How long delayed learning waits for a packet from the SDP address before settling on
// the first source seen (upstream waits 3 seconds).
constexpr int64_t kDelayedLearningMs = 3000;

int64_t monotonic_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// One buffer set per worker thread: the packet path allocates nothing.
struct Batch {
    mmsghdr in[kBatch];
    iovec in_iov[kBatch];
    sockaddr_storage sources[kBatch];
    mmsghdr out[kBatch];
    iovec out_iov[kBatch];
    alignas(16) unsigned char data[kBatch][kMaxPacket];
};
thread_local Batch t_batch;

std::atomic<bool> g_plain_io{false};

// Fills b.in with up to kBatch datagrams; returns how many.
int receive_batch(int fd, Batch& b) {
    for (int i = 0; i < kBatch; ++i) {
        b.in_iov[i] = {b.data[i], kMaxPacket};
        b.in[i].msg_hdr = {};
        b.in[i].msg_hdr.msg_name = &b.sources[i];
        b.in[i].msg_hdr.msg_namelen = sizeof(b.sources[i]);
        b.in[i].msg_hdr.msg_iov = &b.in_iov[i];
        b.in[i].msg_hdr.msg_iovlen = 1;
    }
    if (!g_plain_io.load(std::memory_order_relaxed))
        return recvmmsg(fd, b.in, kBatch, MSG_DONTWAIT, nullptr);
    int n = 0;
    for (; n < kBatch; ++n) {
        const ssize_t len = recvmsg(fd, &b.in[n].msg_hdr, MSG_DONTWAIT);
        if (len < 0)
            break;
        b.in[n].msg_len = static_cast<unsigned>(len);
    }
    return n > 0 ? n : -1;
}

// Sends the first count entries of b.out from fd; returns how many went out.
int send_batch(int fd, Batch& b, int count) {
    if (!g_plain_io.load(std::memory_order_relaxed)) {
        int sent = 0;
        while (sent < count) {
            const int n = sendmmsg(fd, b.out + sent, static_cast<unsigned>(count - sent), MSG_DONTWAIT);
            if (n <= 0)
                break;
            sent += n;
        }
        return sent;
    }
    int sent = 0;
    for (int i = 0; i < count; ++i)
        if (sendmsg(fd, &b.out[i].msg_hdr, MSG_DONTWAIT) >= 0)
            ++sent;
    return sent;
}

}  // namespace

bool learn_source(PacketStream& s, const net::SocketAddress& source, int64_t now_ms) {
    if (s.endpoint == source) {
        // Traffic from the address the SDP named, or from the first guess for long enough,
        // ends learning.
        if (!s.endpoint_confirmed &&
            (source == s.advertised ||
             (s.learning_started_ms != 0 && now_ms - s.learning_started_ms >= kDelayedLearningMs)))
            s.endpoint_confirmed = true;
        return true;
    }
    if (s.policy.strict_source && s.endpoint.port() != 0 && s.endpoint_confirmed)
        return false;
    if (s.policy.asymmetric || s.policy.learning == EndpointLearning::off)
        return !s.policy.strict_source || s.endpoint.port() == 0;

    if (s.policy.media_handover) {
        s.endpoint = source;
        s.endpoint_confirmed = true;
        return true;
    }
    if (s.endpoint_confirmed)
        return true;  // learned already: keep sending where we settled

    switch (s.policy.learning) {
    case EndpointLearning::immediate:
        s.endpoint = source;
        s.endpoint_confirmed = true;
        break;
    case EndpointLearning::delayed:
    case EndpointLearning::heuristic:
        if (s.learning_started_ms == 0) {
            s.learning_started_ms = now_ms;
            s.endpoint = source;
        } else if (source == s.advertised ||
                   (s.policy.learning == EndpointLearning::heuristic && source.ip() == s.advertised.ip())) {
            // A packet from the address the SDP named beats the first guess.
            s.endpoint = source;
            s.endpoint_confirmed = source == s.advertised;
        }
        if (now_ms - s.learning_started_ms >= kDelayedLearningMs)
            s.endpoint_confirmed = true;
        break;
    case EndpointLearning::off:
        break;
    }
    return true;
}

void PacketStream::on_ready(uint32_t) {
    relay_readable(*this);
}

void set_plain_io(bool plain) {
    g_plain_io.store(plain, std::memory_order_relaxed);
}

void relay_readable(PacketStream& stream) {
    Batch& b = t_batch;
    StreamCounters& in = stream.counters();
    for (int round = 0; round < 4; ++round) {
        const int n = receive_batch(stream.fd(), b);
        if (n <= 0)
            return;
        if (stream.retired()) {
            if (n < kBatch)
                return;
            continue;
        }
        const int64_t now_ms = monotonic_ms();
        uint64_t bytes = 0, errors = 0;
        // Every packet of one batch came in on one socket, so all leave through one sink.
        PacketStream* sink = stream.sink;
        int out = 0;
        for (int i = 0; i < n; ++i) {
            const std::size_t len = b.in[i].msg_len;
            bytes += len;
            auto source = net::SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&b.sources[i]),
                                                            b.in[i].msg_hdr.msg_namelen);
            // RTP sockets also carry RTCP when it is multiplexed; RTCP sockets carry only RTCP.
            const rtp::PacketKind kind = rtp::classify(b.data[i], len);
            const bool acceptable = kind == rtp::PacketKind::rtcp || (kind == rtp::PacketKind::rtp && !stream.is_rtcp());
            if (!source || !acceptable || (b.in[i].msg_hdr.msg_flags & MSG_TRUNC) ||
                !learn_source(stream, *source, now_ms)) {
                ++errors;
                continue;
            }
            // No answer yet, or the other side is on hold (0.0.0.0): nowhere to send to.
            if (!sink || sink->endpoint.port() == 0 || sink->endpoint.ip().is_unspecified())
                continue;
            b.out_iov[out] = {b.data[i], len};
            b.out[out].msg_hdr = {};
            b.out[out].msg_hdr.msg_name = const_cast<sockaddr*>(sink->endpoint.sockaddr_ptr());
            b.out[out].msg_hdr.msg_namelen = sink->endpoint.length();
            b.out[out].msg_hdr.msg_iov = &b.out_iov[out];
            b.out[out].msg_hdr.msg_iovlen = 1;
            ++out;
        }
        // One writer per stream: plain relaxed updates, folded once per batch. Counted
        // before sending, so whoever has received a packet finds it in the stats.
        in.packets.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
        in.bytes.fetch_add(bytes, std::memory_order_relaxed);
        in.last_packet.store(time(nullptr), std::memory_order_relaxed);
        if (out)
            errors += static_cast<uint64_t>(out - send_batch(sink->fd(), b, out));
        if (errors)
            in.errors.fetch_add(errors, std::memory_order_relaxed);
        if (n < kBatch)
            return;
    }
}

}  // namespace rtpe::media
