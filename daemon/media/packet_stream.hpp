#pragma once
// One local media socket facing one participant (its RTP or its RTCP), and what the
// relay needs to forward what arrives there: the peer-facing stream it goes out of, and
// where this participant is to be reached.
//
// Threading: the fields under "worker state" are read and written only on the owning
// worker's thread; the control thread changes them through WorkerPool tasks. Counters are
// atomics so the control thread can read them for query/delete at any time.

#include <atomic>
#include <cstdint>
#include <ctime>

#include "net/address.hpp"
#include "net/poller.hpp"

namespace rtpe::media {

enum class EndpointLearning { delayed, immediate, off, heuristic };

struct StreamCounters {
    std::atomic<uint64_t> packets{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<uint64_t> errors{0};
    std::atomic<int64_t> last_packet{0};  // wall-clock seconds; 0 = never
};

struct RelayPolicy {
    EndpointLearning learning = EndpointLearning::delayed;
    bool asymmetric = false;     // never learn: the SDP address is where media goes
    bool strict_source = false;  // drop packets whose source is not the endpoint
    bool media_handover = false; // a new source takes over the endpoint at any time
};

class PacketStream : public net::EventHandler {
public:
    PacketStream(int fd, bool rtcp) : fd_(fd), rtcp_(rtcp) {}

    // The worker's poller calls this when the socket is readable (defined with the relay).
    void on_ready(uint32_t events) override;

    int fd() const { return fd_; }
    bool is_rtcp() const { return rtcp_; }
    // Set by the control thread when the stream leaves its call. The socket stays in its
    // worker's poller until the worker closes it (closing is what takes it out, which
    // saves a system call per socket); until then what arrives is read and dropped.
    void retire() { retired_.store(true, std::memory_order_release); }
    bool retired() const { return retired_.load(std::memory_order_acquire); }
    StreamCounters& counters() { return counters_; }
    const StreamCounters& counters() const { return counters_; }

    // --- worker state ---
    PacketStream* sink = nullptr;       // packets received here leave through the sink's socket
    net::SocketAddress advertised;      // from the participant's SDP; port 0 = unknown
    net::SocketAddress endpoint;        // where we send to; learned from traffic when allowed
    bool endpoint_confirmed = false;    // learning is over for this endpoint
    int64_t learning_started_ms = 0;    // monotonic ms of the first packet, for delayed learning
    RelayPolicy policy;

private:
    const int fd_;
    const bool rtcp_;
    std::atomic<bool> retired_{false};
    StreamCounters counters_;
};

}  // namespace rtpe::media
