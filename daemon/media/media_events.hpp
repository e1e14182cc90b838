#pragma once
// Events a worker posts up to the control thread: what changed on a stream that the
// control side shows or acts on. The control thread never reads a worker's fields; it
// learns of addresses through these.
//
// The outbox is bounded: a flood (a sender cycling through thousands of SSRCs) loses
// events, counted, never memory or time on the packet path.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "daemon/media/rtcp_quality.hpp"
#include "net/address.hpp"
#include "srtp/context.hpp"

namespace rtpe::media {

class PacketStream;

// The stream is named by pointer: a worker posts nothing for a stream after the task that
// releases it, and the control thread frees released streams only after draining the
// events posted before it saw the release (CallService::bury_*), so the pointer is live
// whenever an event is applied.
struct MediaEvent {
    // dtls_verified: the stream's DTLS peer showed the certificate its SDP's fingerprint names.
    // srtp_progress: where one SSRC's SRTP stands (media/srtp_handoff.hpp), for the kernel.
    // dtmf: an RFC 4733 event ended (its first end packet), for DTMF logging.
    enum class Kind : uint8_t { endpoint_learned, new_ssrc, quality_sample, dtls_verified, srtp_progress, dtmf };
    Kind kind = Kind::endpoint_learned;
    PacketStream* stream = nullptr;
    net::SocketAddress address;     // endpoint_learned: the endpoint now in use
    net::SocketAddress advertised;  // endpoint_learned: the SDP address it replaced or confirmed
    uint32_t ssrc = 0;              // new_ssrc, srtp_progress; quality_sample: the reporting SSRC
    QualitySample quality;          // quality_sample
    srtp::StreamState srtp;         // srtp_progress
    struct Dtmf {
        uint8_t event = 0;
        uint8_t volume = 0;
        uint32_t duration_ms = 0;
    } dtmf;                         // dtmf; address: where the packet came from
};

class EventOutbox {
public:
    static constexpr std::size_t kCapacity = 65536;

    // Worker: posts an event (a lock per event, never per packet). Nobody is woken for
    // most: the control thread drains before it reads what events change, and on every
    // operation and tick. A DTMF event is to be reported as it happens: it calls the
    // waker, unless an earlier one did and its events have not been taken yet.
    void post(const MediaEvent& event);
    // Control thread: takes every event posted so far, oldest first.
    std::vector<MediaEvent> take();
    // Set before any worker posts: how a worker gets the control thread to take events
    // soon (it runs on the worker's thread).
    void set_waker(std::function<void()> waker) { waker_ = std::move(waker); }
    uint64_t dropped() const;

private:
    mutable std::mutex mutex_;
    std::vector<MediaEvent> events_;
    uint64_t dropped_ = 0;
    std::function<void()> waker_;
    std::atomic<bool> woken_{false};  // the waker ran for events not taken yet
};

}  // namespace rtpe::media
