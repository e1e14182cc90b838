#include "crypto/hmac.hpp"

#include "hex.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using rtpe::crypto::ByteView;

ByteView bytes(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

using rtpe::test::hex;

// RFC 2202, section 3: test cases 1, 2 and 6 (a key longer than the block).
TEST(HmacSha1, Rfc2202Vectors) {
    const std::vector<uint8_t> key1(20, 0x0b);
    EXPECT_EQ(hex(rtpe::crypto::hmac_sha1(key1, {bytes("Hi There")})), "b617318655057264e28bc0b6fb378c8ef146be00");
    EXPECT_EQ(hex(rtpe::crypto::hmac_sha1(bytes("Jefe"), {bytes("what do ya want for nothing?")})),
              "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    const std::vector<uint8_t> key6(80, 0xaa);
    EXPECT_EQ(hex(rtpe::crypto::hmac_sha1(key6, {bytes("Test Using Larger Than Block-Size Key - Hash Key First")})),
              "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

TEST(HmacSha1, PartsAreConcatenatedAndTheContextIsReusable) {
    rtpe::crypto::HmacSha1 mac(bytes("Jefe"));
    const auto whole = mac.tag({bytes("what do ya want for nothing?")});
    EXPECT_EQ(mac.tag({bytes("what do ya "), bytes(""), bytes("want for nothing?")}), whole);
    EXPECT_EQ(mac.tag({bytes("what do ya want for nothing?")}), whole);
    EXPECT_NE(mac.tag({bytes("what do ya want for nothing!")}), whole);
}

TEST(RandomBytes, FillsTheBuffer) {
    std::vector<uint8_t> a(32), b(32);
    rtpe::crypto::random_bytes(a);
    rtpe::crypto::random_bytes(b);
    EXPECT_NE(a, b);
}

}  // namespace
