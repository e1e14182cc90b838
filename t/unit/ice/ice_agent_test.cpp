// Two agents back to back through an in-memory network with a simulated clock.

#include "ice/agent.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "stun/builder.hpp"
#include "stun/message.hpp"

namespace {

using namespace rtpe::ice;
using namespace std::chrono_literals;
using rtpe::net::IpAddress;
using rtpe::net::SocketAddress;
namespace stun = rtpe::stun;

SocketAddress addr(const char* ip, uint16_t port) {
    return SocketAddress(*IpAddress::parse(ip), port);
}

struct Packet {
    SocketAddress from;
    SocketAddress to;
    std::vector<uint8_t> bytes;
    TimePoint at{};
};

class Network;

// One side: an agent, its local addresses and what it reported.
class Peer : public Agent::Listener {
public:
    Peer(Network& net, std::string name, AgentConfig config) : net_(net), name(std::move(name)), agent(config, *this) {}

    void send(const Agent::Transmit& t) override;
    void on_event(const AgentEvent& e) override { events.push_back(e); }

    LocalId add_local(unsigned component, const SocketAddress& a) {
        locals.push_back(a);
        return agent.add_local_candidate(component, a);
    }
    int count(AgentEvent::Kind kind) const {
        int n = 0;
        for (const auto& e : events)
            n += e.kind == kind;
        return n;
    }
    std::vector<stun::Message> sent_of_class(rtpe::stun::MessageClass cls) const;

    Network& net_;
    std::string name;
    Agent agent;
    std::vector<SocketAddress> locals;
    std::vector<AgentEvent> events;
    std::vector<Packet> sent;
};

class Network {
public:
    TimePoint now = TimePoint{} + 1000s;
    std::deque<Packet> in_flight;
    std::vector<Peer*> peers;
    std::function<bool(const Packet&)> drop = [](const Packet&) { return false; };

    void deliver_all() {
        while (!in_flight.empty()) {
            Packet p = std::move(in_flight.front());
            in_flight.pop_front();
            if (drop(p))
                continue;
            for (Peer* peer : peers)
                for (std::size_t i = 0; i < peer->locals.size(); ++i)
                    if (peer->locals[i] == p.to)
                        peer->agent.on_datagram(now, static_cast<LocalId>(i), p.from, p.bytes);
        }
    }

    // Runs the clock up to `until`, firing timers and delivering packets at once.
    void run_until(TimePoint until) {
        for (int guard = 0; guard < 1000000; ++guard) {
            deliver_all();
            TimePoint next = TimePoint::max();
            for (Peer* peer : peers)
                next = std::min(next, peer->agent.next_deadline());
            if (next > until) {
                now = until;
                return;
            }
            now = std::max(now, next);
            for (Peer* peer : peers)
                if (peer->agent.next_deadline() <= now)
                    peer->agent.on_timer(now);
        }
        FAIL() << "timer loop does not advance";
    }
    void run_for(std::chrono::milliseconds d) { run_until(now + d); }
};

void Peer::send(const Agent::Transmit& t) {
    Packet p{locals.at(t.local), *t.to, std::vector<uint8_t>(t.datagram.begin(), t.datagram.end()), net_.now};
    sent.push_back(p);
    net_.in_flight.push_back(std::move(p));
}

std::vector<stun::Message> Peer::sent_of_class(rtpe::stun::MessageClass cls) const {
    std::vector<stun::Message> out;
    for (const auto& p : sent) {
        stun::Message m;
        if (stun::Message::parse(p.bytes, m) == stun::ParseStatus::ok && m.message_class() == cls)
            out.push_back(m);
    }
    return out;
}

const Credentials kCredsA{"ufrA", "passwordAAAAAAAAAAAAAAAA"};
const Credentials kCredsB{"ufrB", "passwordBBBBBBBBBBBBBBBB"};

struct Pair {
    Network net;
    Peer a;
    Peer b;

    Pair(AgentConfig ca, AgentConfig cb, unsigned components = 2)
        : a(net, "A", ca), b(net, "B", cb) {
        net.peers = {&a, &b};
        for (unsigned c = 1; c <= components; ++c) {
            a.add_local(c, addr("10.0.0.1", static_cast<uint16_t>(4000 + c)));
            b.add_local(c, addr("10.0.0.2", static_cast<uint16_t>(5000 + c)));
        }
        a.agent.set_local_credentials(kCredsA);
        b.agent.set_local_credentials(kCredsB);
    }
    // The offer/answer: each learns the other's credentials and candidates.
    void exchange(bool a_learns = true, bool b_learns = true) {
        if (a_learns) {
            a.agent.set_remote_credentials(kCredsB);
            for (const auto& c : b.agent.local_candidates())
                a.agent.add_remote_candidate(c);
            a.agent.set_remote_gathering_done();
        }
        if (b_learns) {
            b.agent.set_remote_credentials(kCredsA);
            for (const auto& c : a.agent.local_candidates())
                b.agent.add_remote_candidate(c);
            b.agent.set_remote_gathering_done();
        }
    }
    void expect_completed_with_matching_pairs(unsigned components = 2) {
        ASSERT_EQ(a.agent.state(), AgentState::completed);
        ASSERT_EQ(b.agent.state(), AgentState::completed);
        EXPECT_EQ(a.count(AgentEvent::Kind::completed), 1);
        EXPECT_EQ(b.count(AgentEvent::Kind::completed), 1);
        for (unsigned c = 1; c <= components; ++c) {
            const auto* pa = a.agent.selected_pair(c);
            const auto* pb = b.agent.selected_pair(c);
            ASSERT_TRUE(pa && pb);
            EXPECT_EQ(pa->remote_address, b.locals[pb->local]);
            EXPECT_EQ(pb->remote_address, a.locals[pa->local]);
        }
        EXPECT_NE(a.agent.role(), b.agent.role());
    }
};

AgentConfig config(Role role, Nomination nomination = Nomination::aggressive) {
    AgentConfig c;
    c.role = role;
    c.nomination = nomination;
    return c;
}

TEST(IceAgent, AggressiveNominationCompletes) {
    Pair p(config(Role::controlling), config(Role::controlled));
    p.exchange();
    p.net.run_for(2s);
    p.expect_completed_with_matching_pairs();
    EXPECT_EQ(p.a.count(AgentEvent::Kind::selected), 2);
    EXPECT_EQ(p.b.count(AgentEvent::Kind::selected), 2);
    EXPECT_EQ(p.a.agent.counters().unauthorized + p.b.agent.counters().unauthorized, 0u);
    // The controlling side's checks all carried USE-CANDIDATE.
    for (const auto& m : p.a.sent_of_class(rtpe::stun::MessageClass::request))
        EXPECT_TRUE(m.use_candidate());
}

TEST(IceAgent, RegularNominationCompletesInBothRoles) {
    for (bool a_controls : {true, false}) {
        Pair p(config(a_controls ? Role::controlling : Role::controlled, Nomination::regular),
               config(a_controls ? Role::controlled : Role::controlling, Nomination::regular));
        p.exchange();
        p.net.run_for(3s);
        p.expect_completed_with_matching_pairs();
        Peer& controlling = a_controls ? p.a : p.b;
        // Ordinary checks first, then one USE-CANDIDATE check per component.
        int with = 0, without = 0;
        for (const auto& m : controlling.sent_of_class(rtpe::stun::MessageClass::request))
            (m.use_candidate() ? with : without)++;
        EXPECT_EQ(with, 2);
        EXPECT_GE(without, 2);
    }
}

TEST(IceAgent, ChecksArePacedByTa) {
    Pair p(config(Role::controlling), config(Role::controlled));
    p.exchange();
    p.net.run_for(1ms);
    // At most one new check per 20 ms from each agent.
    EXPECT_LE(p.a.sent_of_class(rtpe::stun::MessageClass::request).size(), 1u);
    p.net.run_for(2s);
    p.expect_completed_with_matching_pairs();
}

TEST(IceAgent, NewChecksAreTaApartAndRetransmissionsBackOff) {
    Pair p(config(Role::controlling), config(Role::controlled), 1);
    p.a.agent.set_remote_credentials(kCredsB);
    for (uint16_t port = 6000; port < 6005; ++port) {
        Candidate c;
        c.foundation = std::to_string(port);
        c.priority = 2130706431 - port;
        c.address = "10.9.9.9";
        c.port = port;
        ASSERT_TRUE(p.a.agent.add_remote_candidate(c));
    }
    p.net.run_for(30s);
    // First transmissions by transaction, in order; then each one's retransmissions.
    std::vector<std::pair<stun::TransactionId, std::vector<TimePoint>>> by_id;
    for (const auto& pkt : p.a.sent) {
        stun::Message m;
        ASSERT_EQ(stun::Message::parse(pkt.bytes, m), stun::ParseStatus::ok);
        auto it = std::find_if(by_id.begin(), by_id.end(), [&](const auto& e) { return e.first == m.transaction_id(); });
        if (it == by_id.end())
            by_id.push_back({m.transaction_id(), {pkt.at}});
        else
            it->second.push_back(pkt.at);
    }
    ASSERT_EQ(by_id.size(), 5u);
    for (std::size_t i = 1; i < by_id.size(); ++i)
        EXPECT_GE(by_id[i].second[0] - by_id[i - 1].second[0], 20ms);
    for (const auto& [id, times] : by_id) {
        ASSERT_EQ(times.size(), 7u);
        for (std::size_t i = 1; i < times.size(); ++i)
            EXPECT_EQ(times[i] - times[i - 1], 100ms * (1 << (i - 1)));
    }
    // Highest priority first.
    EXPECT_EQ(p.a.sent[0].to.port(), 6000);
}

TEST(IceAgent, OneSideLearnsPeerReflexiveCandidates) {
    // B never hears of A's candidates (as with a peer that sends none): it learns them
    // from A's checks and still completes.
    Pair p(config(Role::controlling), config(Role::controlled));
    p.exchange(true, false);
    p.b.agent.set_remote_credentials(kCredsA);
    p.net.run_for(2s);
    p.expect_completed_with_matching_pairs();
}

TEST(IceAgent, RoleConflictResolves) {
    for (Role both : {Role::controlling, Role::controlled}) {
        AgentConfig ca = config(both), cb = config(both);
        ca.tie_breaker = 100;
        cb.tie_breaker = 200;
        Pair p(ca, cb);
        p.exchange();
        p.net.run_for(3s);
        p.expect_completed_with_matching_pairs();
        // The larger tie-breaker controls.
        EXPECT_EQ(p.b.agent.role(), Role::controlling);
        EXPECT_EQ(p.a.agent.role(), Role::controlled);
        EXPECT_GT(p.a.agent.counters().role_conflicts + p.b.agent.counters().role_conflicts, 0u);
        EXPECT_EQ(p.a.count(AgentEvent::Kind::role_changed) + p.b.count(AgentEvent::Kind::role_changed), 1);
    }
}

TEST(IceAgent, RoleConflictAnswers487) {
    AgentConfig ca = config(Role::controlling);
    ca.tie_breaker = 500;
    Pair p(ca, config(Role::controlled), 1);
    p.exchange();
    // A forged check from B claiming control with a smaller tie-breaker.
    std::array<uint8_t, 512> buf;
    rtpe::crypto::HmacSha1 key(ByteView(reinterpret_cast<const uint8_t*>(kCredsA.pwd.data()), kCredsA.pwd.size()));
    stun::MessageBuilder b(buf, stun::MessageClass::request, stun::Method::binding, stun::new_transaction_id());
    b.add_username("ufrA:ufrB").add_priority(1).add_ice_controlling(1).add_message_integrity(key).add_fingerprint();
    p.a.agent.on_datagram(p.net.now, 0, p.b.locals[0], b.finish());
    const auto errors = p.a.sent_of_class(rtpe::stun::MessageClass::error);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].error_code()->code, 487);
    EXPECT_EQ(p.a.agent.role(), Role::controlling);
}

TEST(IceAgent, WrongPasswordGets401AndIsDropped) {
    Pair p(config(Role::controlling), config(Role::controlled), 1);
    p.exchange();
    // A believes B's password is something else: its checks fail B's integrity check.
    p.a.agent.set_remote_credentials(Credentials{kCredsB.ufrag, "wrongpasswordwrongpassw"});
    for (const auto& c : p.b.agent.local_candidates())
        p.a.agent.add_remote_candidate(c);
    p.a.agent.set_remote_gathering_done();
    p.net.run_for(20s);
    EXPECT_GT(p.b.agent.counters().unauthorized, 0u);
    const auto errors = p.b.sent_of_class(rtpe::stun::MessageClass::error);
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(errors[0].error_code()->code, 401);
    EXPECT_FALSE(errors[0].has_integrity());
    // B's own checks work, but A's nominations never get through.
    for (const auto& pair : p.b.agent.pairs())
        EXPECT_FALSE(pair.nominated);
    EXPECT_NE(p.a.agent.state(), AgentState::completed);
    EXPECT_NE(p.b.agent.state(), AgentState::completed);
    // A's own checks never got a valid answer: it gives up.
    EXPECT_EQ(p.a.agent.state(), AgentState::failed);
    EXPECT_EQ(p.a.count(AgentEvent::Kind::failed), 1);
}

TEST(IceAgent, RequestsWithoutCredentialsGet400) {
    Pair p(config(Role::controlling), config(Role::controlled), 1);
    p.exchange();
    std::array<uint8_t, 512> buf;
    stun::MessageBuilder b(buf, stun::MessageClass::request, stun::Method::binding, stun::new_transaction_id());
    b.add_priority(1).add_fingerprint();
    p.a.agent.on_datagram(p.net.now, 0, p.b.locals[0], b.finish());
    const auto errors = p.a.sent_of_class(rtpe::stun::MessageClass::error);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].error_code()->code, 400);
    // Garbage is counted, not answered.
    const uint8_t junk[] = {0x80, 0, 0, 0};
    p.a.agent.on_datagram(p.net.now, 0, p.b.locals[0], junk);
    EXPECT_EQ(p.a.agent.counters().malformed, 1u);
}

TEST(IceAgent, UnknownRequiredAttributeGets420) {
    Pair p(config(Role::controlling), config(Role::controlled), 1);
    p.exchange();
    std::array<uint8_t, 512> buf;
    rtpe::crypto::HmacSha1 key(ByteView(reinterpret_cast<const uint8_t*>(kCredsA.pwd.data()), kCredsA.pwd.size()));
    stun::MessageBuilder b(buf, stun::MessageClass::request, stun::Method::binding, stun::new_transaction_id());
    const uint8_t v[4] = {};
    b.add_username("ufrA:ufrB").add_priority(1).add(0x7001, v).add_message_integrity(key).add_fingerprint();
    p.a.agent.on_datagram(p.net.now, 0, p.b.locals[0], b.finish());
    const auto errors = p.a.sent_of_class(rtpe::stun::MessageClass::error);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].error_code()->code, 420);
    uint16_t unknown[4];
    ASSERT_EQ(errors[0].unknown_attributes(unknown), 1u);
    EXPECT_EQ(unknown[0], 0x7001);
}

TEST(IceAgent, ConsentIsRefreshedAndExpires) {
    Pair p(config(Role::controlling), config(Role::controlled));
    p.exchange();
    p.net.run_for(2s);
    p.expect_completed_with_matching_pairs();
    const auto before = p.a.agent.counters().checks_sent;
    p.net.run_for(60s);
    // About one consent check per component every 5 s, and nobody lost consent.
    const auto consent_checks = p.a.agent.counters().checks_sent - before;
    EXPECT_GE(consent_checks, 2u * 9);
    EXPECT_LE(consent_checks, 2u * 16);
    EXPECT_EQ(p.a.count(AgentEvent::Kind::consent_expired), 0);

    // The path dies: both sides notice 30 s after the last answer, which came at most
    // one check interval (6 s) before.
    p.net.drop = [](const Packet&) { return true; };
    p.net.run_for(23s);
    EXPECT_EQ(p.a.count(AgentEvent::Kind::consent_expired), 0);
    p.net.run_for(8s);
    EXPECT_EQ(p.a.count(AgentEvent::Kind::consent_expired), 2);
    EXPECT_EQ(p.b.count(AgentEvent::Kind::consent_expired), 2);
    EXPECT_EQ(p.a.agent.state(), AgentState::failed);
    // And it stops asking.
    p.net.run_for(60s);
    EXPECT_EQ(p.a.count(AgentEvent::Kind::consent_expired), 2);
}

TEST(IceAgent, RestartWithNewCredentials) {
    Pair p(config(Role::controlling), config(Role::controlled));
    p.exchange();
    p.net.run_for(2s);
    p.expect_completed_with_matching_pairs();

    const Credentials a2{"ufrA2", "newpasswordAAAAAAAAAAAAA"};
    const Credentials b2{"ufrB2", "newpasswordBBBBBBBBBBBBB"};
    p.a.agent.set_local_credentials(a2);
    EXPECT_EQ(p.a.agent.state(), AgentState::checking);
    EXPECT_TRUE(p.a.agent.pairs().empty());
    EXPECT_FALSE(p.a.agent.selected_pair(1));
    p.b.agent.set_local_credentials(b2);
    p.a.agent.set_remote_credentials(b2);
    p.b.agent.set_remote_credentials(a2);
    for (const auto& c : p.b.agent.local_candidates())
        p.a.agent.add_remote_candidate(c);
    for (const auto& c : p.a.agent.local_candidates())
        p.b.agent.add_remote_candidate(c);
    p.a.events.clear();
    p.b.events.clear();
    p.net.run_for(2s);
    p.expect_completed_with_matching_pairs();
    EXPECT_EQ(p.a.agent.counters().unauthorized + p.b.agent.counters().unauthorized, 0u);

    // A check with the old credentials is refused.
    std::array<uint8_t, 512> buf;
    rtpe::crypto::HmacSha1 key(ByteView(reinterpret_cast<const uint8_t*>(kCredsA.pwd.data()), kCredsA.pwd.size()));
    stun::MessageBuilder b(buf, stun::MessageClass::request, stun::Method::binding, stun::new_transaction_id());
    b.add_username("ufrA:ufrB").add_priority(1).add_message_integrity(key).add_fingerprint();
    p.a.agent.on_datagram(p.net.now, 0, p.b.locals[0], b.finish());
    EXPECT_EQ(p.a.agent.counters().unauthorized, 1u);
}

TEST(IceAgent, LiteAgentAnswersAndAcceptsNomination) {
    AgentConfig lite = config(Role::controlling);  // a lite agent is controlled anyway
    lite.lite = true;
    Pair p(config(Role::controlled), lite);
    p.exchange();
    p.a.agent.set_remote_lite(true);
    EXPECT_EQ(p.a.agent.role(), Role::controlling);
    EXPECT_EQ(p.b.agent.role(), Role::controlled);
    p.net.run_for(2s);
    p.expect_completed_with_matching_pairs();
    EXPECT_TRUE(p.b.sent_of_class(rtpe::stun::MessageClass::request).empty());
    // Consent on the lite side rests on the full agent's checks.
    p.net.run_for(40s);
    EXPECT_EQ(p.b.count(AgentEvent::Kind::consent_expired), 0);
    p.net.drop = [](const Packet&) { return true; };
    p.net.run_for(31s);
    EXPECT_EQ(p.b.count(AgentEvent::Kind::consent_expired), 2);
    EXPECT_TRUE(p.b.sent_of_class(rtpe::stun::MessageClass::request).empty());
}

TEST(IceAgent, UnreachableCandidatesFail) {
    Pair p(config(Role::controlling), config(Role::controlled), 1);
    p.a.agent.set_remote_credentials(kCredsB);
    Candidate nowhere;
    nowhere.foundation = "1";
    nowhere.priority = 2130706431;
    nowhere.address = "10.9.9.9";
    nowhere.port = 9;
    EXPECT_TRUE(p.a.agent.add_remote_candidate(nowhere));
    p.net.run_for(5s);
    EXPECT_EQ(p.a.agent.state(), AgentState::checking);  // trickle may bring more
    p.a.agent.set_remote_gathering_done();
    p.net.run_for(20s);
    EXPECT_EQ(p.a.agent.state(), AgentState::failed);
    EXPECT_EQ(p.a.count(AgentEvent::Kind::failed), 1);
    // Seven transmissions of the one check, then nothing more.
    EXPECT_EQ(p.a.sent.size(), 7u);
}

TEST(IceAgent, CandidatesTheAgentCannotUseAreRefused) {
    Pair p(config(Role::controlling), config(Role::controlled), 1);
    p.a.agent.set_remote_credentials(kCredsB);
    auto tcp = *parse_candidate("2 1 TCP 2105524479 10.0.0.2 9 typ host tcptype active");
    auto mdns = *parse_candidate("1 1 udp 2113937151 abc.local 52414 typ host");
    auto comp2 = *parse_candidate("1 2 UDP 2130706430 10.0.0.2 5002 typ host");
    auto ok = *parse_candidate("1 1 UDP 2130706431 10.0.0.2 5001 typ host");
    EXPECT_FALSE(p.a.agent.add_remote_candidate(tcp));
    EXPECT_FALSE(p.a.agent.add_remote_candidate(mdns));
    EXPECT_FALSE(p.a.agent.add_remote_candidate(comp2));
    EXPECT_TRUE(p.a.agent.add_remote_candidate(ok));
    EXPECT_FALSE(p.a.agent.add_remote_candidate(ok));
    EXPECT_EQ(p.a.agent.pairs().size(), 1u);
}

TEST(IceAgent, IdleAgentHasNoDeadline) {
    Network net;
    Peer a(net, "A", config(Role::controlling));
    a.add_local(1, addr("10.0.0.1", 4001));
    EXPECT_EQ(a.agent.next_deadline(), TimePoint::max());
    a.agent.set_local_credentials(kCredsA);
    a.agent.set_remote_credentials(kCredsB);
    EXPECT_EQ(a.agent.next_deadline(), TimePoint::max());
}

}  // namespace
