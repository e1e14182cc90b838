#include "srtp/suite.hpp"
#include "util/parse.hpp"

#include <array>

namespace rtpe::srtp {

namespace {
constexpr uint64_t kSrtpLifetime = uint64_t{1} << 48;
constexpr uint64_t kSrtcpLifetime = uint64_t{1} << 31;

// name, dtls name, cipher, master key, master salt, session key, session salt, auth key,
// SRTP tag, SRTCP tag, lifetimes, unencrypted SRTP allowed, unauthenticated SRTP allowed
constexpr std::array kSuites{
    CryptoSuite{"AEAD_AES_256_GCM", "SRTP_AEAD_AES_256_GCM", Cipher::aes_gcm, 32, 12, 32, 12, 0, 16, 16,
                kSrtpLifetime, kSrtcpLifetime, false, false},
    CryptoSuite{"AEAD_AES_128_GCM", "SRTP_AEAD_AES_128_GCM", Cipher::aes_gcm, 16, 12, 16, 12, 0, 16, 16,
                kSrtpLifetime, kSrtcpLifetime, false, false},
    CryptoSuite{"AES_256_CM_HMAC_SHA1_80", "", Cipher::aes_cm, 32, 14, 32, 14, 20, 10, 10, kSrtpLifetime,
                kSrtcpLifetime, true, true},
    CryptoSuite{"AES_256_CM_HMAC_SHA1_32", "", Cipher::aes_cm, 32, 14, 32, 14, 20, 4, 10, kSrtpLifetime,
                kSrtcpLifetime, true, true},
    CryptoSuite{"AES_192_CM_HMAC_SHA1_80", "", Cipher::aes_cm, 24, 14, 24, 14, 20, 10, 10, kSrtpLifetime,
                kSrtcpLifetime, true, true},
    CryptoSuite{"AES_192_CM_HMAC_SHA1_32", "", Cipher::aes_cm, 24, 14, 24, 14, 20, 4, 10, kSrtpLifetime,
                kSrtcpLifetime, true, true},
    CryptoSuite{"AES_CM_128_HMAC_SHA1_80", "SRTP_AES128_CM_SHA1_80", Cipher::aes_cm, 16, 14, 16, 14, 20, 10, 10,
                kSrtpLifetime, kSrtcpLifetime, true, true},
    CryptoSuite{"AES_CM_128_HMAC_SHA1_32", "SRTP_AES128_CM_SHA1_32", Cipher::aes_cm, 16, 14, 16, 14, 20, 4, 10,
                kSrtpLifetime, kSrtcpLifetime, true, true},
    CryptoSuite{"F8_128_HMAC_SHA1_80", "", Cipher::aes_f8, 16, 14, 16, 14, 20, 10, 10, kSrtpLifetime,
                kSrtcpLifetime, true, true},
    CryptoSuite{"F8_128_HMAC_SHA1_32", "", Cipher::aes_f8, 16, 14, 16, 14, 20, 4, 10, kSrtpLifetime,
                kSrtcpLifetime, true, true},
    CryptoSuite{"NULL_HMAC_SHA1_80", "", Cipher::null, 16, 14, 0, 0, 20, 10, 10, kSrtpLifetime, kSrtcpLifetime,
                true, true},
    CryptoSuite{"NULL_HMAC_SHA1_32", "", Cipher::null, 16, 14, 0, 0, 20, 4, 10, kSrtpLifetime, kSrtcpLifetime,
                true, true},
};

}  // namespace

std::span<const CryptoSuite> crypto_suites() {
    return kSuites;
}

const CryptoSuite* find_suite(std::string_view name) {
    for (const CryptoSuite& s : kSuites)
        if (equals_ignoring_case(s.name, name))
            return &s;
    return nullptr;
}

const CryptoSuite* find_suite_by_dtls_name(std::string_view name) {
    for (const CryptoSuite& s : kSuites)
        if (!s.dtls_name.empty() && s.dtls_name == name)
            return &s;
    return nullptr;
}

}  // namespace rtpe::srtp
