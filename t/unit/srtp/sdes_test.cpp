#include "hex.hpp"
#include "srtp/sdes.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using rtpe::srtp::format_sdes;
using rtpe::srtp::parse_sdes;

TEST(SdesSuites, UpstreamNamesAndOrder) {
    std::string names;
    for (const auto& s : rtpe::srtp::crypto_suites())
        names += std::string(s.name) + " ";
    EXPECT_EQ(names,
              "AEAD_AES_256_GCM AEAD_AES_128_GCM AES_256_CM_HMAC_SHA1_80 AES_256_CM_HMAC_SHA1_32 "
              "AES_192_CM_HMAC_SHA1_80 AES_192_CM_HMAC_SHA1_32 AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32 "
              "F8_128_HMAC_SHA1_80 F8_128_HMAC_SHA1_32 NULL_HMAC_SHA1_80 NULL_HMAC_SHA1_32 ");
    EXPECT_EQ(rtpe::srtp::find_suite("aes_cm_128_hmac_sha1_80"), rtpe::srtp::find_suite("AES_CM_128_HMAC_SHA1_80"));
    EXPECT_EQ(rtpe::srtp::find_suite("AES_CM_256_HMAC_SHA1_80"), nullptr);
    EXPECT_EQ(rtpe::srtp::find_suite_by_dtls_name("SRTP_AEAD_AES_128_GCM")->name, "AEAD_AES_128_GCM");
}

// The RFC 4568 example (section 4) and its round trip.
TEST(SdesParse, Rfc4568Example) {
    const std::string line =
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4 FEC_ORDER=FEC_SRTP";
    std::string error;
    auto c = parse_sdes(line, &error);
    ASSERT_TRUE(c) << error;
    EXPECT_EQ(c->tag, 1u);
    ASSERT_NE(c->suite, nullptr);
    ASSERT_EQ(c->keys.size(), 1u);
    EXPECT_EQ(c->keys[0].key.size(), 16u);
    EXPECT_EQ(c->keys[0].salt.size(), 14u);
    EXPECT_EQ(c->keys[0].lifetime, uint64_t{1} << 20);
    EXPECT_EQ(c->keys[0].mki_value, 1u);
    EXPECT_EQ(c->keys[0].mki_bytes(), (std::vector<uint8_t>{0, 0, 0, 1}));
    EXPECT_EQ(c->fec_order, "FEC_SRTP");
    EXPECT_EQ(format_sdes(*c), line);
    EXPECT_EQ(c->context_options().mki, (std::vector<uint8_t>{0, 0, 0, 1}));
}

TEST(SdesParse, SessionParamsAndSeveralKeys) {
    const std::string line =
        "7 AES_256_CM_HMAC_SHA1_32 "
        "inline:8AbZePWwsKhLGX3GlXA+yHYPQ3cgraer/9DkFJYCOPZZy3o9wC0NIbIFYZfyHw==|1048576|2:1;"
        "inline:2GLk3p/csdno4KlGO1TxCVaEt+bifmDlQ5NjnCb5cJYPURiGRSTBEtEq37db8g==|2^31|3:1 "
        "KDR=10 UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP WSH=128 FEC_KEY=inline:abc X-FOO=1";
    std::string error;
    auto c = parse_sdes(line, &error);
    ASSERT_TRUE(c) << error;
    ASSERT_EQ(c->keys.size(), 2u);
    EXPECT_EQ(c->keys[0].lifetime, 1048576u);
    EXPECT_FALSE(c->keys[0].lifetime_as_power);
    EXPECT_EQ(c->keys[1].mki_bytes(), std::vector<uint8_t>{3});
    EXPECT_TRUE(c->unencrypted_srtp && c->unencrypted_srtcp && c->unauthenticated_srtp);
    EXPECT_EQ(c->kdr, 10);
    EXPECT_EQ(c->wsh, 128u);
    EXPECT_EQ(c->other_params, (std::vector<std::string>{"FEC_KEY=inline:abc", "X-FOO=1"}));
    // Written back as upstream writes keys: without the base64 padding.
    std::string unpadded = line;
    for (auto at = unpadded.find("==|"); at != std::string::npos; at = unpadded.find("==|"))
        unpadded.erase(at, 2);
    EXPECT_EQ(format_sdes(*c), unpadded);
    const auto o = c->context_options(1);
    EXPECT_EQ(o.key_derivation_rate, 1024u);
    EXPECT_EQ(o.mki, std::vector<uint8_t>{3});
}

TEST(SdesParse, UnknownSuiteIsKeptVerbatim) {
    const std::string line = "3 SOME_FUTURE_SUITE inline:whatever|x FOO";
    auto c = parse_sdes(line);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->suite, nullptr);
    EXPECT_EQ(format_sdes(*c), line);
}

TEST(SdesParse, KeysWithoutPaddingAreAccepted) {
    auto c = parse_sdes("1 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->keys[0].key.size(), 16u);
    EXPECT_EQ(c->keys[0].salt.size(), 12u);
}

TEST(SdesParse, RejectsBrokenLines) {
    const char* bad[] = {
        "",
        "1 AES_CM_128_HMAC_SHA1_80",
        "x AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
        "1234567890 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtx",           // short key
        "1 AES_CM_128_HMAC_SHA1_80 uri:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^x",
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:0",
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|256:1",
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:1|2^20",
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR KDR=25",
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR WSH=10",
        "1 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw== UNAUTHENTICATED_SRTP",
        // two keys need MKIs
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR;"
        "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
    };
    for (const char* line : bad) {
        std::string error;
        EXPECT_FALSE(parse_sdes(line, &error)) << line;
    }
}

TEST(SdesGenerate, OfferKeysAreRandomAndParseBack) {
    for (const auto& s : rtpe::srtp::crypto_suites()) {
        const auto a = rtpe::srtp::make_sdes(5, s), b = rtpe::srtp::make_sdes(5, s);
        EXPECT_NE(a.keys[0].key, b.keys[0].key);
        const std::string line = format_sdes(a);
        auto parsed = parse_sdes(line);
        ASSERT_TRUE(parsed) << line;
        EXPECT_EQ(parsed->keys, a.keys);
        EXPECT_EQ(format_sdes(*parsed), line);
        EXPECT_EQ(parsed->key_params, a.key_params);
    }
}

}  // namespace
