// The agent's bookkeeping: candidates, the checklist, pacing, nomination and consent.
// What goes over the wire is in agent_stun.cpp.

#include "ice/agent.hpp"

#include <algorithm>
#include <limits>

namespace rtpe::ice {

namespace {

ByteView text(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

uint64_t random_u64() {
    uint64_t v = 0;
    crypto::random_bytes(std::span(reinterpret_cast<uint8_t*>(&v), sizeof v));
    return v;
}

bool pending(PairState s) {
    return s == PairState::frozen || s == PairState::waiting || s == PairState::in_progress;
}

}  // namespace

std::string_view to_string(Role role) {
    return role == Role::controlling ? "controlling" : "controlled";
}

std::string_view to_string(PairState state) {
    switch (state) {
    case PairState::frozen: return "frozen";
    case PairState::waiting: return "waiting";
    case PairState::in_progress: return "in-progress";
    case PairState::succeeded: return "succeeded";
    case PairState::failed: return "failed";
    }
    return "?";
}

Agent::Agent(AgentConfig config, Listener& listener)
    : config_(std::move(config)),
      listener_(listener),
      // An ICE-lite agent is always the controlled one (RFC 8445 6.1.1).
      role_(config_.lite ? Role::controlled : config_.role),
      tie_breaker_(config_.tie_breaker ? *config_.tie_breaker : random_u64()),
      rng_(random_u64()) {}

Agent::~Agent() = default;

void Agent::set_local_credentials(const Credentials& credentials) {
    if (credentials == local_credentials_)
        return;
    const bool was_set = !local_credentials_.empty();
    local_credentials_ = credentials;
    rekey();
    if (was_set)
        restart();
}

void Agent::set_remote_credentials(const Credentials& credentials) {
    if (credentials == remote_credentials_)
        return;
    const bool was_set = !remote_credentials_.empty();
    remote_credentials_ = credentials;
    rekey();
    if (was_set)
        restart();
}

void Agent::rekey() {
    local_key_.reset();
    remote_key_.reset();
    if (!local_credentials_.pwd.empty())
        local_key_.emplace(text(local_credentials_.pwd));
    if (!remote_credentials_.pwd.empty())
        remote_key_.emplace(text(remote_credentials_.pwd));
    outgoing_username_ = remote_credentials_.ufrag + ":" + local_credentials_.ufrag;
}

void Agent::restart() {
    remote_.clear();
    pairs_.clear();
    for (auto& t : transactions_)
        t.active = false;
    for (auto& c : components_) {
        c.selected.reset();
        c.first_valid.reset();
        c.consent_lost = false;
    }
    state_ = AgentState::checking;
    completed_reported_ = false;
    remote_done_ = false;
}

void Agent::set_remote_lite(bool lite) {
    remote_lite_ = lite;
    if (lite && !config_.lite)
        set_role(Role::controlling);
}

Agent::Component* Agent::component(unsigned id) {
    for (auto& c : components_)
        if (c.id == id)
            return &c;
    return nullptr;
}

LocalId Agent::add_local_candidate(unsigned component_id, const net::SocketAddress& address) {
    LocalCandidate lc;
    lc.component = component_id;
    lc.address = address;
    const auto same_component = std::count_if(local_.begin(), local_.end(),
                                              [&](const LocalCandidate& l) { return l.component == component_id; });
    lc.local_preference = static_cast<uint16_t>(65535 - std::min<long>(same_component, 65535));
    lc.priority = candidate_priority(CandidateType::host, lc.local_preference, component_id);
    lc.foundation = host_foundation(address.ip());
    local_.push_back(std::move(lc));
    const auto id = static_cast<LocalId>(local_.size() - 1);

    if (!component(component_id)) {
        components_.push_back(Component{component_id, {}, {}, false});
        std::sort(components_.begin(), components_.end(),
                  [](const Component& a, const Component& b) { return a.id < b.id; });
    }
    for (std::size_t r = 0; r < remote_.size(); ++r)
        if (remote_[r].type != CandidateType::prflx)
            form_pairs(r);
    return id;
}

std::vector<Candidate> Agent::local_candidates() const {
    std::vector<Candidate> out;
    for (const auto& l : local_) {
        Candidate c;
        c.foundation = l.foundation;
        c.component = l.component;
        c.transport_name = "UDP";
        c.priority = l.priority;
        c.address = l.address.ip().to_string();
        c.port = l.address.port();
        c.type = CandidateType::host;
        out.push_back(std::move(c));
    }
    return out;
}

bool Agent::add_remote_candidate(const Candidate& candidate) {
    if (candidate.transport != Transport::udp)
        return false;
    const auto address = candidate.socket_address();
    if (!address || !component(candidate.component))
        return false;
    for (std::size_t r = 0; r < remote_.size(); ++r) {
        auto& rc = remote_[r];
        if (rc.component != candidate.component || !(rc.address == *address))
            continue;
        // Learned from a check before the signalling caught up: now we know its real
        // type, priority and foundation (RFC 8445 7.3.1.3), and it pairs with all.
        if (rc.type != CandidateType::prflx)
            return false;
        rc.type = candidate.type;
        rc.priority = candidate.priority;
        rc.foundation = candidate.foundation;
        recompute_priorities();
        form_pairs(r);
        return true;
    }
    if (remote_.size() >= config_.max_remote_candidates)
        return false;
    remote_.push_back(RemoteCandidate{candidate.component, *address, candidate.priority, candidate.foundation,
                                      candidate.type});
    form_pairs(remote_.size() - 1);
    return true;
}

void Agent::set_remote_gathering_done() {
    remote_done_ = true;
}

void Agent::form_pairs(std::size_t r) {
    const auto& rc = remote_[r];
    for (std::size_t l = 0; l < local_.size(); ++l) {
        const auto& lc = local_[l];
        if (lc.component != rc.component || lc.address.family() != rc.address.family())
            continue;
        const bool exists = std::any_of(pairs_.begin(), pairs_.end(), [&](const CandidatePair& p) {
            return p.local == l && p.remote == r;
        });
        if (!exists)
            add_pair(static_cast<LocalId>(l), r, PairState::frozen);
    }
}

std::size_t Agent::add_pair(LocalId local, std::size_t remote, PairState state) {
    if (pairs_.size() >= config_.max_pairs)
        return std::numeric_limits<std::size_t>::max();
    CandidatePair p;
    p.local = local;
    p.component = local_[local].component;
    p.remote = remote;
    p.remote_address = remote_[remote].address;
    const uint32_t lp = local_[local].priority;
    const uint32_t rp = remote_[remote].priority;
    p.priority = role_ == Role::controlling ? pair_priority(lp, rp) : pair_priority(rp, lp);
    // RFC 8445 6.1.2.6: one pair per foundation starts Waiting, the others wait for it.
    p.state = state;
    if (state == PairState::frozen && !foundation_active(p))
        p.state = PairState::waiting;
    // A component that already has its pair takes no new checks.
    if (const Component* c = component(p.component); c && c->selected && p.state != PairState::succeeded)
        p.state = PairState::failed;
    pairs_.push_back(p);
    return pairs_.size() - 1;
}

bool Agent::same_foundation(const CandidatePair& a, const CandidatePair& b) const {
    return local_[a.local].foundation == local_[b.local].foundation &&
           remote_[a.remote].foundation == remote_[b.remote].foundation;
}

bool Agent::foundation_active(const CandidatePair& pair) const {
    return std::any_of(pairs_.begin(), pairs_.end(), [&](const CandidatePair& p) {
        return (p.state == PairState::waiting || p.state == PairState::in_progress) && same_foundation(p, pair);
    });
}

void Agent::recompute_priorities() {
    for (auto& p : pairs_) {
        const uint32_t lp = local_[p.local].priority;
        const uint32_t rp = remote_[p.remote].priority;
        p.priority = role_ == Role::controlling ? pair_priority(lp, rp) : pair_priority(rp, lp);
    }
}

void Agent::set_role(Role role) {
    if (role == role_ || (config_.lite && role == Role::controlling))
        return;
    role_ = role;
    recompute_priorities();
    for (auto& p : pairs_)
        p.nominating = false;
    AgentEvent e;
    e.kind = AgentEvent::Kind::role_changed;
    e.role = role;
    emit(e);
}

void Agent::trigger(std::size_t pair) {
    auto& p = pairs_[pair];
    p.triggered = true;
    p.triggered_seq = ++triggered_seq_;
    if (p.state == PairState::frozen || p.state == PairState::failed)
        p.state = PairState::waiting;
}

bool Agent::send_next_check(TimePoint now) {
    constexpr auto kNone = std::numeric_limits<std::size_t>::max();
    std::size_t pick = kNone;
    // Triggered checks first, in the order they were queued (RFC 8445 6.1.4.2).
    for (std::size_t i = 0; i < pairs_.size(); ++i) {
        const auto& p = pairs_[i];
        if (p.triggered && p.state != PairState::in_progress &&
            (pick == kNone || p.triggered_seq < pairs_[pick].triggered_seq))
            pick = i;
    }
    // Then the best Waiting pair; with none Waiting or In-Progress the best Frozen one,
    // so that a foundation no success will unfreeze cannot stall the list.
    if (pick == kNone) {
        bool busy = false;
        std::size_t frozen = kNone;
        for (std::size_t i = 0; i < pairs_.size(); ++i) {
            const auto& p = pairs_[i];
            if (p.state == PairState::waiting && (pick == kNone || p.priority > pairs_[pick].priority))
                pick = i;
            busy |= p.state == PairState::in_progress;
            if (p.state == PairState::frozen && (frozen == kNone || p.priority > pairs_[frozen].priority))
                frozen = i;
        }
        if (pick == kNone && !busy)
            pick = frozen;
    }
    if (pick == kNone)
        return false;
    auto& p = pairs_[pick];
    const bool use_candidate =
        role_ == Role::controlling && (config_.nomination == Nomination::aggressive || p.nominating);
    start_transaction(pick, TransactionKind::check, use_candidate, now);
    p.triggered = false;
    if (p.state != PairState::succeeded)
        p.state = PairState::in_progress;
    return true;
}

void Agent::run_retransmissions(TimePoint now) {
    for (auto& t : transactions_) {
        if (!t.active || t.next > now)
            continue;
        if (t.transmissions >= config_.max_transmissions) {
            t.active = false;
            // A consent check that goes unanswered only matters through the timeout.
            if (t.kind == TransactionKind::check && t.pair < pairs_.size()) {
                auto& p = pairs_[t.pair];
                p.nominating = false;
                if (p.state == PairState::in_progress)
                    fail_pair(t.pair);
            }
            continue;
        }
        ++t.transmissions;
        t.rto *= 2;
        t.next = now + t.rto;
        ++counters_.retransmissions;
        transmit_request(t);
    }
}

void Agent::run_regular_nomination(TimePoint now) {
    if (config_.lite || role_ != Role::controlling || config_.nomination != Nomination::regular)
        return;
    for (auto& c : components_) {
        if (c.selected || !c.first_valid)
            continue;
        if (nominating_in(c.id))
            continue;
        constexpr auto kNone = std::numeric_limits<std::size_t>::max();
        std::size_t best = kNone;
        for (std::size_t i = 0; i < pairs_.size(); ++i) {
            const auto& p = pairs_[i];
            if (p.component == c.id && p.state == PairState::succeeded &&
                (best == kNone || p.priority > pairs_[best].priority))
                best = i;
        }
        if (best == kNone)
            continue;
        const bool better_pending = std::any_of(pairs_.begin(), pairs_.end(), [&](const CandidatePair& p) {
            return p.component == c.id && pending(p.state) && p.priority > pairs_[best].priority;
        });
        if (better_pending && now < *c.first_valid + config_.nomination_delay)
            continue;
        pairs_[best].nominating = true;
        trigger(best);
    }
}

bool Agent::nominating_in(unsigned component_id) const {
    return std::any_of(pairs_.begin(), pairs_.end(),
                       [&](const CandidatePair& p) { return p.component == component_id && p.nominating; });
}

TimePoint Agent::consent_deadline(TimePoint now) {
    // RFC 7675 5.1: uniformly distributed over 0.8 to 1.2 times the interval.
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    const auto interval = std::chrono::duration_cast<Clock::duration>(config_.consent_interval * jitter(rng_));
    return now + interval;
}

void Agent::run_consent(TimePoint now) {
    for (auto& c : components_) {
        if (!c.selected || c.consent_lost)
            continue;
        auto& p = pairs_[*c.selected];
        if (now - p.last_consent >= config_.consent_timeout) {
            c.consent_lost = true;
            state_ = AgentState::failed;
            AgentEvent e;
            e.kind = AgentEvent::Kind::consent_expired;
            e.component = c.id;
            e.local = p.local;
            e.remote = p.remote_address;
            emit(e);
            continue;
        }
        // An ICE-lite agent sends no checks; its consent is the peer's checks.
        if (!config_.lite && now >= p.next_consent) {
            p.next_consent = consent_deadline(now);
            start_transaction(*c.selected, TransactionKind::consent, false, now);
        }
    }
}

void Agent::check_failure() {
    if (state_ != AgentState::checking || config_.lite || !remote_done_ || pairs_.empty())
        return;
    for (const auto& c : components_) {
        if (c.selected)
            continue;
        bool valid = false;
        for (const auto& p : pairs_) {
            if (p.component != c.id)
                continue;
            if (pending(p.state) || p.triggered)
                return;  // still hope
            valid |= p.state == PairState::succeeded;
        }
        if (!valid) {
            state_ = AgentState::failed;
            AgentEvent e;
            e.kind = AgentEvent::Kind::failed;
            e.component = c.id;
            emit(e);
            return;
        }
    }
}

void Agent::pair_succeeded(std::size_t pair, TimePoint now) {
    auto& p = pairs_[pair];
    p.state = PairState::succeeded;
    if (Component* c = component(p.component); c && !c->first_valid)
        c->first_valid = now;
    // RFC 8445 7.2.5.3.3: the same foundation is likely to work for the other pairs.
    for (auto& other : pairs_)
        if (other.state == PairState::frozen && same_foundation(other, p))
            other.state = PairState::waiting;
}

void Agent::fail_pair(std::size_t pair) {
    auto& p = pairs_[pair];
    p.state = PairState::failed;
    p.nominating = false;
}

void Agent::nominate(std::size_t pair, TimePoint now) {
    auto& p = pairs_[pair];
    p.nominated = true;
    p.nominating = false;
    p.nominate_on_success = false;
    Component* c = component(p.component);
    if (!c || c->selected == pair)
        return;
    // Several nominations (aggressive peers) settle on the one with the best priority.
    if (c->selected && pairs_[*c->selected].priority > p.priority)
        return;
    c->selected = pair;
    p.last_consent = now;
    p.next_consent = consent_deadline(now);
    // The component is done: what is not under way is not checked any more.
    for (auto& other : pairs_)
        if (other.component == p.component && !other.nominate_on_success &&
            (other.state == PairState::frozen || other.state == PairState::waiting)) {
            other.state = PairState::failed;
            other.triggered = false;
        }

    AgentEvent e;
    e.kind = AgentEvent::Kind::selected;
    e.component = p.component;
    e.local = p.local;
    e.remote = p.remote_address;
    emit(e);

    const bool all = std::all_of(components_.begin(), components_.end(),
                                 [](const Component& comp) { return comp.selected.has_value(); });
    if (all && !completed_reported_ && state_ == AgentState::checking) {
        completed_reported_ = true;
        state_ = AgentState::completed;
        AgentEvent done;
        done.kind = AgentEvent::Kind::completed;
        emit(done);
    }
}

void Agent::emit(AgentEvent event) {
    listener_.on_event(event);
}

const CandidatePair* Agent::selected_pair(unsigned component_id) const {
    for (const auto& c : components_)
        if (c.id == component_id && c.selected)
            return &pairs_[*c.selected];
    return nullptr;
}

TimePoint Agent::on_timer(TimePoint now) {
    run_retransmissions(now);
    run_regular_nomination(now);
    if (!config_.lite && state_ != AgentState::failed && local_key_ && remote_key_ && now >= next_pace_) {
        if (send_next_check(now))
            next_pace_ = now + config_.ta;
    }
    run_consent(now);
    check_failure();
    return next_deadline();
}

TimePoint Agent::next_deadline() const {
    TimePoint next = TimePoint::max();
    for (const auto& t : transactions_)
        if (t.active)
            next = std::min(next, t.next);

    if (!config_.lite && state_ != AgentState::failed && local_key_ && remote_key_) {
        bool sendable = false, busy = false, frozen = false;
        for (const auto& p : pairs_) {
            sendable |= (p.triggered && p.state != PairState::in_progress) || p.state == PairState::waiting;
            busy |= p.state == PairState::in_progress;
            frozen |= p.state == PairState::frozen;
        }
        if (sendable || (frozen && !busy))
            next = std::min(next, next_pace_);
    }
    for (const auto& c : components_) {
        if (c.selected) {
            if (c.consent_lost)
                continue;
            const auto& p = pairs_[*c.selected];
            next = std::min(next, p.last_consent + config_.consent_timeout);
            if (!config_.lite)
                next = std::min(next, p.next_consent);
        } else if (c.first_valid && role_ == Role::controlling && config_.nomination == Nomination::regular &&
                   !config_.lite && !nominating_in(c.id)) {
            next = std::min(next, *c.first_valid + config_.nomination_delay);
        }
    }
    return next;
}

}  // namespace rtpe::ice
