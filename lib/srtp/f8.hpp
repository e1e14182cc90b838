#pragma once

// AES in f8 mode (RFC 3711 4.1.2), built on single AES blocks: IV' = E(k_e XOR m, IV)
// with m = k_s || 0x55..55, then S(j) = E(k_e, IV' XOR j XOR S(j-1)), S(-1) = 0.

#include "crypto/aes.hpp"

#include <span>

namespace rtpe::srtp {

class AesF8 {
public:
    // salt may be shorter than the key (RFC 3711 B.1 uses 4 bytes); it is padded with
    // 0x55 to the key length for the key mask.
    AesF8(std::span<const uint8_t> key, std::span<const uint8_t> salt);

    // XORs the keystream for this IV into data, in place.
    bool apply(const crypto::AesBlock& iv, crypto::MutableBytes data);

private:
    crypto::AesEcb cipher_;
    crypto::AesEcb masked_;
};

}  // namespace rtpe::srtp
