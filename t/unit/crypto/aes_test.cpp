#include "crypto/aes.hpp"
#include "crypto/base64.hpp"
#include "hex.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

using rtpe::test::hex;
using rtpe::test::hex_of;
using rtpe::test::unhex;

rtpe::crypto::AesBlock block(std::string_view h) {
    rtpe::crypto::AesBlock b{};
    const auto v = unhex(h);
    std::copy(v.begin(), v.end(), b.begin());
    return b;
}

// RFC 3711 B.2: the AES-CM keystream for session key 2B7E..., salt F0F1...FD, SSRC and
// index 0: the first three blocks and the last three of the 65282-block segment.
TEST(AesCtr, Rfc3711B2Keystream) {
    rtpe::crypto::AesCtr ctr(unhex("2B7E151628AED2A6ABF7158809CF4F3C"));
    std::vector<uint8_t> stream(65282 * 16, 0);
    ASSERT_TRUE(ctr.apply(block("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), stream));
    EXPECT_EQ(hex(std::vector<uint8_t>(stream.begin(), stream.begin() + 48)),
              hex_of("E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB "
                     "41E95B3BB0A2E8DD477901E4FCA894C0"));
    EXPECT_EQ(hex(std::vector<uint8_t>(stream.end() - 48, stream.end())),
              hex_of("EC8CDF7398607CB0F2D21675EA9EA1E4 362B7C3C6773516318A077D7FC5073AE "
                     "6A2CC3787889374FBEB4C81B17BA6C44"));
}

// RFC 6188 7.1: AES-256 counter mode keystream.
TEST(AesCtr, Rfc6188Aes256Keystream) {
    rtpe::crypto::AesCtr ctr(unhex("57f82fe3613fd170a85ec93c40b1f092 2ec4cb0dc025b58272147cc438944a98"));
    std::vector<uint8_t> stream(48, 0);
    ASSERT_TRUE(ctr.apply(block("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), stream));
    EXPECT_EQ(hex(stream), hex_of("92bdd28a93c3f52511c677d08b5515a4 9da71b2378a854f67050756ded165bac "
                                  "63c4868b7096d88421b563b8c94c9a31"));
}

TEST(AesCtr, ReusedContextRestartsAtEachIv) {
    rtpe::crypto::AesCtr ctr(unhex("000102030405060708090a0b0c0d0e0f1011121314151617"));
    std::vector<uint8_t> a(37, 0x5a), b(37, 0x5a);
    ASSERT_TRUE(ctr.apply(block("00"), a));
    ASSERT_TRUE(ctr.apply(block("01"), std::span<uint8_t>(b).first(5)));
    b.assign(37, 0x5a);
    ASSERT_TRUE(ctr.apply(block("00"), b));
    EXPECT_EQ(a, b);
    ASSERT_TRUE(ctr.apply(block("00"), a));
    EXPECT_EQ(a, std::vector<uint8_t>(37, 0x5a));
}

TEST(AesEcb, Fips197Aes128Block) {
    rtpe::crypto::AesEcb ecb(unhex("000102030405060708090a0b0c0d0e0f"));
    const auto in = unhex("00112233445566778899aabbccddeeff");
    uint8_t out[16];
    ASSERT_TRUE(ecb.encrypt_block(in.data(), out));
    EXPECT_EQ(hex(std::vector<uint8_t>(out, out + 16)), "69c4e0d86a7b0430d8cdb78070b4c55a");
}

TEST(AesEcb, RejectsOddKeyLengths) {
    EXPECT_THROW(rtpe::crypto::AesEcb(unhex("0001")), std::invalid_argument);
}

// NIST GCM test case 4 (McGrew/Viega): AES-128, 60-byte plaintext, 20-byte AAD, 96-bit IV.
TEST(AesGcm, NistTestCase4) {
    rtpe::crypto::AesGcm gcm(unhex("feffe9928665731c6d6a8f9467308308"));
    rtpe::crypto::AesGcm::Iv iv{};
    const auto ivv = unhex("cafebabefacedbaddecaf888");
    std::copy(ivv.begin(), ivv.end(), iv.begin());
    const auto aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    auto data = unhex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
        "b16aedf5aa0de657ba637b39");
    const auto plain = data;
    uint8_t tag[16];
    ASSERT_TRUE(gcm.seal(iv, aad, data, tag));
    EXPECT_EQ(hex(data), hex_of("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c"
                                "7d8f6a5aac84aa051ba30b396a0aac973d58e091"));
    EXPECT_EQ(hex(std::vector<uint8_t>(tag, tag + 16)), "5bc94fbc3221a5db94fae95ae7121a47");
    ASSERT_TRUE(gcm.open(iv, aad, data, tag));
    EXPECT_EQ(data, plain);
    // The same context decrypts and encrypts alternately; a flipped bit fails.
    ASSERT_TRUE(gcm.seal(iv, aad, data, tag));
    data[3] ^= 1;
    EXPECT_FALSE(gcm.open(iv, aad, data, tag));
}

TEST(SdesBase64, EncodesAndDecodesWithAndWithoutPadding) {
    using rtpe::crypto::base64_decode;
    using rtpe::crypto::base64_encode;
    const std::string text = "foobar";
    std::vector<uint8_t> bytes(text.begin(), text.end());
    const char* expected[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (std::size_t n = 0; n <= bytes.size(); ++n) {
        std::vector<uint8_t> part(bytes.begin(), bytes.begin() + static_cast<long>(n));
        EXPECT_EQ(base64_encode(part), expected[n]);
        EXPECT_EQ(base64_decode(expected[n]), part);
        std::string unpadded = expected[n];
        while (!unpadded.empty() && unpadded.back() == '=')
            unpadded.pop_back();
        EXPECT_EQ(base64_decode(unpadded), part);
    }
    EXPECT_FALSE(base64_decode("Zm9v!"));
    EXPECT_FALSE(base64_decode("Z"));
    EXPECT_FALSE(base64_decode("Zg=")); // padding that does not complete a group
    EXPECT_FALSE(base64_decode("Zg==Zg=="));
}

}  // namespace
