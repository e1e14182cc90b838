#pragma once
// The ICE agent (RFC 8445, with RFC 7675 consent freshness) for one media stream, as a
// pure state machine: no sockets, no clock, no threads. The owner feeds it received
// STUN datagrams and the time, and it answers through its Listener: datagrams to send
// from one of the local candidates' sockets, and events (a pair selected per component,
// completed, failed, consent lost). It is not thread-safe; one worker owns it.
//
// Timing: every input may change when the agent next needs to run. After any call the
// owner (re)arms a timer for next_deadline() and calls on_timer(now) when it fires; a
// deadline at or before now means "run on_timer now".
//
// Only host candidates are gathered here (the proxy has public addresses); remote
// candidates of every type are used, peer-reflexive ones learned from checks.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "crypto/hmac.hpp"
#include "ice/candidate.hpp"
#include "net/address.hpp"
#include "stun/message.hpp"

namespace rtpe::ice {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using ByteView = std::span<const uint8_t>;
using LocalId = uint16_t;

enum class Role : uint8_t { controlling, controlled };
enum class Nomination : uint8_t { regular, aggressive };
enum class PairState : uint8_t { frozen, waiting, in_progress, succeeded, failed };
enum class AgentState : uint8_t { checking, completed, failed };

std::string_view to_string(Role role);
std::string_view to_string(PairState state);

struct AgentConfig {
    Role role = Role::controlled;
    // We are an ICE-lite agent: no checks of our own, answer and accept nomination.
    bool lite = false;
    // Aggressive: every check the controlling agent sends carries USE-CANDIDATE, as
    // upstream rtpengine does. Regular: a second check on the chosen valid pair.
    Nomination nomination = Nomination::aggressive;
    // Pacing of new checks (upstream rtpengine: 20 ms) and the first retransmission
    // timeout, doubled per retransmission; a check fails after max_transmissions.
    std::chrono::milliseconds ta{20};
    std::chrono::milliseconds rto{100};
    unsigned max_transmissions = 7;
    // Regular nomination waits at most this long after the first valid pair of a
    // component for checks of better pairs to finish.
    std::chrono::milliseconds nomination_delay{500};
    // RFC 7675: a consent check every interval +-20 %, consent lost after the timeout.
    std::chrono::milliseconds consent_interval{5000};
    std::chrono::milliseconds consent_timeout{30000};
    std::size_t max_remote_candidates = 100;
    std::size_t max_pairs = 100;  // RFC 8445 6.1.2.5
    std::string software;         // SOFTWARE attribute on what we send; empty: none
    std::optional<uint64_t> tie_breaker;  // fixed for tests; random otherwise
};

struct CandidatePair {
    LocalId local = 0;
    unsigned component = 1;
    std::size_t remote = 0;  // index into remote candidates
    net::SocketAddress remote_address;
    uint64_t priority = 0;
    PairState state = PairState::frozen;
    bool nominated = false;
    // Controlled: USE-CANDIDATE arrived before our own check succeeded.
    bool nominate_on_success = false;
    // Controlling, regular nomination: the USE-CANDIDATE check is under way.
    bool nominating = false;
    // Queued for a triggered check; lower sequence numbers go first.
    bool triggered = false;
    uint64_t triggered_seq = 0;
    TimePoint last_consent{};  // last response to us (full) or request from them (lite)
    TimePoint next_consent{};
};

struct AgentEvent {
    enum class Kind : uint8_t { selected, completed, failed, consent_expired, role_changed };
    Kind kind = Kind::selected;
    unsigned component = 0;
    LocalId local = 0;
    net::SocketAddress remote;
    Role role = Role::controlled;
};

struct AgentCounters {
    uint64_t requests_received = 0;
    uint64_t responses_received = 0;
    uint64_t checks_sent = 0;
    uint64_t retransmissions = 0;
    uint64_t malformed = 0;              // not parseable, bad fingerprint, not Binding
    uint64_t unauthorized = 0;           // 401 sent (bad username or integrity)
    uint64_t bad_requests = 0;           // 400 or 420 sent
    uint64_t role_conflicts = 0;         // 487 sent or received
    uint64_t unmatched_responses = 0;    // no transaction, or failing integrity
};

class Agent {
public:
    struct Transmit {
        LocalId local = 0;  // the socket of this local candidate
        unsigned component = 1;
        const net::SocketAddress* to = nullptr;
        ByteView datagram;  // valid only during the call
    };

    // Called from inside the agent's methods: queue, do not call back into the agent.
    class Listener {
    public:
        virtual ~Listener() = default;
        virtual void send(const Transmit& transmit) = 0;
        virtual void on_event(const AgentEvent& event) = 0;
    };

    Agent(AgentConfig config, Listener& listener);
    ~Agent();
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    // Credentials. Changing either once both were set is an ICE restart (RFC 8445 9):
    // remote candidates, pairs, checks and selections are dropped; local candidates stay.
    void set_local_credentials(const Credentials& credentials);
    void set_remote_credentials(const Credentials& credentials);
    const Credentials& local_credentials() const { return local_credentials_; }
    const Credentials& remote_credentials() const { return remote_credentials_; }
    // The peer is ICE-lite: we are full, so we control (RFC 8445 6.1.1).
    void set_remote_lite(bool lite);

    // A host candidate on a socket bound to `address`; its LocalId names that socket in
    // Transmit and on_datagram. Local preference: 65535 for the first address of a
    // component, less for later ones.
    LocalId add_local_candidate(unsigned component, const net::SocketAddress& address);
    // Our candidates for the SDP, in the order they were added.
    std::vector<Candidate> local_candidates() const;

    // A remote candidate from SDP or trickle. False when not used: not UDP, a host
    // name, a component we do not have, a duplicate or over the limit.
    bool add_remote_candidate(const Candidate& candidate);
    // a=end-of-candidates (or no trickle): checks running out now means failure.
    void set_remote_gathering_done();

    // A datagram received on local candidate `local` from `from`. Anything that is not
    // a well-formed STUN Binding message is counted and dropped.
    void on_datagram(TimePoint now, LocalId local, const net::SocketAddress& from, ByteView datagram);
    // Sends due checks, retransmissions and consent checks; returns next_deadline().
    TimePoint on_timer(TimePoint now);
    TimePoint next_deadline() const;

    AgentState state() const { return state_; }
    Role role() const { return role_; }
    uint64_t tie_breaker() const { return tie_breaker_; }
    // The pair media of `component` uses, once one is nominated.
    const CandidatePair* selected_pair(unsigned component) const;
    std::span<const CandidatePair> pairs() const { return pairs_; }
    const AgentCounters& counters() const { return counters_; }

private:
    struct LocalCandidate {
        unsigned component = 1;
        net::SocketAddress address;
        uint16_t local_preference = 65535;
        uint32_t priority = 0;
        std::string foundation;
    };
    struct RemoteCandidate {
        unsigned component = 1;
        net::SocketAddress address;
        uint32_t priority = 0;
        std::string foundation;
        CandidateType type = CandidateType::host;
    };
    enum class TransactionKind : uint8_t { check, consent };
    struct Transaction {
        bool active = false;
        TransactionKind kind = TransactionKind::check;
        stun::TransactionId id{};
        std::size_t pair = 0;
        Role role = Role::controlled;  // as sent, for 487 handling and retransmissions
        bool use_candidate = false;
        unsigned transmissions = 0;
        std::chrono::milliseconds rto{};
        TimePoint next{};
    };
    struct Component {
        unsigned id = 1;
        std::optional<std::size_t> selected;  // pair index
        std::optional<TimePoint> first_valid;
        bool consent_lost = false;
    };

    // agent.cpp: candidates, pairs, scheduling
    void restart();
    void rekey();
    Component* component(unsigned id);
    void form_pairs(std::size_t remote_index);
    std::size_t add_pair(LocalId local, std::size_t remote, PairState state);
    bool foundation_active(const CandidatePair& pair) const;
    bool same_foundation(const CandidatePair& a, const CandidatePair& b) const;
    void recompute_priorities();
    void set_role(Role role);
    void trigger(std::size_t pair);
    bool send_next_check(TimePoint now);
    void run_retransmissions(TimePoint now);
    void run_regular_nomination(TimePoint now);
    bool nominating_in(unsigned component) const;
    void run_consent(TimePoint now);
    void check_failure();
    void nominate(std::size_t pair, TimePoint now);
    void pair_succeeded(std::size_t pair, TimePoint now);
    void fail_pair(std::size_t pair);
    TimePoint consent_deadline(TimePoint now);
    void emit(AgentEvent event);

    // agent_stun.cpp: the wire
    void handle_request(TimePoint now, LocalId local, const net::SocketAddress& from, const stun::Message& m);
    void handle_response(TimePoint now, LocalId local, const net::SocketAddress& from, const stun::Message& m);
    bool resolve_role_conflict(const stun::Message& m);
    std::size_t learn_remote(unsigned component, const net::SocketAddress& from, uint32_t priority);
    void start_transaction(std::size_t pair, TransactionKind kind, bool use_candidate, TimePoint now);
    void transmit_request(const Transaction& t);
    void send_error(LocalId local, const net::SocketAddress& to, const stun::Message& request, int code,
                    bool with_integrity, std::span<const uint16_t> unknown = {});
    void send_success(LocalId local, const net::SocketAddress& to, const stun::Message& request);
    void send_built(LocalId local, const net::SocketAddress& to, ByteView datagram);

    AgentConfig config_;
    Listener& listener_;
    Role role_;
    uint64_t tie_breaker_;
    AgentState state_ = AgentState::checking;
    bool remote_lite_ = false;
    bool remote_done_ = false;
    bool completed_reported_ = false;

    Credentials local_credentials_;
    Credentials remote_credentials_;
    std::optional<crypto::HmacSha1> local_key_;   // checks requests to us, signs our answers
    std::optional<crypto::HmacSha1> remote_key_;  // signs our requests, checks their answers
    std::string outgoing_username_;               // "theirufrag:ourufrag"

    std::vector<LocalCandidate> local_;
    std::vector<RemoteCandidate> remote_;
    std::vector<CandidatePair> pairs_;
    std::vector<Transaction> transactions_;
    std::vector<Component> components_;
    uint64_t triggered_seq_ = 0;
    TimePoint next_pace_{};
    std::mt19937_64 rng_;
    AgentCounters counters_;
    std::array<uint8_t, 1024> tx_{};  // every datagram is built here and handed out
};

}  // namespace rtpe::ice
