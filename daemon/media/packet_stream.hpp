#pragma once
// One local media socket facing one participant (its RTP or its RTCP): what arrives there
// (ingress state: per-SSRC table, payload-type counts, counters), where it goes (its
// sinks), and where this participant is to be reached (endpoint, learning).
//
// Threading: the fields under "worker state" are read and written only on the owning
// worker's thread; the control thread changes them through tasks posted to that worker.
// Counters and figures are single-writer relaxed atomics any thread may read. The
// "published" fields are the control thread's: it fills them from the worker's events.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "daemon/media/counter.hpp"
#include "daemon/media/fan_out.hpp"
#include "daemon/media/transcoder.hpp"
#include "daemon/media/dtls_handler.hpp"
#include "daemon/media/early_datagrams.hpp"
#include "daemon/media/forwarder.hpp"
#include "daemon/media/media_player.hpp"
#include "daemon/media/ice_endpoint.hpp"
#include "daemon/media/payload_counts.hpp"
#include "daemon/media/rtcp_quality.hpp"
#include "daemon/media/sink.hpp"
#include "daemon/media/ssrc_table.hpp"
#include "daemon/media/worker_timers.hpp"
#include "net/address.hpp"
#include "net/poller.hpp"

namespace rtpe::srtp {
class Context;
}

namespace rtpe::media {

enum class EndpointLearning { delayed, immediate, off, heuristic };

struct StreamCounters {
    // Userspace's share; the stream's worker writes these.
    std::atomic<uint64_t> user_packets{0};
    std::atomic<uint64_t> user_bytes{0};
    std::atomic<uint64_t> user_errors{0};  // unknown payload types, truncated, refused sources, failed sends
    std::atomic<int64_t> user_last_packet{0};  // wall-clock seconds; 0 = never
    std::atomic<uint64_t> malformed{0};  // RTP/RTCP that does not parse (forwarded all the same)
    std::atomic<uint64_t> stun{0};       // RFC 7983 classes other than RTP/RTCP
    std::atomic<uint64_t> dtls{0};
    std::atomic<uint64_t> other{0};
    std::atomic<uint64_t> srtp_failures{0};  // SRTP/SRTCP that did not authenticate (dropped)
    std::atomic<uint64_t> refused_sources{0};    // packets strict-source dropped
    std::atomic<uint64_t> learning_candidates{0};  // times learning moved to another source
    std::atomic<uint32_t> last_ssrc{0};   // of the last RTP (RTCP: sender) packet
    std::atomic<bool> ssrc_seen{false};

    // The kernel's share: what xt_RTPENGINE forwarded for the stream, as the control thread
    // (call/kernel_offload) reads it from the module, the one writer of these. Kept apart
    // from userspace's so that neither side waits for the other: the last counts of a
    // target go in the moment it is removed, before a delete reports them.
    std::atomic<uint64_t> kernel_packets{0};
    std::atomic<uint64_t> kernel_bytes{0};
    std::atomic<uint64_t> kernel_errors{0};
    std::atomic<int64_t> kernel_last_packet{0};

    // What everyone shows: wherever the packets went.
    uint64_t packets() const { return peek(user_packets) + peek(kernel_packets); }
    uint64_t bytes() const { return peek(user_bytes) + peek(kernel_bytes); }
    uint64_t errors() const { return peek(user_errors) + peek(kernel_errors); }
    int64_t last_packet() const { return std::max(peek(user_last_packet), peek(kernel_last_packet)); }

    // Control thread: more of what the kernel forwarded.
    void fold_kernel(uint64_t more_packets, uint64_t more_bytes, uint64_t more_errors, int64_t last_packet_s) {
        bump(kernel_packets, more_packets);
        bump(kernel_bytes, more_bytes);
        bump(kernel_errors, more_errors);
        if (last_packet_s > peek(kernel_last_packet))
            put(kernel_last_packet, last_packet_s);
    }
};

// Where endpoint learning stands, for query: why media goes where it goes.
enum class LearningState : uint8_t {
    waiting,         // no packet yet: media goes to the SDP address
    learning,        // a source is being tried; the window is still open
    sdp_address,     // settled on the SDP address (a packet came from exactly there)
    other_address,   // settled on another source (NAT), after the window
    fixed,           // not learning: asymmetric or --endpoint-learning=off
    handover,        // media-handover: the latest source
    ice,             // the pair ICE selected (ICE decides, not traffic)
    ice_no_consent,  // ICE consent expired (RFC 7675): nothing is sent
};

// How query and the CLI name it.
inline const char* learning_state_name(LearningState state) {
    switch (state) {
    case LearningState::waiting:
        return "waiting";
    case LearningState::learning:
        return "learning";
    case LearningState::sdp_address:
        return "SDP address";
    case LearningState::other_address:
        return "learned address";
    case LearningState::fixed:
        return "not learning";
    case LearningState::handover:
        return "handover";
    case LearningState::ice:
        return "ICE";
    case LearningState::ice_no_consent:
        return "ICE consent expired";
    }
    return "unknown";
}

struct RelayPolicy {
    EndpointLearning learning = EndpointLearning::delayed;
    bool asymmetric = false;     // never learn: the SDP address is where media goes
    bool strict_source = false;  // drop packets whose source is not the endpoint
    bool media_handover = false; // a new source takes over the endpoint at any time
};

// What the control thread knows of a stream's addresses, from the worker's events.
struct PublishedEndpoint {
    net::SocketAddress advertised;  // the SDP address the worker had when it learned
    net::SocketAddress learned;     // port 0: nothing learned yet
    QualityLog* quality = nullptr;  // the call's MOS samples; null once the stream is retired
    bool dtls_verified = false;     // query: "DTLS fingerprint verified"
};

class PacketStream;

// Delayed learning settles on its own time, even when no further packet comes.
class LearningTimer final : public Timer {
public:
    explicit LearningTimer(PacketStream& stream) : stream_(stream) {}
    void on_timer(int64_t now_ms) override;  // defined with the relay

private:
    PacketStream& stream_;
};

class PacketStream : public net::EventHandler {
    // What every packet reads first (see the worker state below).
    const int fd_;
    const bool rtcp_;
    std::atomic<bool> retired_{false};
    StreamCounters counters_;

public:
    // local: the socket's address; call_id: the call it serves, for logs and captures.
    // Both are fixed for the stream's life, so any thread may read them.
    PacketStream(int fd, bool rtcp, net::SocketAddress local = {},
                 std::shared_ptr<const std::string> call_id = nullptr)
        : fd_(fd), rtcp_(rtcp), local_(local), call_id_(std::move(call_id)) {}

    // The worker's poller calls this when the socket is readable (defined with the relay).
    void on_ready(uint32_t events) override;

    int fd() const { return fd_; }
    bool is_rtcp() const { return rtcp_; }
    const net::SocketAddress& local_address() const { return local_; }
    std::string_view call_id() const { return call_id_ ? std::string_view(*call_id_) : std::string_view(); }
    // Set by the control thread when the stream leaves its call. The socket stays in its
    // worker's poller until the worker closes it (closing is what takes it out, which
    // saves a system call per socket); until then what arrives is read and dropped.
    void retire() { retired_.store(true, std::memory_order_release); }
    bool retired() const { return retired_.load(std::memory_order_acquire); }
    StreamCounters& counters() { return counters_; }
    const StreamCounters& counters() const { return counters_; }
    // Figures any thread may read; the packet path (and allow()) only on the worker.
    SsrcTable& ssrcs() { return ssrcs_; }
    const SsrcTable& ssrcs() const { return ssrcs_; }
    PayloadCounts& payloads() { return payloads_; }
    const PayloadCounts& payloads() const { return payloads_; }

    // --- worker state ---
    SinkSet sinks;                      // where accepted packets go: forwarder and fan_out, when in use
    // The codec chain towards the peer, when the two sides share no codec: it stands in
    // for the forwarder (and hands it what is not its RTP). Owned by the call.
    Transcoder* transcoder = nullptr;
    // play media into this participant: while it plays, its peer's RTP is held back.
    MediaPlayer* player = nullptr;
    // The T.38 gateway's input from this participant (its audio, or its UDPTL): it stands
    // in for the forwarder, as the transcoder does. Owned by the call.
    Sink* gateway = nullptr;
    // What arrives is UDPTL (the T.38 side of a gateway): not classified as RTP or RTCP.
    bool udptl = false;
    // Makes sinks what forwarder, transcoder, gateway and fan_out say; after changing any.
    void rebuild_sinks() {
        sinks.clear();
        if (forwarder.active())
            sinks.add(gateway ? gateway : transcoder ? static_cast<Sink*>(transcoder) : &forwarder);
        if (!fan_out.empty())
            sinks.add(&fan_out);
    }
    net::SocketAddress endpoint;        // where we send to; learned from traffic when allowed
    bool endpoint_confirmed = false;    // learning is over for this endpoint
    int64_t learning_started_ms = 0;    // monotonic ms of the first packet, for delayed learning
    uint8_t learning_rank = 0;          // heuristic: how well the current guess matches the SDP
    std::atomic<LearningState> learning_state{LearningState::waiting};  // any thread reads it
    RelayPolicy policy;
    IceEndpoint* ice = nullptr;         // the side's ICE agent, when its participant speaks ICE
    DtlsHandler* dtls = nullptr;        // the side's DTLS endpoint, when it speaks DTLS-SRTP with us
    // We offered its participant ICE or DTLS and its answer has not set up the agent or
    // endpoint yet: STUN is dropped (counted), DTLS kept for the endpoint, neither relayed.
    bool stun_expected = false;
    std::unique_ptr<EarlyDatagrams> early_dtls;
    // SRTP with the participant (RFC 3711), owned by the call's media side: what it sends
    // is unprotected with srtp_in, what goes to it protected with srtp_out.
    srtp::Context* srtp_in = nullptr;
    srtp::Context* srtp_out = nullptr;
    // SRTP passthrough: the egress context whose keys are srtp_in's (both ends agreed on one
    // SDES line). What arrives here authenticated leaves for it as it came, not protected
    // anew: the sender's own SRTCP index and MKI reach the other end.
    const srtp::Context* srtp_passthrough_out = nullptr;
    // The participant speaks SRTP but its keys are not there yet (DTLS still handshaking):
    // no RTP or RTCP goes to it in clear, and none from it is taken.
    bool srtp_required = false;
    Forwarder forwarder;                // to the peer-facing stream (offer/answer)
    // Worker state a packet rarely needs once its endpoint is settled. What each packet
    // reads is above, on few cache lines: at low rates the worker wakes up for nearly
    // every packet and finds them cold.
    FanOut fan_out;                     // to subscribers (publish/subscribe)
    net::SocketAddress advertised;      // from the participant's SDP; port 0 = unknown
    // The last RFC 4733 event reported as ended (its SSRC and timestamp): the end packet
    // comes three times, the report goes up once.
    std::optional<std::pair<uint32_t, uint32_t>> dtmf_reported;
    RtcpQuality rtcp_quality;           // SRs seen here, round trips, for MOS
    PacketStream* rtp_sibling = nullptr;  // the RTP stream of the same m= line and side
    uint32_t srtp_debug_in = 0, srtp_debug_out = 0;  // --debug-srtp: RTP packets seen, per way
    // Something can be sent to this participant (not before its SDP, not while on hold).
    bool sendable() const { return endpoint.port() != 0 && !endpoint.ip().is_unspecified(); }
    // Delayed learning's deadline on the worker's timer queue; stop_timers() before the
    // stream goes (the worker's close task does).
    void start_learning_timer(int64_t due_ms);
    void stop_timers();

    // --- control thread state ---
    PublishedEndpoint published;

private:
    const net::SocketAddress local_;
    const std::shared_ptr<const std::string> call_id_;
    SsrcTable ssrcs_;
    PayloadCounts payloads_;
    LearningTimer learning_timer_{*this};
};

}  // namespace rtpe::media
