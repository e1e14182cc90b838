#pragma once

// AES for SRTP (RFC 3711, RFC 6188, RFC 7714) over OpenSSL's EVP: single blocks (the key
// derivation PRF and AES-f8 are built on them), counter mode keystream, and GCM. Each
// type is keyed once; per-packet calls reuse the one EVP_CIPHER_CTX, re-initialised with
// a new IV only, and allocate nothing. A failure of OpenSSL on the packet path (which
// only happens on a broken library) is reported as false, never thrown.

#include "crypto/hmac.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace rtpe::crypto {

using MutableBytes = std::span<uint8_t>;
using AesBlock = std::array<uint8_t, 16>;

// The EVP context shared by the three modes; keeps OpenSSL's types out of this header.
class EvpCipher {
public:
    enum class Mode : uint8_t { ecb, ctr, gcm };
    // Throws std::invalid_argument for a key that is not 16, 24 or 32 bytes, and
    // std::runtime_error when OpenSSL fails.
    EvpCipher(Mode mode, ByteView key);
    ~EvpCipher();
    EvpCipher(EvpCipher&&) noexcept;
    EvpCipher& operator=(EvpCipher&&) noexcept;

    // Keeps the mode, changes the key (rare: SRTP key derivation rates); allocates nothing.
    void rekey(ByteView key);
    std::size_t key_length() const { return key_length_; }

protected:
    struct State;
    std::unique_ptr<State> state_;
    Mode mode_;
    std::size_t key_length_ = 0;
};

// AES on single 16-byte blocks (ECB without padding).
class AesEcb : public EvpCipher {
public:
    explicit AesEcb(ByteView key) : EvpCipher(Mode::ecb, key) {}
    // in and out may be the same block.
    bool encrypt_block(const uint8_t* in, uint8_t* out);
};

// AES counter mode: the 16-byte IV is the first counter block, the whole block is
// incremented big-endian (SRTP's AES-ICM leaves the low 16 bits of its IV zero, so the
// two agree for any packet shorter than 1 MiB).
class AesCtr : public EvpCipher {
public:
    explicit AesCtr(ByteView key) : EvpCipher(Mode::ctr, key) {}
    // XORs the keystream into data, in place.
    bool apply(const AesBlock& iv, MutableBytes data);
};

// AES-GCM with a 12-byte IV and a 16-byte tag (the only shapes SRTP uses).
class AesGcm : public EvpCipher {
public:
    static constexpr std::size_t kIvLength = 12;
    static constexpr std::size_t kTagLength = 16;
    using Iv = std::array<uint8_t, kIvLength>;
    using Tag = std::array<uint8_t, kTagLength>;

    explicit AesGcm(ByteView key) : EvpCipher(Mode::gcm, key) {}
    // Encrypts data in place and writes the tag over aad and the ciphertext.
    bool seal(const Iv& iv, ByteView aad, MutableBytes data, uint8_t* tag_out);
    // Checks the tag and decrypts data in place; false when the tag does not match
    // (data is then garbage and must be dropped).
    bool open(const Iv& iv, ByteView aad, MutableBytes data, const uint8_t* tag);
};

}  // namespace rtpe::crypto
