#pragma once

// One DTLS-SRTP association (RFC 5763, RFC 5764) for one media component, as a state
// machine in the shape of ice::Agent: no socket, no thread, the time handed in. The owner
// feeds it the DTLS datagrams received (RFC 7983: first byte 20-63) and the time; it
// answers through its Listener with datagrams to send (each at most `mtu` bytes) and
// events: connected (with the SRTP keys), failed (with a reason), closed (close_notify).
// It is not thread-safe; one worker owns it.
//
// Timing: after any call, (re)arm a timer for next_deadline() and call on_timer(now) when
// it fires. OpenSSL 3.0 measures its DTLS retransmission timer with the system clock,
// so the deadline is "now + what OpenSSL says is left": the owner's clock must advance at
// the real rate (a simulated clock drives only the handshake limit, which is ours).
//
// Input is checked before OpenSSL sees it: a datagram that is not made of well-formed
// DTLS records is counted and dropped; OpenSSL itself reads one datagram at a time from
// the caller's buffer (nothing is copied or queued here) and keeps only its own bounded
// state (the next flight's fragments, at most 100 records of the next epoch).
//
// A new offer/answer with a new fingerprint or setup role is a new Endpoint.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "dtls/context.hpp"
#include "dtls/fingerprint.hpp"
#include "dtls/srtp_keys.hpp"

struct ssl_st;
struct bio_st;
struct x509_store_ctx_st;

namespace rtpe::dtls {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct EndpointConfig {
    Role role = Role::passive;
    // --dtls-mtu: the largest datagram (UDP payload) sent. Upstream's default and minimum.
    std::size_t mtu = 1200;
    // RFC 6347 4.2.4.1: the first retransmission after 1 s, doubled up to 60 s (what
    // OpenSSL does by itself; set here so tests can shorten it).
    std::chrono::milliseconds initial_retransmit{1000};
    std::chrono::milliseconds max_retransmit{60000};
    // Give up when the handshake has not completed this long after start(). Upstream has
    // no DTLS limit of its own: a stream without media ends with the call at --timeout,
    // whose default this is.
    std::chrono::milliseconds handshake_timeout{60000};
};

enum class EndpointState : uint8_t {
    idle,                  // not started; a passive endpoint starts on its first datagram
    handshaking,
    awaiting_fingerprint,  // handshake done, the peer's a=fingerprint not known yet
    connected,
    failed,
    closed,
};
std::string_view to_string(EndpointState state);

struct EndpointEvent {
    enum class Kind : uint8_t { connected, failed, closed };
    Kind kind = Kind::connected;
    std::string_view reason;        // failed: why, in upstream's words where it has them
    const SrtpKeys* keys = nullptr;  // connected: valid while the endpoint lives
};

struct EndpointCounters {
    uint64_t datagrams_received = 0;
    uint64_t datagrams_sent = 0;
    uint64_t bytes_sent = 0;
    uint64_t malformed = 0;         // not well-formed DTLS records: dropped unread
    uint64_t ignored = 0;           // arrived after the endpoint failed or closed
    uint64_t retransmissions = 0;   // flights sent again because the timer ran out
    uint64_t application_data = 0;  // DTLS application data records (we carry none): dropped
    uint64_t restarts = 0;          // passive: a first flight refused before we answered
    uint64_t alerts_suppressed = 0;  // alerts for such a flight, not sent
};

class Endpoint {
public:
    // Called from inside the endpoint's methods (send: from inside OpenSSL): queue, do
    // not call back into the endpoint, destroy it or throw from there.
    class Listener {
    public:
        virtual ~Listener() = default;
        virtual void send(std::span<const uint8_t> datagram) = 0;
        virtual void on_event(const EndpointEvent& event) = 0;
    };

    static constexpr TimePoint kNever = TimePoint::max();

    // Throws std::invalid_argument for an MTU below 576 or above 65507 (upstream's minimum)
    // and std::runtime_error when OpenSSL fails.
    Endpoint(Context context, EndpointConfig config, Listener& listener);
    ~Endpoint();
    Endpoint(const Endpoint&) = delete;
    Endpoint& operator=(const Endpoint&) = delete;

    // The peer's a=fingerprint. Checked against its certificate during the handshake;
    // when it comes after the handshake, checked then (connected or failed follows).
    void set_remote_fingerprint(const Fingerprint& fingerprint);
    const std::optional<Fingerprint>& remote_fingerprint() const { return remote_fingerprint_; }

    // Starts the handshake clock; an active endpoint sends its ClientHello.
    void start(TimePoint now);
    // One received datagram, classified as DTLS by the caller.
    void on_datagram(TimePoint now, std::span<const uint8_t> datagram);
    // Retransmits a flight that is due, gives up past the handshake limit; returns
    // next_deadline().
    TimePoint on_timer(TimePoint now);
    TimePoint next_deadline() const;
    // Sends close_notify when connected; no event follows.
    void close();

    Role role() const { return config_.role; }
    EndpointState state() const { return state_; }
    // Once the handshake completed (also while awaiting the fingerprint).
    const SrtpKeys* keys() const { return keys_ ? &*keys_ : nullptr; }
    const std::string& failure_reason() const { return failure_reason_; }
    // The negotiated keys and role, once connected.
    std::optional<SessionSnapshot> snapshot() const;
    const EndpointCounters& counters() const { return counters_; }

    // For Context: the SSL_CTX certificate verification hook.
    using VerifyHook = int (*)(x509_store_ctx_st*, void*);
    static VerifyHook verify_certificate_hook();

private:
    struct Hooks;  // OpenSSL's callbacks (endpoint.cpp)

    void make_ssl();
    void drive(TimePoint now);
    void read_records();
    void handshake_done();
    bool verify_peer_now();
    void openssl_failed(int ssl_error);
    void fail(std::string reason);
    void connect();
    void update_deadline(TimePoint now);
    void handle_output(std::span<const uint8_t> bytes);

    Context context_;
    EndpointConfig config_;
    Listener& listener_;
    ssl_st* ssl_ = nullptr;
    EndpointState state_ = EndpointState::idle;
    std::optional<Fingerprint> remote_fingerprint_;
    bool fingerprint_verified_ = false;
    bool fingerprint_mismatch_ = false;
    bool answered_ = false;  // a handshake record of ours went out
    std::optional<SrtpKeys> keys_;
    std::string failure_reason_;
    std::span<const uint8_t> input_;  // the datagram OpenSSL is reading, during on_datagram
    TimePoint handshake_deadline_ = kNever;
    TimePoint retransmit_at_ = kNever;
    EndpointCounters counters_;
};

}  // namespace rtpe::dtls
