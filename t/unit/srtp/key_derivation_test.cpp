#include "srtp/f8.hpp"
#include "hex.hpp"
#include "srtp/key_derivation.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using rtpe::srtp::KeyDeriver;
using rtpe::srtp::Label;
using rtpe::test::hex;
using rtpe::test::hex_of;
using rtpe::test::unhex;

std::string derive(KeyDeriver& d, Label label, std::size_t n, uint64_t r = 0, unsigned r_bytes = 6) {
    std::vector<uint8_t> out(n);
    d.derive(label, r, out, r_bytes);
    return hex(out);
}

// RFC 3711 B.3, including the whole 94-byte auth key the appendix lists.
TEST(SrtpKeyDerivation, Rfc3711B3) {
    KeyDeriver d(unhex("E1F97A0D3E018BE0D64FA32C06DE4139"), unhex("0EC675AD498AFEEBB6960B3AABE6"));
    EXPECT_EQ(derive(d, Label::rtp_encryption, 16), hex_of("C61E7A93744F39EE10734AFE3FF7A087"));
    EXPECT_EQ(derive(d, Label::rtp_salt, 14), hex_of("30CBBC08863D8C85D49DB34A9AE1"));
    EXPECT_EQ(derive(d, Label::rtp_auth, 94),
              hex_of("CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE "
                     "E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25 "
                     "6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2"));
}

// RFC 6188 7.2: AES_256_CM_PRF.
TEST(SrtpKeyDerivation, Rfc6188Aes256Prf) {
    KeyDeriver d(unhex("f0f04914b513f2763a1b1fa130f10e29 98f6f6e43e4309d1e622a0e332b9f1b6"),
                 unhex("3b04803de51ee7c96423ab5b78d2"));
    EXPECT_EQ(derive(d, Label::rtp_encryption, 32),
              hex_of("5ba1064e30ec51613cad926c5a28ef73 1ec7fb397f70a960653caf06554cd8c4"));
    EXPECT_EQ(derive(d, Label::rtp_salt, 14), hex_of("fa31791685ca444a9e07c6c64e93"));
    EXPECT_EQ(derive(d, Label::rtp_auth, 20), hex_of("fd9c32d39ed5fbb5a9dc96b30818454d1313dc05"));
}

// RFC 6188 7.4: AES_192_CM_PRF (the first 16 bytes of the cipher key, as quoted in
// libsrtp issue #763).
TEST(SrtpKeyDerivation, Rfc6188Aes192Prf) {
    KeyDeriver d(unhex("73edc66c4fa15776fb57f9505c171365 50ffda71f3e8e5f1"), unhex("c8522f3acd4ce86d5add78edbb11"));
    EXPECT_EQ(derive(d, Label::rtp_encryption, 24).substr(0, 32), hex_of("31874736a8f1143870c26e4857d8a5b2"));
}

// Key derivation rates: NIST ACVP SRTP KDF cases as OpenSSL's evpkdf_srtp.txt carries
// them (the rate as a number, r = index DIV rate). ACVP makes r 32 bits wide for the
// SRTCP labels; contexts use 48 bits for both, as libsrtp does (see key_derivation.hpp).
TEST(SrtpKeyDerivation, AcvpVectorsWithKeyDerivationRate) {
    struct Case {
        const char *key, *salt;
        uint64_t kdr, rtp_index, rtcp_index;
        const char *ke, *ka, *ks, *rke, *rka, *rks;
    };
    const Case cases[] = {
        {"8C307F105F79D5D2C26B1A933AE22CD5", "563B4C15458D977B68080242CEE1", 1, 0x08284B49F520, 0x69B62109,
         "A920DF50EAA111D03FBE9B203121C07D", "A337DC070C0DAFA942F1E3A27ACD3C9917CE4B4D", "9E2BC99C86037F2AD98D72927428",
         "94D76CA7ADB05b8631CF62538D97BE74", "FA02251D693645BC1001f83C5A13CB3E3D77F7EA", "70C0481A04E3610EC8AF8623FA9B"},
        {"127A535F66D5D43135E5DB87F04AF2DB", "82D0D04DC693E29E0FE7FECBF041", 2, 0x3D6FECDCE1BE, 0x1C7B571C,
         "A2F4D858CCDF585D9C5CA787C5A3031F", "C140C97CAC05B2ED338AD353014A90012F37B45C", "AA6DE94B3BCB5108EFD350AD6936",
         "2844C8F56E2AF865E4EBBD0D083A4FAE", "50135309CF64D5162723749CCF085708F8E81636", "47CB081EC69F7E74FEB3FCD1BD20"},
        {"CF08F8159FCF18DA8108A3FE3B707C2B", "4AF8352708E0A164C6645A63E5BB", 8, 0xF4EE616415B9, 0x13DE080C,
         "B46322B06F6E4B189F27744EAD8C5173", "F9F246054B3D4AA2520CE2612192749AA6970BB0", "18EA8EA36A90617224FBFBCB849A",
         "F4140d2419f7A75CEE91FC942CD94514", "6E65548ABFE131FF91E7AE75409F96AD9D9FE345", "2C195A5AA9F539BD7CC7D6E23483"},
    };
    for (const Case& c : cases) {
        KeyDeriver d(unhex(c.key), unhex(c.salt));
        const uint64_t r = rtpe::srtp::key_id(c.rtp_index, c.kdr);
        const uint64_t rr = rtpe::srtp::key_id(c.rtcp_index, c.kdr);
        EXPECT_EQ(derive(d, Label::rtp_encryption, 16, r), hex_of(c.ke)) << c.key;
        EXPECT_EQ(derive(d, Label::rtp_auth, 20, r), hex_of(c.ka)) << c.key;
        EXPECT_EQ(derive(d, Label::rtp_salt, 14, r), hex_of(c.ks)) << c.key;
        EXPECT_EQ(derive(d, Label::rtcp_encryption, 16, rr, 4), hex_of(c.rke)) << c.key;
        EXPECT_EQ(derive(d, Label::rtcp_auth, 20, rr, 4), hex_of(c.rka)) << c.key;
        EXPECT_EQ(derive(d, Label::rtcp_salt, 14, rr, 4), hex_of(c.rks)) << c.key;
    }
}

TEST(SrtpKeyDerivation, KeyIdIsZeroWithoutRate) {
    EXPECT_EQ(rtpe::srtp::key_id(0x123456789abc, 0), 0u);
    EXPECT_EQ(rtpe::srtp::key_id(0x10000, 0x100), 0x100u);
}

// A 12-byte AEAD master salt is padded on the right; the padded and unpadded derive alike.
TEST(SrtpKeyDerivation, AeadSaltIsPaddedOnTheRight) {
    KeyDeriver twelve(unhex("000102030405060708090a0b0c0d0e0f"), unhex("a0a1a2a3a4a5a6a7a8a9aaab"));
    KeyDeriver fourteen(unhex("000102030405060708090a0b0c0d0e0f"), unhex("a0a1a2a3a4a5a6a7a8a9aaab0000"));
    for (auto label : {Label::rtp_encryption, Label::rtp_salt, Label::rtcp_encryption, Label::rtcp_salt})
        EXPECT_EQ(derive(twelve, label, 16), derive(fourteen, label, 16));
}

// RFC 3711 B.1: AES-f8 with a 4-byte salt key.
TEST(SrtpF8, Rfc3711B1) {
    rtpe::srtp::AesF8 f8(unhex("234829008467be186c3de14aae72d62c"), unhex("32f2870d"));
    rtpe::crypto::AesBlock iv{};
    const auto ivv = unhex("006e5cba50681de55c621599d462564a");
    std::copy(ivv.begin(), ivv.end(), iv.begin());
    auto data = unhex("70736575646f72616e646f6d6e65737320697320746865206e65787420626573" "74207468696e67");
    ASSERT_TRUE(f8.apply(iv, data));
    EXPECT_EQ(hex(data), hex_of("019ce7a26e7854014a6366aa95d4eefd 1ad4172a14f9faf455b7f1d4b62bd08f 562c0eef7c4802"));
}

}  // namespace
