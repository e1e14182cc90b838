#pragma once
// --homer: every relayed RTCP compound that has something to report goes to a Homer capture
// server as HEP3 with the JSON upstream sends (protocol type 5), over UDP or TCP.
//
// Two halves. Media workers call on_rtcp(), which copies the capture into a fixed slot of a
// preallocated ring and returns: no allocation, no system call beyond a wake-up write to an
// eventfd, nothing that can block on Homer. The sender thread owns everything else: JSON,
// HEP3 encoding, the socket, (re)connecting, and a bounded buffer for a slow TCP peer.
// Whatever cannot be kept is dropped and counted, never waited for.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/media/rtcp_tap.hpp"
#include "net/address.hpp"
#include "net/socket.hpp"
#include "util/thread.hpp"

namespace rtpe::homer {

enum class Transport { udp, tcp };

struct HomerSettings {
    net::SocketAddress server;
    Transport transport = Transport::udp;
    uint32_t capture_id = 0;  // --homer-id
    // Captures waiting for the sender thread. Upstream caps its queue at 200 messages.
    std::size_t queue_slots = 256;
    // Encoded messages waiting for a TCP Homer that is slow, or not connected yet.
    std::size_t tcp_buffer_bytes = 512 * 1024;
    // The first retry after a failed or lost TCP connection; doubled up to the maximum.
    // Upstream retries every 30 s.
    std::chrono::milliseconds reconnect_min{1000};
    std::chrono::milliseconds reconnect_max{30000};
    std::size_t stack_bytes = 0;  // --thread-stack; 0: the system's default
};

// One capture as the ring keeps it, bounded in size so that the ring is allocated once.
struct CaptureSlot {
    static constexpr std::size_t kMaxCallId = 256;
    static constexpr std::size_t kMaxPacket = 1500;
    net::SocketAddress source;
    net::SocketAddress destination;
    int64_t wall_us = 0;
    uint16_t call_id_length = 0;
    uint16_t length = 0;
    char call_id[kMaxCallId];
    uint8_t data[kMaxPacket];
};

// A single-consumer ring of CaptureSlots shared by any number of producers.
//
// push() holds a mutex only while it copies one capture into the free slot (at most a few
// kilobytes of memcpy, never a system call), so a producer can wait only for another
// producer's copy or the consumer's index update. The consumer reads front() without the
// lock: a producer never writes a slot that is still counted as occupied.
class CaptureQueue {
public:
    explicit CaptureQueue(std::size_t slots);

    enum class Push { queued, queued_was_empty, full, oversized };
    Push push(const media::RtcpCapture& capture) noexcept;

    // Consumer side.
    const CaptureSlot* front() const noexcept;
    void pop() noexcept;
    std::size_t size() const noexcept;
    std::size_t capacity() const noexcept { return slots_.size(); }

private:
    mutable std::mutex mutex_;
    std::vector<CaptureSlot> slots_;
    std::size_t head_ = 0;   // the oldest occupied slot
    std::size_t count_ = 0;
};

struct HomerCounters {
    uint64_t captured = 0;        // accepted by on_rtcp()
    uint64_t dropped_full = 0;    // the ring was full
    uint64_t dropped_oversized = 0;  // Call-ID or packet too long for a slot
    uint64_t not_reportable = 0;  // nothing in the compound upstream would report
    uint64_t sent = 0;            // handed to the kernel completely
    uint64_t dropped_unsent = 0;  // TCP buffer full, or lost with a broken connection
    uint64_t send_errors = 0;     // UDP send failures
    uint64_t connects = 0;        // TCP connections established
};

class HomerSender final : public media::RtcpTap {
public:
    // Starts the sender thread; throws std::runtime_error when the wake-up descriptor or the
    // thread cannot be created. Connecting is the thread's business.
    explicit HomerSender(HomerSettings settings);
    ~HomerSender() override;
    HomerSender(const HomerSender&) = delete;
    HomerSender& operator=(const HomerSender&) = delete;

    // Any worker thread. Never blocks on the network, never allocates, never throws.
    void on_rtcp(const media::RtcpCapture& capture) noexcept override;

    // Ends the sender thread promptly, whatever state Homer is in; what is still queued is
    // dropped. Idempotent; the destructor calls it. No on_rtcp() may run concurrently with
    // or after it (clear the media tap first).
    void stop();

    HomerCounters counters() const;
    const HomerSettings& settings() const { return settings_; }

private:
    struct Connection;
    void run();
    void wake() noexcept;
    void process_queue(Connection& c);
    void send_message(Connection& c, std::string message);

    HomerSettings settings_;
    CaptureQueue queue_;
    net::Fd wake_fd_;
    std::atomic<bool> stopping_{false};
    Thread thread_;
    bool stopped_ = false;

    std::atomic<uint64_t> captured_{0}, dropped_full_{0}, dropped_oversized_{0}, not_reportable_{0}, sent_{0},
        dropped_unsent_{0}, send_errors_{0}, connects_{0};
};

}  // namespace rtpe::homer
