// Every suite through protect and unprotect, and what unprotect must refuse.

#include "srtp/context.hpp"
#include "srtp/srtp_test_util.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using rtpe::srtp::Context;
using rtpe::srtp::ContextOptions;
using rtpe::srtp::CryptoSuite;
using rtpe::srtp::Status;
using rtpe::test::apply;
using rtpe::test::make_context;
using rtpe::test::rtcp_packet;
using rtpe::test::rtp_packet;

class SrtpEverySuite : public ::testing::TestWithParam<std::size_t> {
protected:
    const CryptoSuite& suite() const { return rtpe::srtp::crypto_suites()[GetParam()]; }
};

TEST_P(SrtpEverySuite, RtpRoundTripKeepsHeaderCsrcsAndExtensionInClear) {
    for (unsigned csrcs : {0u, 2u}) {
        for (bool extension : {false, true}) {
            Context sender = make_context(suite()), receiver = make_context(suite());
            for (uint16_t seq = 1000; seq < 1010; ++seq) {
                const auto plain = rtp_packet(seq, 0x11223344, 160, csrcs, extension);
                auto packet = plain;
                ASSERT_EQ(apply(&Context::protect_rtp, sender, packet), Status::ok);
                ASSERT_EQ(packet.size(), plain.size() + sender.rtp_overhead());
                const std::size_t header = 12 + 4 * csrcs + (extension ? 12 : 0);
                EXPECT_TRUE(std::equal(plain.begin(), plain.begin() + header, packet.begin()));
                if (suite().cipher != rtpe::srtp::Cipher::null) {
                    EXPECT_FALSE(std::equal(plain.begin() + header, plain.end(), packet.begin() + header));
                }
                ASSERT_EQ(apply(&Context::unprotect_rtp, receiver, packet), Status::ok) << suite().name;
                EXPECT_EQ(packet, plain);
            }
        }
    }
}

TEST_P(SrtpEverySuite, RtcpRoundTrip) {
    Context sender = make_context(suite()), receiver = make_context(suite());
    for (int i = 0; i < 5; ++i) {
        const auto plain = rtcp_packet(0xabcdef01);
        auto packet = plain;
        ASSERT_EQ(apply(&Context::protect_rtcp, sender, packet), Status::ok);
        ASSERT_EQ(packet.size(), plain.size() + sender.rtcp_overhead());
        ASSERT_EQ(apply(&Context::unprotect_rtcp, receiver, packet), Status::ok) << suite().name;
        EXPECT_EQ(packet, plain);
    }
    EXPECT_EQ(sender.stream(0xabcdef01)->next_srtcp_index, 5u);
    EXPECT_EQ(receiver.stream(0xabcdef01)->received_srtcp, 4u);
}

TEST_P(SrtpEverySuite, RocFollowsTheSequenceOverTheWrap) {
    Context sender = make_context(suite()), receiver = make_context(suite());
    std::vector<std::vector<uint8_t>> sent;
    for (uint32_t i = 0; i < 40; ++i) {
        auto packet = rtp_packet(static_cast<uint16_t>(65520 + i), 7);
        ASSERT_EQ(apply(&Context::protect_rtp, sender, packet), Status::ok);
        sent.push_back(packet);
    }
    // Delivered with some reordering across the wrap.
    std::swap(sent[14], sent[17]);
    std::swap(sent[15], sent[16]);
    for (auto& packet : sent)
        ASSERT_EQ(apply(&Context::unprotect_rtp, receiver, packet), Status::ok) << suite().name;
    EXPECT_EQ(*receiver.stream(7)->received_index, 0x10000u + 23);
    EXPECT_EQ(*sender.stream(7)->sent_index, 0x10000u + 23);
}

TEST_P(SrtpEverySuite, RefusesReplaysTamperingAndTruncation) {
    Context sender = make_context(suite()), receiver = make_context(suite());
    auto packet = rtp_packet(500, 9);
    ASSERT_EQ(apply(&Context::protect_rtp, sender, packet), Status::ok);
    const auto wire = packet;

    for (std::size_t at : {std::size_t{1}, std::size_t{20}, wire.size() - 1}) {
        auto bad = wire;
        bad[at] ^= 0x10;
        EXPECT_EQ(apply(&Context::unprotect_rtp, receiver, bad), Status::auth_failed) << suite().name << " " << at;
    }
    for (std::size_t n = 0; n < wire.size(); ++n) {
        std::vector<uint8_t> cut(wire.begin(), wire.begin() + static_cast<long>(n));
        EXPECT_NE(apply(&Context::unprotect_rtp, receiver, cut), Status::ok) << n;
    }
    auto good = wire;
    EXPECT_EQ(apply(&Context::unprotect_rtp, receiver, good), Status::ok);
    good = wire;
    EXPECT_EQ(apply(&Context::unprotect_rtp, receiver, good), Status::replayed);

    // RTCP likewise.
    auto rtcp = rtcp_packet(9);
    ASSERT_EQ(apply(&Context::protect_rtcp, sender, rtcp), Status::ok);
    auto bad = rtcp;
    bad[10] ^= 1;
    EXPECT_EQ(apply(&Context::unprotect_rtcp, receiver, bad), Status::auth_failed);
    for (std::size_t n = 0; n < rtcp.size(); ++n) {
        std::vector<uint8_t> cut(rtcp.begin(), rtcp.begin() + static_cast<long>(n));
        EXPECT_NE(apply(&Context::unprotect_rtcp, receiver, cut), Status::ok) << n;
    }
    auto copy = rtcp;
    EXPECT_EQ(apply(&Context::unprotect_rtcp, receiver, copy), Status::ok);
    copy = rtcp;
    EXPECT_EQ(apply(&Context::unprotect_rtcp, receiver, copy), Status::replayed);
}

TEST_P(SrtpEverySuite, MkiIsCarriedAndChecked) {
    ContextOptions options;
    options.mki = {0, 0, 0, 7};
    Context sender = make_context(suite(), options), receiver = make_context(suite(), options);
    options.mki = {0, 0, 0, 8};
    Context other = make_context(suite(), options);
    auto packet = rtp_packet(1, 5);
    ASSERT_EQ(apply(&Context::protect_rtp, sender, packet), Status::ok);
    auto copy = packet;
    EXPECT_EQ(apply(&Context::unprotect_rtp, other, copy), Status::wrong_mki);
    EXPECT_EQ(apply(&Context::unprotect_rtp, receiver, packet), Status::ok);
    auto rtcp = rtcp_packet(5);
    ASSERT_EQ(apply(&Context::protect_rtcp, sender, rtcp), Status::ok);
    copy = rtcp;
    EXPECT_EQ(apply(&Context::unprotect_rtcp, other, copy), Status::wrong_mki);
    EXPECT_EQ(apply(&Context::unprotect_rtcp, receiver, rtcp), Status::ok);
    EXPECT_EQ(rtcp, rtcp_packet(5));
}

TEST_P(SrtpEverySuite, KeyDerivationRateRekeysBothSides) {
    ContextOptions options;
    options.key_derivation_rate = 16;
    Context sender = make_context(suite(), options), receiver = make_context(suite(), options);
    Context plain_sender = make_context(suite());
    for (uint16_t seq = 0; seq < 100; ++seq) {
        auto packet = rtp_packet(seq, 1), other = rtp_packet(seq, 1);
        ASSERT_EQ(apply(&Context::protect_rtp, sender, packet), Status::ok);
        ASSERT_EQ(apply(&Context::protect_rtp, plain_sender, other), Status::ok);
        // Below index 16 r is 0, so the keys are those derived without a rate.
        EXPECT_EQ(packet == other, seq < 16) << seq;
        ASSERT_EQ(apply(&Context::unprotect_rtp, receiver, packet), Status::ok);
        auto rtcp = rtcp_packet(1);
        ASSERT_EQ(apply(&Context::protect_rtcp, sender, rtcp), Status::ok);
        ASSERT_EQ(apply(&Context::unprotect_rtcp, receiver, rtcp), Status::ok);
    }
}

TEST_P(SrtpEverySuite, SnapshotRestoresKeysAndIndices) {
    Context sender = make_context(suite()), receiver = make_context(suite());
    for (uint32_t i = 0; i < 30; ++i) {
        auto packet = rtp_packet(static_cast<uint16_t>(65530 + i), 3);
        ASSERT_EQ(apply(&Context::protect_rtp, sender, packet), Status::ok);
        ASSERT_EQ(apply(&Context::unprotect_rtp, receiver, packet), Status::ok);
        auto rtcp = rtcp_packet(3);
        ASSERT_EQ(apply(&Context::protect_rtcp, sender, rtcp), Status::ok);
        ASSERT_EQ(apply(&Context::unprotect_rtcp, receiver, rtcp), Status::ok);
    }
    const std::string sender_text = sender.snapshot().to_string();
    const std::string receiver_text = receiver.snapshot().to_string();
    auto sender_snapshot = rtpe::srtp::ContextSnapshot::parse(sender_text);
    auto receiver_snapshot = rtpe::srtp::ContextSnapshot::parse(receiver_text);
    ASSERT_TRUE(sender_snapshot && receiver_snapshot) << sender_text;
    EXPECT_EQ(sender_snapshot->to_string(), sender_text);
    Context sender2(*sender_snapshot), receiver2(*receiver_snapshot);
    EXPECT_EQ(sender2.stream(3), sender.stream(3));
    // A packet protected by the original is accepted by the restored receiver, with the
    // ROC carried over, and the last one is still known as seen.
    auto packet = rtp_packet(static_cast<uint16_t>(65530 + 30), 3);
    auto again = rtp_packet(static_cast<uint16_t>(65530 + 29), 3);
    ASSERT_EQ(apply(&Context::protect_rtp, sender2, packet), Status::ok);
    ASSERT_EQ(apply(&Context::protect_rtp, sender2, again), Status::ok);
    EXPECT_EQ(apply(&Context::unprotect_rtp, receiver2, packet), Status::ok);
    EXPECT_EQ(apply(&Context::unprotect_rtp, receiver2, again), Status::replayed);
    auto rtcp = rtcp_packet(3);
    ASSERT_EQ(apply(&Context::protect_rtcp, sender2, rtcp), Status::ok);
    EXPECT_EQ(apply(&Context::unprotect_rtcp, receiver2, rtcp), Status::ok);
    EXPECT_EQ(receiver2.stream(3)->received_srtcp, 30u);
}

INSTANTIATE_TEST_SUITE_P(AllSuites, SrtpEverySuite,
                         ::testing::Range(std::size_t{0}, rtpe::srtp::crypto_suites().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                             return std::string(rtpe::srtp::crypto_suites()[info.param].name);
                         });

TEST(SrtpContext, ReplayWindowEdges) {
    for (unsigned window : {64u, 128u}) {
        ContextOptions options;
        options.replay_window = window;
        const CryptoSuite& s = *rtpe::srtp::find_suite("AES_CM_128_HMAC_SHA1_80");
        Context sender = make_context(s, options), receiver = make_context(s, options);
        std::vector<std::vector<uint8_t>> sent;
        for (uint16_t seq = 0; seq < 300; ++seq) {
            auto p = rtp_packet(seq, 1);
            ASSERT_EQ(apply(&Context::protect_rtp, sender, p), Status::ok);
            sent.push_back(p);
        }
        auto last = sent[299];
        ASSERT_EQ(apply(&Context::unprotect_rtp, receiver, last), Status::ok);
        auto inside = sent[299 - (window - 1)];
        EXPECT_EQ(apply(&Context::unprotect_rtp, receiver, inside), Status::ok);
        auto outside = sent[299 - window];
        EXPECT_EQ(apply(&Context::unprotect_rtp, receiver, outside), Status::too_old);
        inside = sent[299 - (window - 1)];
        EXPECT_EQ(apply(&Context::unprotect_rtp, receiver, inside), Status::replayed);
    }
}

TEST(SrtpContext, SessionParamsChangeTheTransform) {
    const CryptoSuite& s = *rtpe::srtp::find_suite("AES_CM_128_HMAC_SHA1_80");
    ContextOptions options;
    options.unencrypted_srtp = true;
    options.unencrypted_srtcp = true;
    Context clear_sender = make_context(s, options), clear_receiver = make_context(s, options);
    auto packet = rtp_packet(1, 1);
    const auto plain = packet;
    ASSERT_EQ(apply(&Context::protect_rtp, clear_sender, packet), Status::ok);
    EXPECT_TRUE(std::equal(plain.begin(), plain.end(), packet.begin()));
    EXPECT_EQ(packet.size(), plain.size() + 10);
    ASSERT_EQ(apply(&Context::unprotect_rtp, clear_receiver, packet), Status::ok);
    auto rtcp = rtcp_packet(1);
    ASSERT_EQ(apply(&Context::protect_rtcp, clear_sender, rtcp), Status::ok);
    EXPECT_EQ(rtcp[rtcp.size() - 14] & 0x80, 0);  // E flag clear
    // A receiver without the flag still reads it: the E flag says what happened.
    Context receiver = make_context(s);
    EXPECT_EQ(apply(&Context::unprotect_rtcp, receiver, rtcp), Status::ok);
    EXPECT_EQ(rtcp, rtcp_packet(1));

    options = {};
    options.unauthenticated_srtp = true;
    Context open_sender = make_context(s, options), open_receiver = make_context(s, options);
    packet = rtp_packet(2, 1);
    ASSERT_EQ(apply(&Context::protect_rtp, open_sender, packet), Status::ok);
    EXPECT_EQ(packet.size(), plain.size());
    ASSERT_EQ(apply(&Context::unprotect_rtp, open_receiver, packet), Status::ok);
    EXPECT_EQ(packet, rtp_packet(2, 1));

    options = {};
    options.unauthenticated_srtp = true;
    EXPECT_THROW(make_context(*rtpe::srtp::find_suite("AEAD_AES_128_GCM"), options), std::invalid_argument);
    options = {};
    options.key_derivation_rate = 3;
    EXPECT_THROW(make_context(s, options), std::invalid_argument);
}

TEST(SrtpContext, NoRoomAndBadHeaders) {
    const CryptoSuite& s = *rtpe::srtp::find_suite("AES_CM_128_HMAC_SHA1_80");
    Context c = make_context(s);
    auto packet = rtp_packet(1, 1);
    std::vector<uint8_t> buffer(packet);
    buffer.resize(packet.size() + 9);
    std::size_t length = packet.size();
    EXPECT_EQ(c.protect_rtp(buffer, length), Status::no_room);
    packet[0] = 0x40;
    EXPECT_EQ(apply(&Context::protect_rtp, c, packet), Status::malformed);
    packet = rtp_packet(1, 1, 0, 0, true);
    packet[15] = 0xff;  // extension longer than the packet
    EXPECT_EQ(apply(&Context::protect_rtp, c, packet), Status::malformed);
    length = 400;
    EXPECT_EQ(c.protect_rtp(buffer, length), Status::too_short);  // length beyond the buffer
}

TEST(SrtpContext, SsrcTableIsBoundedAndForgeriesDoNotEnterIt) {
    const CryptoSuite& s = *rtpe::srtp::find_suite("AES_CM_128_HMAC_SHA1_80");
    Context sender = make_context(s), receiver = make_context(s);
    for (uint32_t ssrc = 1; ssrc <= 3 * Context::kMaxStreams; ++ssrc) {
        auto packet = rtp_packet(10, ssrc);
        ASSERT_EQ(apply(&Context::protect_rtp, sender, packet), Status::ok);
        ASSERT_EQ(apply(&Context::unprotect_rtp, receiver, packet), Status::ok);
    }
    EXPECT_FALSE(receiver.stream(1));
    EXPECT_TRUE(receiver.stream(3 * Context::kMaxStreams));
    EXPECT_EQ(receiver.snapshot().streams.size(), Context::kMaxStreams);
    auto forged = rtp_packet(10, 0xdead);
    forged.resize(forged.size() + 10);
    EXPECT_EQ(apply(&Context::unprotect_rtp, receiver, forged), Status::auth_failed);
    EXPECT_FALSE(receiver.stream(0xdead));
}

}  // namespace
