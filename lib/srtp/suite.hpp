#pragma once

// The SRTP crypto suites as upstream rtpengine names and orders them (its daemon/crypto.c
// table, strongest first): SDES names (RFC 4568, RFC 6188, RFC 7714), DTLS-SRTP profile
// names (RFC 5764, RFC 7714), and every length the transforms need. This table is the one
// place these facts live.

#include <cstdint>
#include <span>
#include <string_view>

namespace rtpe::srtp {

enum class Cipher : uint8_t {
    aes_cm,   // AES in counter mode (RFC 3711 4.1.1, RFC 6188)
    aes_f8,   // AES in f8 mode (RFC 3711 4.1.2)
    null,     // no encryption (RFC 3711 4.1.3)
    aes_gcm,  // AEAD AES-GCM (RFC 7714): encryption and authentication in one
};

struct CryptoSuite {
    std::string_view name;       // SDES crypto-suite name
    std::string_view dtls_name;  // DTLS-SRTP protection profile, empty when there is none
    Cipher cipher;
    uint8_t master_key_length;
    uint8_t master_salt_length;
    uint8_t session_key_length;   // 0 for the NULL cipher
    uint8_t session_salt_length;  // 0 for the NULL cipher
    uint8_t auth_key_length;      // HMAC-SHA1 key; 0 for AEAD
    uint8_t srtp_tag_length;      // bytes after the payload: HMAC tag, or the GCM tag
    uint8_t srtcp_tag_length;     // always the full 80 bits for HMAC (RFC 3711 5.2)
    uint64_t srtp_lifetime;       // packets per master key (RFC 3711 9.2)
    uint64_t srtcp_lifetime;
    // RFC 4568 6.3 session parameters that make sense with this suite: AEAD cannot
    // leave SRTP unauthenticated or unencrypted (RFC 7714 14.2 only defines the
    // authentication-only mode for SRTCP, via its E flag).
    bool allows_unencrypted_srtp;
    bool allows_unauthenticated_srtp;

    bool aead() const { return cipher == Cipher::aes_gcm; }
};

// All suites, in upstream's order.
std::span<const CryptoSuite> crypto_suites();

// By SDES name, case-insensitive as upstream compares them; nullptr when unknown.
const CryptoSuite* find_suite(std::string_view name);

// By DTLS-SRTP profile name (e.g. "SRTP_AES128_CM_SHA1_80"); nullptr when unknown.
const CryptoSuite* find_suite_by_dtls_name(std::string_view name);

}  // namespace rtpe::srtp
