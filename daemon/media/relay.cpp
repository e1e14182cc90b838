#include "daemon/media/relay.hpp"

#include "rtp/header.hpp"

#include <sys/socket.h>
#include <time.h>

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
    mmsghdr headers[kBatch];
    iovec iov[kBatch];
    sockaddr_storage sources[kBatch];
    alignas(16) unsigned char data[kBatch][kMaxPacket];
};
thread_local Batch t_batch;

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

void relay_readable(PacketStream& stream) {
    Batch& b = t_batch;
    for (int round = 0; round < 4; ++round) {
        for (int i = 0; i < kBatch; ++i) {
            b.iov[i] = {b.data[i], kMaxPacket};
            b.headers[i].msg_hdr = {};
            b.headers[i].msg_hdr.msg_name = &b.sources[i];
            b.headers[i].msg_hdr.msg_namelen = sizeof(b.sources[i]);
            b.headers[i].msg_hdr.msg_iov = &b.iov[i];
            b.headers[i].msg_hdr.msg_iovlen = 1;
        }
        const int n = recvmmsg(stream.fd(), b.headers, kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0)
            return;
        const int64_t now_ms = monotonic_ms();
        const int64_t now_s = time(nullptr);
        StreamCounters& in = stream.counters();
        for (int i = 0; i < n; ++i) {
            const std::size_t len = b.headers[i].msg_len;
            in.packets.fetch_add(1, std::memory_order_relaxed);
            in.bytes.fetch_add(len, std::memory_order_relaxed);
            in.last_packet.store(now_s, std::memory_order_relaxed);
            auto source = net::SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&b.sources[i]),
                                                            b.headers[i].msg_hdr.msg_namelen);
            // RTP sockets also carry RTCP when it is multiplexed; RTCP sockets carry only RTCP.
            const rtp::PacketKind kind = rtp::classify(b.data[i], len);
            const bool acceptable = kind == rtp::PacketKind::rtcp || (kind == rtp::PacketKind::rtp && !stream.is_rtcp());
            if (!source || !acceptable || (b.headers[i].msg_hdr.msg_flags & MSG_TRUNC) ||
                !learn_source(stream, *source, now_ms)) {
                in.errors.fetch_add(1, std::memory_order_relaxed);
                continue;
            }
            PacketStream* sink = stream.sink;
            // No answer yet, or the other side is on hold (0.0.0.0): nowhere to send to.
            if (!sink || sink->endpoint.port() == 0 || sink->endpoint.ip().is_unspecified())
                continue;
            if (sendto(sink->fd(), b.data[i], len, MSG_DONTWAIT, sink->endpoint.sockaddr_ptr(),
                       sink->endpoint.length()) < 0)
                in.errors.fetch_add(1, std::memory_order_relaxed);
        }
        if (n < kBatch)
            return;
    }
}

}  // namespace rtpe::media
