// Two endpoints back to back through an in-memory network.

#include "dtls/endpoint.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>

#include "dtls/record.hpp"
#include "dtls_test_util.hpp"
#include "srtp/suite.hpp"

namespace {

using namespace rtpe::dtls;
using namespace std::chrono_literals;
using rtpe::dtls::test::Side;
using Kind = EndpointEvent::Kind;

struct Pair {
    Pair(Role a_role, ContextOptions a_options = {}, ContextOptions b_options = {},
         const Certificate& a_cert = test::ec_certificate(), const Certificate& b_cert = test::other_ec_certificate(),
         EndpointConfig base = {}) {
        EndpointConfig ca = base, cb = base;
        ca.role = a_role;
        cb.role = a_role == Role::active ? Role::passive : Role::active;
        a.endpoint = std::make_unique<Endpoint>(Context(a_cert, a_options), ca, a);
        b.endpoint = std::make_unique<Endpoint>(Context(b_cert, b_options), cb, b);
        a.endpoint->set_remote_fingerprint(b_cert.fingerprint());
        b.endpoint->set_remote_fingerprint(a_cert.fingerprint());
    }

    // Delivers until nothing is in flight; `drop` sees (from a?, datagram index of that side).
    void deliver(TimePoint at) {
        for (int rounds = 0; rounds < 1000 && (!a.outbox.empty() || !b.outbox.empty()); ++rounds) {
            move(a, b, true, at);
            move(b, a, false, at);
        }
    }
    void move(Side& from, Side& to, bool from_a, TimePoint at) {
        while (!from.outbox.empty()) {
            auto d = std::move(from.outbox.front());
            from.outbox.pop_front();
            const std::size_t index = from_a ? sent_by_a++ : sent_by_b++;
            if (drop && drop(from_a, index))
                continue;
            to.endpoint->on_datagram(at, d);
        }
    }
    void start(TimePoint at) {
        a.endpoint->start(at);
        b.endpoint->start(at);
        deliver(at);
    }
    bool connected() const {
        return a.endpoint->state() == EndpointState::connected && b.endpoint->state() == EndpointState::connected;
    }

    Side a, b;
    std::function<bool(bool, std::size_t)> drop;
    std::size_t sent_by_a = 0, sent_by_b = 0;
};

const TimePoint kT0 = TimePoint{} + 1000s;

void expect_matching_keys(const Side& x, const Side& y, const rtpe::srtp::CryptoSuite* suite) {
    ASSERT_EQ(x.count(Kind::connected), 1);
    ASSERT_EQ(y.count(Kind::connected), 1);
    EXPECT_EQ(x.keys.suite, suite);
    EXPECT_EQ(y.keys.suite, suite);
    EXPECT_EQ(x.keys.send_key, y.keys.receive_key);
    EXPECT_EQ(x.keys.send_salt, y.keys.receive_salt);
    EXPECT_EQ(x.keys.receive_key, y.keys.send_key);
    EXPECT_EQ(x.keys.receive_salt, y.keys.send_salt);
    EXPECT_NE(x.keys.send_key, x.keys.receive_key);
    EXPECT_EQ(x.keys.send_key.size(), suite->master_key_length);
    EXPECT_EQ(x.keys.send_salt.size(), suite->master_salt_length);

    // And SRTP with them works across: x protects, y unprotects.
    auto tx = x.keys.send_context();
    auto rx = y.keys.receive_context();
    std::vector<uint8_t> packet = {0x80, 0x00, 0x12, 0x34, 0, 0, 0, 160, 0xca, 0xfe, 0xba, 0xbe};
    packet.resize(12 + 20, 0x55);
    std::size_t length = packet.size();
    packet.resize(length + tx.rtp_overhead());
    ASSERT_EQ(tx.protect_rtp(packet, length), rtpe::srtp::Status::ok);
    ASSERT_EQ(rx.unprotect_rtp(packet, length), rtpe::srtp::Status::ok);
    EXPECT_EQ(length, 32u);
}

struct ProfileCase {
    const char* profile;
    Role first;
};

class DtlsEndpointProfiles : public ::testing::TestWithParam<ProfileCase> {};

TEST_P(DtlsEndpointProfiles, HandshakeCompletesWithMatchingKeys) {
    const rtpe::srtp::CryptoSuite* suite = rtpe::srtp::find_suite_by_dtls_name(GetParam().profile);
    ASSERT_NE(suite, nullptr);
    ContextOptions only;
    only.srtp_profiles = {suite};
    // One side offers everything (upstream's list), the other accepts only this one.
    Pair p(GetParam().first, ContextOptions{}, only);
    p.start(kT0);
    ASSERT_TRUE(p.connected()) << to_string(p.a.endpoint->state()) << " / " << to_string(p.b.endpoint->state())
                               << " " << p.a.reason << p.b.reason;
    expect_matching_keys(p.a, p.b, suite);
    EXPECT_EQ(p.a.endpoint->next_deadline(), Endpoint::kNever);
    EXPECT_EQ(p.b.endpoint->next_deadline(), Endpoint::kNever);
}

INSTANTIATE_TEST_SUITE_P(DtlsProfiles, DtlsEndpointProfiles,
                         ::testing::Values(ProfileCase{"SRTP_AEAD_AES_256_GCM", Role::active},
                                           ProfileCase{"SRTP_AEAD_AES_256_GCM", Role::passive},
                                           ProfileCase{"SRTP_AEAD_AES_128_GCM", Role::active},
                                           ProfileCase{"SRTP_AEAD_AES_128_GCM", Role::passive},
                                           ProfileCase{"SRTP_AES128_CM_SHA1_80", Role::active},
                                           ProfileCase{"SRTP_AES128_CM_SHA1_80", Role::passive},
                                           ProfileCase{"SRTP_AES128_CM_SHA1_32", Role::active},
                                           ProfileCase{"SRTP_AES128_CM_SHA1_32", Role::passive}));

TEST(DtlsEndpoint, UpstreamProfileOrder) {
    Context c(test::ec_certificate());
    EXPECT_EQ(c.srtp_profile_list(),
              "SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32");
    // With everything on both sides, the strongest wins.
    Pair p(Role::active);
    p.start(kT0);
    ASSERT_TRUE(p.connected());
    expect_matching_keys(p.a, p.b, rtpe::srtp::find_suite("AEAD_AES_256_GCM"));
}

TEST(DtlsEndpoint, NoCommonProfileFails) {
    ContextOptions x, y;
    x.srtp_profiles = {rtpe::srtp::find_suite_by_dtls_name("SRTP_AES128_CM_SHA1_80")};
    y.srtp_profiles = {rtpe::srtp::find_suite_by_dtls_name("SRTP_AES128_CM_SHA1_32")};
    Pair p(Role::active, x, y);
    p.start(kT0);
    EXPECT_FALSE(p.connected());
    EXPECT_EQ(p.a.endpoint->state(), EndpointState::failed);
    EXPECT_FALSE(p.a.reason.empty());
}

TEST(DtlsEndpoint, RsaCertificatesAndSmallMtu) {
    EndpointConfig config;
    config.mtu = 576;
    Pair p(Role::passive, {}, {}, test::rsa_certificate(), test::ec_certificate(), config);
    p.start(kT0);
    ASSERT_TRUE(p.connected()) << p.a.reason << p.b.reason;
    std::size_t largest = 0;
    for (const auto* side : {&p.a, &p.b})
        for (const auto& d : side->sent) {
            largest = std::max(largest, d.size());
            EXPECT_EQ(check_datagram(d), RecordStatus::ok);
        }
    EXPECT_LE(largest, 576u);
    EXPECT_GT(largest, 300u);
}

TEST(DtlsEndpoint, DefaultMtuHoldsForTheRsaFlight) {
    Pair p(Role::active, {}, {}, test::ec_certificate(), test::rsa_certificate());
    p.start(kT0);
    ASSERT_TRUE(p.connected());
    for (const auto* side : {&p.a, &p.b})
        for (const auto& d : side->sent)
            EXPECT_LE(d.size(), 1200u);
}

TEST(DtlsEndpoint, FingerprintMismatchFails) {
    for (Role role : {Role::active, Role::passive}) {
        Pair p(role);
        // a expects some other certificate than b's.
        p.a.endpoint->set_remote_fingerprint(test::rsa_certificate().fingerprint(HashFunction::sha_1));
        p.start(kT0);
        EXPECT_EQ(p.a.endpoint->state(), EndpointState::failed);
        EXPECT_EQ(p.a.reason, "Peer certificate rejected - fingerprint mismatch");
        EXPECT_EQ(p.a.count(Kind::failed), 1);
        EXPECT_EQ(p.a.count(Kind::connected), 0);
        EXPECT_EQ(p.a.endpoint->keys(), nullptr);  // checked before any key exists, either role
        // The other side hears the alert and fails too.
        EXPECT_EQ(p.b.count(Kind::connected), 0) << to_string(role);
    }
}

TEST(DtlsEndpoint, FingerprintInAnyHashAndLate) {
    Pair p(Role::passive);
    p.a.endpoint->set_remote_fingerprint(test::other_ec_certificate().fingerprint(HashFunction::sha_512));
    // b learns a's fingerprint only after the handshake (the answer came late).
    p.b.endpoint = std::make_unique<Endpoint>(Context(test::other_ec_certificate()),
                                              EndpointConfig{Role::active}, p.b);
    p.start(kT0);
    EXPECT_EQ(p.a.endpoint->state(), EndpointState::connected);
    EXPECT_EQ(p.b.endpoint->state(), EndpointState::awaiting_fingerprint);
    EXPECT_EQ(p.b.count(Kind::connected), 0);
    ASSERT_NE(p.b.endpoint->keys(), nullptr);
    p.b.endpoint->set_remote_fingerprint(test::ec_certificate().fingerprint(HashFunction::sha_224));
    EXPECT_EQ(p.b.endpoint->state(), EndpointState::connected);
    expect_matching_keys(p.a, p.b, rtpe::srtp::find_suite("AEAD_AES_256_GCM"));

    // A late fingerprint that does not match fails.
    Pair q(Role::passive);
    q.b.endpoint = std::make_unique<Endpoint>(Context(test::other_ec_certificate()),
                                              EndpointConfig{Role::active}, q.b);
    q.start(kT0);
    q.b.endpoint->set_remote_fingerprint(test::rsa_certificate().fingerprint());
    EXPECT_EQ(q.b.endpoint->state(), EndpointState::failed);
    EXPECT_EQ(q.b.reason, "Peer certificate rejected - fingerprint mismatch");
}

// OpenSSL 3.0 times retransmissions with the system clock, so this test runs on the real
// clock, with a short first timeout.
TEST(DtlsEndpoint, RetransmitsLostFlights) {
    for (Role role : {Role::active, Role::passive}) {
        EndpointConfig config;
        config.initial_retransmit = 30ms;
        config.max_retransmit = 200ms;
        Pair p(role, {}, {}, test::ec_certificate(), test::other_ec_certificate(), config);
        Side& client = role == Role::active ? p.a : p.b;
        Side& server = role == Role::active ? p.b : p.a;
        const bool client_is_a = role == Role::active;
        // The client's first two ClientHellos and the server's whole first flight are lost
        // (decided on delivery, which follows the sending).
        p.drop = [&](bool from_a, std::size_t) {
            if (from_a == client_is_a)
                return client.endpoint->counters().retransmissions < 2;
            return server.endpoint->counters().retransmissions < 1;
        };
        const auto begin = Clock::now();
        p.start(Clock::now());
        while (!p.connected() && Clock::now() - begin < 5s) {
            const TimePoint due = std::min(p.a.endpoint->next_deadline(), p.b.endpoint->next_deadline());
            ASSERT_NE(due, Endpoint::kNever) << to_string(p.a.endpoint->state()) << to_string(p.b.endpoint->state());
            std::this_thread::sleep_until(std::min(due, Clock::now() + 500ms));
            p.a.endpoint->on_timer(Clock::now());
            p.b.endpoint->on_timer(Clock::now());
            p.deliver(Clock::now());
        }
        ASSERT_TRUE(p.connected()) << p.a.reason << p.b.reason;
        EXPECT_GE(client.endpoint->counters().retransmissions, 2u);
        expect_matching_keys(p.a, p.b, rtpe::srtp::find_suite("AEAD_AES_256_GCM"));
    }
}

// The server's last flight is lost: the client retransmits its own, and the server, done
// already, answers it with its last flight again.
TEST(DtlsEndpoint, LastFlightLost) {
    EndpointConfig config;
    config.initial_retransmit = 30ms;
    Pair p(Role::active, {}, {}, test::ec_certificate(), test::other_ec_certificate(), config);
    bool dropping = true;
    p.drop = [&](bool from_a, std::size_t) {
        // b (server) drops everything once it is connected, until told otherwise.
        return !from_a && dropping && p.b.endpoint->state() == EndpointState::connected;
    };
    p.start(Clock::now());
    ASSERT_EQ(p.b.endpoint->state(), EndpointState::connected);
    ASSERT_EQ(p.a.endpoint->state(), EndpointState::handshaking);
    dropping = false;
    const auto begin = Clock::now();
    while (!p.connected() && Clock::now() - begin < 3s) {
        std::this_thread::sleep_until(std::min(p.a.endpoint->next_deadline(), Clock::now() + 200ms));
        p.a.endpoint->on_timer(Clock::now());
        p.deliver(Clock::now());
    }
    ASSERT_TRUE(p.connected());
    expect_matching_keys(p.a, p.b, rtpe::srtp::find_suite("AEAD_AES_256_GCM"));
}

TEST(DtlsEndpoint, GivesUpAfterTheHandshakeLimit) {
    for (Role role : {Role::active, Role::passive}) {
        Side s;
        EndpointConfig config;
        config.role = role;
        s.endpoint = std::make_unique<Endpoint>(Context(test::ec_certificate()), config, s);
        s.endpoint->set_remote_fingerprint(test::other_ec_certificate().fingerprint());
        s.endpoint->start(kT0);
        EXPECT_EQ(s.sent.size(), role == Role::active ? 1u : 0u);
        EXPECT_LE(s.endpoint->next_deadline(), kT0 + 60s);
        // Simulated time: the limit is ours, not OpenSSL's.
        s.endpoint->on_timer(kT0 + 59s);
        EXPECT_EQ(s.endpoint->state(), EndpointState::handshaking);
        s.endpoint->on_timer(kT0 + 60s);
        EXPECT_EQ(s.endpoint->state(), EndpointState::failed);
        EXPECT_EQ(s.reason, "DTLS handshake timed out");
        EXPECT_EQ(s.endpoint->next_deadline(), Endpoint::kNever);
        s.endpoint->on_datagram(kT0 + 61s, s.sent.empty() ? std::vector<uint8_t>{22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
                                                         : s.sent[0]);
        EXPECT_EQ(s.endpoint->counters().ignored, 1u);
        EXPECT_EQ(s.count(Kind::failed), 1);
    }
}

std::vector<uint8_t> client_hello(const Certificate& cert) {
    Side c;
    c.endpoint = std::make_unique<Endpoint>(Context(cert), EndpointConfig{Role::active}, c);
    c.endpoint->start(kT0);
    return c.sent.at(0);
}

std::size_t heap_in_use() {
    return mallinfo2().uordblks;
}

TEST(DtlsEndpoint, ClientHelloFloodIsBounded) {
    Pair p(Role::active);
    p.a.endpoint->start(kT0);
    ASSERT_EQ(p.a.outbox.size(), 1u);
    const std::vector<uint8_t> hello = p.a.outbox.front();
    std::vector<std::vector<uint8_t>> strangers;
    for (int i = 0; i < 20; ++i)
        strangers.push_back(client_hello(test::rsa_certificate()));

    auto flood = [&](int from, int to) {
        for (int i = from; i < to; ++i) {
            std::vector<uint8_t> d = i % 2 ? strangers[i % strangers.size()] : hello;
            // A new record sequence number each time, so no copy is a mere replay.
            const uint64_t seq = 1000 + i;
            for (int k = 0; k < 6; ++k)
                d[5 + k] = uint8_t(seq >> (8 * (5 - k)));
            p.b.endpoint->on_datagram(kT0, d);
        }
    };
    // The first ClientHello is answered, the flood after it changes nothing.
    p.b.endpoint->on_datagram(kT0, hello);
    const std::size_t answered = p.b.sent.size();
    ASSERT_GT(answered, 0u);
    flood(0, 2000);
    const std::size_t before = heap_in_use();
    flood(2000, 30000);
    const std::size_t after = heap_in_use();
    EXPECT_LT(after, before + 256 * 1024) << "heap grew from " << before << " to " << after;
    EXPECT_EQ(p.b.sent.size(), answered);
    EXPECT_EQ(p.b.endpoint->state(), EndpointState::handshaking);
    EXPECT_EQ(p.b.endpoint->counters().datagrams_received, 30001u);

    // And the real client still gets through.
    p.a.outbox.clear();
    p.b.outbox.erase(p.b.outbox.begin() + static_cast<long>(answered), p.b.outbox.end());
    p.deliver(kT0);
    EXPECT_TRUE(p.connected()) << p.a.reason << p.b.reason;
}

TEST(DtlsEndpoint, GarbageIsCountedAndDropped) {
    Side s;
    s.endpoint = std::make_unique<Endpoint>(Context(test::ec_certificate()), EndpointConfig{Role::passive}, s);
    const std::vector<std::vector<uint8_t>> junk = {
        {},
        {22},
        {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2},  // truncated
        {0x80, 0, 0, 0},                                       // RTP
        {23, 0xfe, 0xfd, 0, 5, 0, 0, 0, 0, 0, 1, 0, 0},        // application data, epoch 5
    };
    for (const auto& j : junk)
        s.endpoint->on_datagram(kT0, j);
    EXPECT_EQ(s.endpoint->counters().malformed, 4u);
    // A well-formed record OpenSSL refuses (a handshake record of nonsense) resets a
    // passive endpoint that has said nothing yet, and no alert goes out.
    std::vector<uint8_t> nonsense = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12};
    nonsense.resize(nonsense.size() + 12, 0xff);
    s.endpoint->on_datagram(kT0, nonsense);
    EXPECT_EQ(s.endpoint->state(), EndpointState::handshaking);
    EXPECT_TRUE(s.sent.empty());
    EXPECT_EQ(s.endpoint->counters().restarts, 1u);
    EXPECT_GE(s.endpoint->counters().alerts_suppressed, 1u);

    // Still able to take a real client.
    Side c;
    c.endpoint = std::make_unique<Endpoint>(Context(test::other_ec_certificate()), EndpointConfig{Role::active}, c);
    c.endpoint->set_remote_fingerprint(test::ec_certificate().fingerprint());
    s.endpoint->set_remote_fingerprint(test::other_ec_certificate().fingerprint());
    c.endpoint->start(kT0);
    for (int i = 0; i < 20 && (!c.outbox.empty() || !s.outbox.empty()); ++i) {
        while (!c.outbox.empty()) {
            s.endpoint->on_datagram(kT0, c.outbox.front());
            c.outbox.pop_front();
        }
        while (!s.outbox.empty()) {
            c.endpoint->on_datagram(kT0, s.outbox.front());
            s.outbox.pop_front();
        }
    }
    EXPECT_EQ(s.endpoint->state(), EndpointState::connected);
    EXPECT_EQ(c.endpoint->state(), EndpointState::connected);
}

TEST(DtlsEndpoint, CloseNotify) {
    Pair p(Role::active);
    p.start(kT0);
    ASSERT_TRUE(p.connected());
    p.a.endpoint->close();
    EXPECT_EQ(p.a.endpoint->state(), EndpointState::closed);
    p.deliver(kT0);
    EXPECT_EQ(p.b.endpoint->state(), EndpointState::closed);
    EXPECT_EQ(p.b.count(Kind::closed), 1);
    EXPECT_EQ(p.a.count(Kind::closed), 0);
}

TEST(DtlsEndpoint, SnapshotRoundTrip) {
    Pair p(Role::passive);
    EXPECT_EQ(p.a.endpoint->snapshot(), std::nullopt);
    p.start(kT0);
    ASSERT_TRUE(p.connected());
    for (const Side* s : {&p.a, &p.b}) {
        const auto snap = s->endpoint->snapshot();
        ASSERT_TRUE(snap);
        EXPECT_EQ(snap->role, s->endpoint->role());
        EXPECT_EQ(snap->keys, s->keys);
        const std::string text = snap->to_string();
        const auto back = SessionSnapshot::parse(text);
        ASSERT_TRUE(back) << text;
        EXPECT_EQ(*back, *snap);
        EXPECT_EQ(back->to_string(), text);
    }
    // A restored receive context unprotects what the live peer protects.
    auto restored = SessionSnapshot::parse(p.b.endpoint->snapshot()->to_string());
    auto tx = p.a.keys.send_context();
    auto rx = restored->keys.receive_context();
    std::vector<uint8_t> packet = {0x80, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4, 9, 9, 9, 9};
    std::size_t length = packet.size();
    packet.resize(length + tx.rtp_overhead());
    ASSERT_EQ(tx.protect_rtp(packet, length), rtpe::srtp::Status::ok);
    EXPECT_EQ(rx.unprotect_rtp(packet, length), rtpe::srtp::Status::ok);

    const std::string good = p.a.endpoint->snapshot()->to_string();
    EXPECT_EQ(SessionSnapshot::parse(good + " extra=1"), std::nullopt);
    EXPECT_EQ(SessionSnapshot::parse("role=active suite=AES_256_CM_HMAC_SHA1_80 send=AA==,AA== recv=AA==,AA=="),
              std::nullopt);
    EXPECT_EQ(SessionSnapshot::parse(good.substr(0, good.find(" recv="))), std::nullopt);
}

TEST(DtlsEndpoint, RejectsBadConfiguration) {
    Side s;
    EndpointConfig config;
    config.mtu = 500;
    EXPECT_THROW(Endpoint(Context(test::ec_certificate()), config, s), std::invalid_argument);
    ContextOptions bad;
    bad.ciphers = "NO-SUCH-CIPHER";
    EXPECT_THROW(Context(test::ec_certificate(), bad), std::invalid_argument);
    ContextOptions sdes_only;
    sdes_only.srtp_profiles = {rtpe::srtp::find_suite("AES_256_CM_HMAC_SHA1_80")};
    EXPECT_THROW(Context(test::ec_certificate(), sdes_only), std::invalid_argument);
}

}  // namespace

namespace {

// Not a test: writes the fuzz target's seed corpus (t/fuzz/dtls_fuzz.cpp's format) from
// real handshakes, when RTPE_DTLS_CORPUS_DIR names a directory.
void write_seed(const std::string& dir, const std::string& name, uint8_t selector,
                const std::vector<std::vector<uint8_t>>& datagrams) {
    std::vector<uint8_t> bytes = {selector};
    for (const auto& d : datagrams) {
        bytes.push_back(uint8_t(d.size() >> 8));
        bytes.push_back(uint8_t(d.size()));
        bytes.insert(bytes.end(), d.begin(), d.end());
    }
    FILE* f = std::fopen((dir + "/" + name).c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
}

TEST(DtlsEndpoint, WriteFuzzSeeds) {
    const char* dir = std::getenv("RTPE_DTLS_CORPUS_DIR");
    if (!dir)
        GTEST_SKIP() << "set RTPE_DTLS_CORPUS_DIR to write the seeds";
    struct Variant {
        const char* name;
        const Certificate* client;
        const Certificate* server;
        std::size_t mtu;
    };
    const Variant variants[] = {{"ec", &test::ec_certificate(), &test::other_ec_certificate(), 1200},
                                {"rsa-mtu576", &test::rsa_certificate(), &test::rsa_certificate(), 576}};
    for (const Variant& v : variants) {
        EndpointConfig config;
        config.mtu = v.mtu;
        Pair p(Role::active, {}, {}, *v.client, *v.server, config);
        p.start(kT0);
        ASSERT_TRUE(p.connected());
        // Flights in order: which side sent each datagram is known from the two logs; a
        // client flight is everything the client sent between two server flights.
        const auto& c = p.a.sent;
        const auto& s = p.b.sent;
        write_seed(dir, std::string("client-hello-") + v.name, 0, {c.at(0)});
        write_seed(dir, std::string("client-flights-") + v.name, 0, c);
        write_seed(dir, std::string("server-flights-") + v.name, 1, s);
    }
}

}  // namespace
