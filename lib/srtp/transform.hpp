#pragma once

// The keyed primitives one stream type (SRTP or SRTCP) of a context uses, built from its
// session keys: the cipher the suite names and, unless the suite is AEAD, HMAC-SHA1.

#include "crypto/aes.hpp"
#include "crypto/hmac.hpp"
#include "srtp/f8.hpp"
#include "srtp/key_derivation.hpp"
#include "srtp/suite.hpp"

#include <optional>

namespace rtpe::srtp {

struct Transform {
    Transform(const CryptoSuite& suite, const SessionKeys& keys);
    // New session keys of the same suite (a key derivation rate): the AES-CM, GCM and
    // HMAC contexts are re-keyed in place; f8 is rebuilt.
    void rekey(const SessionKeys& new_keys);

    const CryptoSuite* suite;
    SessionKeys keys;
    std::optional<crypto::AesCtr> ctr;
    std::optional<AesF8> f8;
    std::optional<crypto::AesGcm> gcm;
    std::optional<crypto::HmacSha1> hmac;
};

}  // namespace rtpe::srtp
