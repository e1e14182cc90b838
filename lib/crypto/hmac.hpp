#pragma once

// The OpenSSL wrapper's message authentication: HMAC-SHA1 as STUN (RFC 5389) and SRTP
// (RFC 3711) use it. The rest of the code sees this type, never an OpenSSL handle.

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>

namespace rtpe::crypto {

using Sha1Digest = std::array<uint8_t, 20>;
using ByteView = std::span<const uint8_t>;

// A keyed HMAC-SHA1. Keyed once, then reused for any number of messages: computing a
// tag allocates nothing, so the packet path may use it.
class HmacSha1 {
public:
    explicit HmacSha1(ByteView key);
    ~HmacSha1();
    HmacSha1(HmacSha1&&) noexcept;
    HmacSha1& operator=(HmacSha1&&) noexcept;

    // The tag over the concatenation of the parts.
    Sha1Digest tag(std::initializer_list<ByteView> parts);

    // Replaces the key (SRTP re-derives session keys with a key derivation rate);
    // allocates nothing.
    void rekey(ByteView key);

private:
    struct State;
    std::unique_ptr<State> state_;
};

// One-off convenience for control-plane callers.
Sha1Digest hmac_sha1(ByteView key, std::initializer_list<ByteView> parts);

// Cryptographically strong random bytes (RAND_bytes); throws std::runtime_error when
// the generator fails, which OpenSSL reports only when it cannot be seeded.
void random_bytes(std::span<uint8_t> out);

}  // namespace rtpe::crypto
