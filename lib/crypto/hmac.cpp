#include "crypto/hmac.hpp"

// The keyed HMAC keeps two SHA-1 states (key XOR ipad, key XOR opad absorbed) and
// copies them per message. SHA_CTX is a plain struct, so that copy is a memcpy; the
// EVP_MAC and EVP_MD_CTX routes of OpenSSL 3.0 duplicate provider contexts on every
// message (a malloc and a free each time), which the packet path must not do. The
// low-level SHA-1 calls are deprecated in OpenSSL 3 but still the assembler (SHA-NI)
// implementation; this file alone uses them.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace rtpe::crypto {

struct HmacSha1::State {
    SHA_CTX inner;
    SHA_CTX outer;
};

namespace {
[[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("OpenSSL: ") + what);
}

constexpr std::size_t kBlock = 64;

void key_states(ByteView key, SHA_CTX& inner, SHA_CTX& outer) {
    uint8_t block[kBlock] = {};
    if (key.size() > kBlock) {
        SHA_CTX hashed;
        SHA1_Init(&hashed);
        SHA1_Update(&hashed, key.data(), key.size());
        SHA1_Final(block, &hashed);
    } else if (!key.empty()) {
        std::memcpy(block, key.data(), key.size());
    }
    uint8_t pad[kBlock];
    for (std::size_t i = 0; i < kBlock; ++i)
        pad[i] = block[i] ^ 0x36;
    SHA1_Init(&inner);
    SHA1_Update(&inner, pad, kBlock);
    for (std::size_t i = 0; i < kBlock; ++i)
        pad[i] = block[i] ^ 0x5c;
    SHA1_Init(&outer);
    SHA1_Update(&outer, pad, kBlock);
    OPENSSL_cleanse(block, sizeof(block));
    OPENSSL_cleanse(pad, sizeof(pad));
}
}  // namespace

HmacSha1::HmacSha1(ByteView key) : state_(std::make_unique<State>()) {
    rekey(key);
}

HmacSha1::~HmacSha1() {
    if (state_)
        OPENSSL_cleanse(state_.get(), sizeof(State));
}
HmacSha1::HmacSha1(HmacSha1&&) noexcept = default;
HmacSha1& HmacSha1::operator=(HmacSha1&&) noexcept = default;

void HmacSha1::rekey(ByteView key) {
    key_states(key, state_->inner, state_->outer);
}

Sha1Digest HmacSha1::tag(std::initializer_list<ByteView> parts) {
    SHA_CTX ctx = state_->inner;
    for (ByteView p : parts)
        if (!p.empty())
            SHA1_Update(&ctx, p.data(), p.size());
    Sha1Digest out{};
    SHA1_Final(out.data(), &ctx);
    ctx = state_->outer;
    SHA1_Update(&ctx, out.data(), out.size());
    SHA1_Final(out.data(), &ctx);
    return out;
}

Sha1Digest hmac_sha1(ByteView key, std::initializer_list<ByteView> parts) {
    return HmacSha1(key).tag(parts);
}

void random_bytes(std::span<uint8_t> out) {
    if (!out.empty() && RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
        fail("RAND_bytes");
}

}  // namespace rtpe::crypto
