// The agent on the wire: incoming Binding requests and responses, and the messages it
// sends (RFC 8445 7, RFC 8489). Bookkeeping is in agent.cpp.

#include <limits>

#include "ice/agent.hpp"
#include "stun/builder.hpp"

namespace rtpe::ice {

namespace {
constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
}

void Agent::on_datagram(TimePoint now, LocalId local, const net::SocketAddress& from, ByteView datagram) {
    stun::Message m;
    if (local >= local_.size() || stun::Message::parse(datagram, m) != stun::ParseStatus::ok ||
        m.check_fingerprint() == stun::Check::mismatch || m.method() != static_cast<uint16_t>(stun::Method::binding)) {
        ++counters_.malformed;
        return;
    }
    switch (m.message_class()) {
    case stun::MessageClass::request:
        handle_request(now, local, from, m);
        break;
    case stun::MessageClass::success:
    case stun::MessageClass::error:
        handle_response(now, local, from, m);
        break;
    case stun::MessageClass::indication:
        break;  // keepalives (RFC 8445 11) need no answer
    }
}

void Agent::handle_request(TimePoint now, LocalId local, const net::SocketAddress& from, const stun::Message& m) {
    ++counters_.requests_received;
    if (!local_key_)
        return;  // no credentials yet: nothing to authenticate against

    // RFC 8489 9.1.3: the order of the checks decides which error the peer sees.
    const auto username = m.username();
    if (!m.has_integrity() || !username) {
        ++counters_.bad_requests;
        send_error(local, from, m, stun::error::kBadRequest, false);
        return;
    }
    // USERNAME is "<our ufrag>:<their ufrag>" (RFC 8445 7.2.2); their half is checked
    // once we know it, requests may arrive before the answer does.
    const auto colon = username->find(':');
    const bool user_ok = colon != std::string_view::npos && username->substr(0, colon) == local_credentials_.ufrag &&
                         (remote_credentials_.ufrag.empty() || username->substr(colon + 1) == remote_credentials_.ufrag);
    if (!user_ok || m.check_integrity(*local_key_) != stun::Check::ok) {
        ++counters_.unauthorized;
        send_error(local, from, m, stun::error::kUnauthorized, false);
        return;
    }
    if (!m.unknown_required().empty()) {
        ++counters_.bad_requests;
        send_error(local, from, m, stun::error::kUnknownAttribute, true, m.unknown_required());
        return;
    }
    const auto priority = m.priority();
    if (!priority) {
        ++counters_.bad_requests;
        send_error(local, from, m, stun::error::kBadRequest, true);
        return;
    }
    if (!resolve_role_conflict(m)) {
        send_error(local, from, m, stun::error::kRoleConflict, true);
        return;
    }

    send_success(local, from, m);

    const unsigned component_id = local_[local].component;
    const std::size_t r = learn_remote(component_id, from, *priority);
    if (r == kNone)
        return;
    std::size_t pi = kNone;
    for (std::size_t i = 0; i < pairs_.size(); ++i)
        if (pairs_[i].local == local && pairs_[i].remote == r)
            pi = i;
    if (pi == kNone)
        pi = add_pair(local, r, PairState::waiting);
    if (pi == kNone)
        return;

    const bool use_candidate = m.use_candidate() && role_ == Role::controlled;
    if (config_.lite) {
        // A lite agent checks nothing itself: an authenticated request is what makes
        // the pair valid, and its consent (RFC 7675 does not have lite agents send).
        pairs_[pi].state = PairState::succeeded;
        pairs_[pi].last_consent = now;
        if (use_candidate)
            nominate(pi, now);
        return;
    }
    auto& p = pairs_[pi];
    const Component* c = component(component_id);
    if (use_candidate) {
        // RFC 8445 7.3.1.5: nominated now if our own check already succeeded, else as
        // soon as the triggered check does.
        if (p.state == PairState::succeeded)
            nominate(pi, now);
        else
            p.nominate_on_success = true;
    }
    // RFC 8445 7.3.1.4: a triggered check, unless one is under way or it already works;
    // a component that is done takes new checks only for a new nomination.
    if (p.state != PairState::succeeded && p.state != PairState::in_progress && (!c->selected || use_candidate))
        trigger(pi);
}

bool Agent::resolve_role_conflict(const stun::Message& m) {
    if (config_.lite)
        return true;  // always controlled; a conflict is the full peer's to resolve
    // RFC 8445 7.3.1.1: the larger tie-breaker controls.
    if (role_ == Role::controlling) {
        if (const auto theirs = m.ice_controlling()) {
            ++counters_.role_conflicts;
            if (tie_breaker_ >= *theirs)
                return false;
            set_role(Role::controlled);
        }
    } else if (const auto theirs = m.ice_controlled()) {
        ++counters_.role_conflicts;
        if (tie_breaker_ < *theirs)
            return false;
        set_role(Role::controlling);
    }
    return true;
}

std::size_t Agent::learn_remote(unsigned component_id, const net::SocketAddress& from, uint32_t priority) {
    for (std::size_t r = 0; r < remote_.size(); ++r)
        if (remote_[r].component == component_id && remote_[r].address == from)
            return r;
    if (remote_.size() >= config_.max_remote_candidates)
        return kNone;
    // RFC 8445 7.3.1.3: a peer-reflexive candidate with the priority the request
    // carried and a foundation of its own. It pairs only with the local candidate the
    // request came in on (the caller does that).
    remote_.push_back(RemoteCandidate{component_id, from, priority, "prflx" + std::to_string(remote_.size()),
                                      CandidateType::prflx});
    return remote_.size() - 1;
}

void Agent::handle_response(TimePoint now, LocalId local, const net::SocketAddress& from, const stun::Message& m) {
    ++counters_.responses_received;
    Transaction* t = nullptr;
    for (auto& candidate : transactions_)
        if (candidate.active && candidate.id == m.transaction_id())
            t = &candidate;
    // Unsigned or wrongly signed answers are not the peer's: drop them and keep
    // waiting, so a forged error cannot fail a pair (RFC 8445 7.2.5.2).
    if (!t || !remote_key_ || m.check_integrity(*remote_key_) != stun::Check::ok) {
        ++counters_.unmatched_responses;
        return;
    }
    t->active = false;
    const TransactionKind kind = t->kind;
    const Role sent_as = t->role;
    const bool use_candidate = t->use_candidate;
    const std::size_t pi = t->pair;
    if (pi >= pairs_.size())
        return;
    auto& p = pairs_[pi];

    // RFC 8445 7.2.5.2.1: the answer must come from where the check went, to the socket
    // it left from; otherwise the path is not what we think it is.
    if (!(from == p.remote_address) || local != p.local) {
        if (kind == TransactionKind::check)
            fail_pair(pi);
        return;
    }

    if (m.message_class() == stun::MessageClass::error) {
        const auto error = m.error_code();
        if (error && error->code == stun::error::kRoleConflict) {
            // RFC 8445 7.2.5.1: switch to the role opposite to the one the request
            // claimed (if not switched meanwhile) and try the pair again.
            ++counters_.role_conflicts;
            if (sent_as == role_)
                set_role(sent_as == Role::controlling ? Role::controlled : Role::controlling);
            if (kind == TransactionKind::check) {
                if (p.state == PairState::in_progress)
                    p.state = PairState::waiting;  // this transaction is over
                trigger(pi);
            }
        } else if (kind == TransactionKind::check) {
            fail_pair(pi);
        }
        return;
    }

    if (kind == TransactionKind::consent) {
        p.last_consent = now;
        return;
    }
    // XOR-MAPPED-ADDRESS would name a peer-reflexive local candidate when a NAT is in
    // front of us; it is sent from the same socket, so the pair stands for it.
    pair_succeeded(pi, now);
    if (use_candidate && role_ == Role::controlling)
        nominate(pi, now);
    else if (role_ == Role::controlled && p.nominate_on_success)
        nominate(pi, now);
}

void Agent::start_transaction(std::size_t pair, TransactionKind kind, bool use_candidate, TimePoint now) {
    Transaction* t = nullptr;
    for (auto& candidate : transactions_)
        if (!candidate.active) {
            t = &candidate;
            break;
        }
    if (!t)
        t = &transactions_.emplace_back();
    t->active = true;
    t->kind = kind;
    t->id = stun::new_transaction_id();
    t->pair = pair;
    t->role = role_;
    t->use_candidate = use_candidate;
    t->transmissions = 1;
    t->rto = config_.rto;
    t->next = now + t->rto;
    ++counters_.checks_sent;
    transmit_request(*t);
}

void Agent::transmit_request(const Transaction& t) {
    if (!remote_key_ || t.pair >= pairs_.size())
        return;
    const auto& p = pairs_[t.pair];
    const auto& lc = local_[p.local];
    stun::MessageBuilder b(tx_, stun::MessageClass::request, stun::Method::binding, t.id);
    b.add_username(outgoing_username_);
    if (!config_.software.empty())
        b.add_software(config_.software);
    // The priority a peer-reflexive candidate of ours would get (RFC 8445 7.1.1).
    b.add_priority(candidate_priority(CandidateType::prflx, lc.local_preference, lc.component));
    if (t.role == Role::controlling) {
        b.add_ice_controlling(tie_breaker_);
        if (t.use_candidate)
            b.add_use_candidate();
    } else {
        b.add_ice_controlled(tie_breaker_);
    }
    b.add_message_integrity(*remote_key_).add_fingerprint();
    send_built(p.local, p.remote_address, b.finish());
}

void Agent::send_error(LocalId local, const net::SocketAddress& to, const stun::Message& request, int code,
                       bool with_integrity, std::span<const uint16_t> unknown) {
    stun::MessageBuilder b(tx_, stun::MessageClass::error, stun::Method::binding, request.transaction_id());
    b.add_error_code(code);
    if (!unknown.empty())
        b.add_unknown_attributes(unknown);
    if (!config_.software.empty())
        b.add_software(config_.software);
    // 400 and 401 go unsigned: we could not (or did not) authenticate the request.
    if (with_integrity && local_key_)
        b.add_message_integrity(*local_key_);
    b.add_fingerprint();
    send_built(local, to, b.finish());
}

void Agent::send_success(LocalId local, const net::SocketAddress& to, const stun::Message& request) {
    stun::MessageBuilder b(tx_, stun::MessageClass::success, stun::Method::binding, request.transaction_id());
    b.add_xor_mapped_address(to);
    if (!config_.software.empty())
        b.add_software(config_.software);
    b.add_message_integrity(*local_key_).add_fingerprint();
    send_built(local, to, b.finish());
}

void Agent::send_built(LocalId local, const net::SocketAddress& to, ByteView datagram) {
    if (datagram.empty())
        return;
    Transmit transmit;
    transmit.local = local;
    transmit.component = local_[local].component;
    transmit.to = &to;
    transmit.datagram = datagram;
    listener_.send(transmit);
}

}  // namespace rtpe::ice
