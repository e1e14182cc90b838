#include "crypto/hmac.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <string>

namespace rtpe::crypto {

// HMAC_CTX is deprecated in OpenSSL 3, so the keyed state is an EVP_MAC_CTX: one keyed
// template and one working context that is refreshed from it (EVP_MAC_CTX_dup would
// allocate per message; copying into an existing context does not).
struct HmacSha1::State {
    EVP_MAC* mac = nullptr;
    EVP_MAC_CTX* keyed = nullptr;
    ~State() {
        EVP_MAC_CTX_free(keyed);
        EVP_MAC_free(mac);
    }
};

namespace {
[[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("OpenSSL: ") + what);
}
}  // namespace

HmacSha1::HmacSha1(ByteView key) : state_(std::make_unique<State>()) {
    state_->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (!state_->mac)
        fail("no HMAC");
    state_->keyed = EVP_MAC_CTX_new(state_->mac);
    if (!state_->keyed)
        fail("EVP_MAC_CTX_new");
    char digest[] = "SHA1";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
    static const uint8_t kEmpty = 0;
    if (!EVP_MAC_init(state_->keyed, key.empty() ? &kEmpty : key.data(), key.size(), params))
        fail("EVP_MAC_init");
}

HmacSha1::~HmacSha1() = default;
HmacSha1::HmacSha1(HmacSha1&&) noexcept = default;
HmacSha1& HmacSha1::operator=(HmacSha1&&) noexcept = default;

Sha1Digest HmacSha1::tag(std::initializer_list<ByteView> parts) {
    // Re-initialising with a null key restarts the MAC with the key already set.
    EVP_MAC_CTX* ctx = state_->keyed;
    Sha1Digest out{};
    if (!EVP_MAC_init(ctx, nullptr, 0, nullptr))
        fail("EVP_MAC_init");
    for (ByteView p : parts)
        if (!p.empty() && !EVP_MAC_update(ctx, p.data(), p.size()))
            fail("EVP_MAC_update");
    std::size_t length = 0;
    if (!EVP_MAC_final(ctx, out.data(), &length, out.size()) || length != out.size())
        fail("EVP_MAC_final");
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
