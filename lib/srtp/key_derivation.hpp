#pragma once

// SRTP key derivation (RFC 3711 4.3): the AES-CM PRF keyed with the master key, AES-128,
// -192 or -256 by the master key's length (RFC 6188 AES_192/256_CM_PRF), over the master
// salt XOR (label || r). A 12-byte AEAD master salt is padded on the right with two zero
// bytes (RFC 7714 errata 4730), as libsrtp and upstream do.

#include "crypto/aes.hpp"
#include "srtp/suite.hpp"

#include <array>
#include <cstdint>
#include <span>

namespace rtpe::srtp {

enum class Label : uint8_t {
    rtp_encryption = 0,
    rtp_auth = 1,
    rtp_salt = 2,
    rtcp_encryption = 3,
    rtcp_auth = 4,
    rtcp_salt = 5,
};

// The keys one direction of one stream type (SRTP or SRTCP) works with.
struct SessionKeys {
    std::array<uint8_t, 32> key{};
    std::array<uint8_t, 14> salt{};
    std::array<uint8_t, 20> auth_key{};
    uint8_t key_length = 0;
    uint8_t salt_length = 0;
    uint8_t auth_key_length = 0;

    std::span<const uint8_t> key_view() const { return {key.data(), key_length}; }
    std::span<const uint8_t> salt_view() const { return {salt.data(), salt_length}; }
    std::span<const uint8_t> auth_key_view() const { return {auth_key.data(), auth_key_length}; }
};

// r = index DIV key_derivation_rate, with a rate of 0 meaning "derive once" (r = 0).
uint64_t key_id(uint64_t index, uint64_t key_derivation_rate);

// A master key and salt, keyed once, deriving any number of session keys.
class KeyDeriver {
public:
    // Throws std::invalid_argument unless the key is 16, 24 or 32 bytes and the salt
    // 12 or 14 bytes.
    KeyDeriver(std::span<const uint8_t> master_key, std::span<const uint8_t> master_salt);

    // The PRF output for one label; out may be of any length (the auth key in RFC 3711
    // B.3 is 94 bytes). r_bytes is the width of r in key_id = label || r: 6 (48 bits)
    // puts the label at byte 7 of x, which is what libsrtp and upstream do for SRTP and
    // SRTCP alike; RFC 3711 read literally (and NIST's ACVP vectors) make r as wide as the
    // SRTCP index for SRTCP labels, 4 bytes, which no deployed peer does.
    void derive(Label label, uint64_t r, std::span<uint8_t> out, unsigned r_bytes = 6);

    // The keys the suite needs for SRTP (rtcp false) or SRTCP (rtcp true).
    SessionKeys session_keys(const CryptoSuite& suite, bool rtcp, uint64_t r = 0);

private:
    crypto::AesEcb prf_;
    std::array<uint8_t, 14> salt_{};
};

}  // namespace rtpe::srtp
