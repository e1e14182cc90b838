#include "srtp/context.hpp"
#include "hex.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using rtpe::srtp::Context;
using rtpe::srtp::ContextOptions;
using rtpe::srtp::CryptoSuite;
using rtpe::srtp::SessionKeys;
using rtpe::srtp::Status;
using rtpe::test::hex;
using rtpe::test::hex_of;
using rtpe::test::unhex;

const CryptoSuite& suite(std::string_view name) {
    const CryptoSuite* s = rtpe::srtp::find_suite(name);
    EXPECT_NE(s, nullptr) << name;
    return *s;
}

SessionKeys keys(std::string_view key, std::string_view salt) {
    SessionKeys k;
    const auto kv = unhex(key), sv = unhex(salt);
    std::copy(kv.begin(), kv.end(), k.key.begin());
    std::copy(sv.begin(), sv.end(), k.salt.begin());
    k.key_length = static_cast<uint8_t>(kv.size());
    k.salt_length = static_cast<uint8_t>(sv.size());
    return k;
}

// Runs one of the context's operations on a copy of packet with generous room after it.
Status run(Status (Context::*op)(std::span<uint8_t>, std::size_t&), Context& c, std::vector<uint8_t>& packet) {
    std::vector<uint8_t> buffer(packet);
    buffer.resize(packet.size() + 64);
    std::size_t length = packet.size();
    const Status s = (c.*op)(buffer, length);
    if (s == Status::ok)
        packet.assign(buffer.begin(), buffer.begin() + static_cast<long>(length));
    return s;
}

const char* kRfc7714Salt = "517569642070726f2071756f";
const char* kRfc7714Key128 = "000102030405060708090a0b0c0d0e0f";
const char* kRfc7714Key256 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const char* kRfc7714Rtp =
    "8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976 69736120 696e2070 61727465 73207472 "
    "6573";
const char* kRfc7714Rtcp =
    "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef "
    "deadbeef";

Context rfc7714(std::string_view name, const char* key, ContextOptions options = {}) {
    return Context::with_session_keys(suite(name), keys(key, kRfc7714Salt), keys(key, kRfc7714Salt), options);
}

// RFC 7714 16.1 and 16.2: SRTP with AEAD_AES_128_GCM and AEAD_AES_256_GCM.
TEST(SrtpRfc7714, RtpPacketVectors) {
    struct {
        const char *name, *key, *protected_packet;
    } cases[] = {
        {"AEAD_AES_128_GCM", kRfc7714Key128,
         "8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a 51c7d19b "
         "36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce"},
        {"AEAD_AES_256_GCM", kRfc7714Key256,
         "8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa 332e33aa b1801238 9a58e2f3 b50b2a02 76ffae0f "
         "1ba63799 b87b7aa3 db36dfff d6b0f9bb 7878d7a7 6c13"},
    };
    for (const auto& c : cases) {
        Context sender = rfc7714(c.name, c.key), receiver = rfc7714(c.name, c.key);
        auto packet = unhex(kRfc7714Rtp);
        ASSERT_EQ(run(&Context::protect_rtp, sender, packet), Status::ok);
        EXPECT_EQ(hex(packet), hex_of(c.protected_packet)) << c.name;
        ASSERT_EQ(run(&Context::unprotect_rtp, receiver, packet), Status::ok);
        EXPECT_EQ(hex(packet), hex_of(kRfc7714Rtp));
    }
}

// RFC 7714 17.1-17.4: SRTCP, encrypted and authentication-only, SRTCP index 0x5d4.
TEST(SrtpRfc7714, RtcpPacketVectors) {
    struct {
        const char *name, *key;
        bool encrypted;
        const char* protected_packet;
    } cases[] = {
        {"AEAD_AES_128_GCM", kRfc7714Key128, true,
         "81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d c676a5f1 730d6fda 4ce09b46 "
         "86303ded 0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4"},
        {"AEAD_AES_256_GCM", kRfc7714Key256, true,
         "81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28 2c3ece5d bffe0a50 a2eaa5c1 110555be 8415f658 "
         "c61de047 6f1b6fad 1d1eb30c 4446839f 57ff6f6c b26ac3be 800005d4"},
        {"AEAD_AES_128_GCM", kRfc7714Key128, false,
         "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef "
         "deadbeef deadbeef 841dd968 3dd78ec9 2ae58790 125f62b3 000005d4"},
        {"AEAD_AES_256_GCM", kRfc7714Key256, false,
         "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef "
         "deadbeef deadbeef 91db4afb feee5a97 8fab4393 ed2615fe 000005d4"},
    };
    for (const auto& c : cases) {
        ContextOptions options;
        options.unencrypted_srtcp = !c.encrypted;
        Context sender = rfc7714(c.name, c.key, options), receiver = rfc7714(c.name, c.key);
        rtpe::srtp::StreamState state;
        state.ssrc = 0x4d617273;
        state.next_srtcp_index = 0x5d4;
        sender.restore_stream(state);
        auto packet = unhex(kRfc7714Rtcp);
        ASSERT_EQ(run(&Context::protect_rtcp, sender, packet), Status::ok);
        EXPECT_EQ(hex(packet), hex_of(c.protected_packet)) << c.name << " encrypted " << c.encrypted;
        ASSERT_EQ(run(&Context::unprotect_rtcp, receiver, packet), Status::ok);
        EXPECT_EQ(hex(packet), hex_of(kRfc7714Rtcp));
        EXPECT_EQ(run(&Context::unprotect_rtcp, receiver, packet = unhex(c.protected_packet)), Status::replayed);
    }
}

// libsrtp's own known answer (srtp_validate): AES_CM_128_HMAC_SHA1_80 with the RFC 3711
// B.3 master key, SSRC cafebabe, SEQ 0x1234, ROC 0.
TEST(SrtpKnownAnswer, LibsrtpValidateRtp) {
    Context c(suite("AES_CM_128_HMAC_SHA1_80"), unhex("E1F97A0D3E018BE0D64FA32C06DE4139"),
              unhex("0EC675AD498AFEEBB6960B3AABE6"));
    auto packet = unhex("800f1234 decafbad cafebabe abababab abababab abababab abababab");
    ASSERT_EQ(run(&Context::protect_rtp, c, packet), Status::ok);
    EXPECT_EQ(hex(packet), hex_of("800f1234 decafbad cafebabe 4e55dc4c e79978d8 8ca4d215 949d2402 b78d6acc "
                                  "99ea179b 8dbb"));
}

TEST(SrtpIndex, EstimateFollowsAppendixA) {
    using rtpe::srtp::estimate_index;
    EXPECT_EQ(estimate_index(100, 101), 101u);
    EXPECT_EQ(estimate_index(65535, 0), 0x10000u);         // wrap forward
    EXPECT_EQ(estimate_index(0x10002, 65533), 65533u);     // late packet from before the wrap
    EXPECT_EQ(estimate_index(0x10000 + 40000, 1), 0x20001u);
    EXPECT_EQ(estimate_index(5, 65000), 65000u);           // ROC 0 cannot go back
    EXPECT_EQ(estimate_index(0x30000 + 10, 60000), 0x20000u + 60000);
}

}  // namespace
