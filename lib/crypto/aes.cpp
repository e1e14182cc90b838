#include "crypto/aes.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <climits>
#include <stdexcept>
#include <string>

namespace rtpe::crypto {

struct EvpCipher::State {
    EVP_CIPHER* cipher = nullptr;
    EVP_CIPHER_CTX* ctx = nullptr;
    ~State() {
        EVP_CIPHER_CTX_free(ctx);
        EVP_CIPHER_free(cipher);
    }
};

namespace {
[[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("OpenSSL: ") + what);
}

const char* algorithm(EvpCipher::Mode mode, std::size_t key_length) {
    switch (mode) {
    case EvpCipher::Mode::ecb:
        return key_length == 16 ? "AES-128-ECB" : key_length == 24 ? "AES-192-ECB" : "AES-256-ECB";
    case EvpCipher::Mode::ctr:
        return key_length == 16 ? "AES-128-CTR" : key_length == 24 ? "AES-192-CTR" : "AES-256-CTR";
    case EvpCipher::Mode::gcm:
        return key_length == 16 ? "AES-128-GCM" : key_length == 24 ? "AES-192-GCM" : "AES-256-GCM";
    }
    return nullptr;
}

// EVP takes int lengths; SRTP packets are far below INT_MAX, anything else is refused.
bool fits_int(std::size_t n) {
    return n <= static_cast<std::size_t>(INT_MAX);
}
}  // namespace

EvpCipher::EvpCipher(Mode mode, ByteView key) : state_(std::make_unique<State>()), mode_(mode) {
    if (key.size() != 16 && key.size() != 24 && key.size() != 32)
        throw std::invalid_argument("AES key of " + std::to_string(key.size()) + " bytes");
    key_length_ = key.size();
    // An explicit fetch once, so that no per-call implicit fetch happens later.
    state_->cipher = EVP_CIPHER_fetch(nullptr, algorithm(mode, key.size()), nullptr);
    if (!state_->cipher)
        fail("EVP_CIPHER_fetch");
    state_->ctx = EVP_CIPHER_CTX_new();
    if (!state_->ctx)
        fail("EVP_CIPHER_CTX_new");
    if (!EVP_EncryptInit_ex(state_->ctx, state_->cipher, nullptr, key.data(), nullptr))
        fail("EVP_EncryptInit_ex");
    if (mode == Mode::ecb)
        EVP_CIPHER_CTX_set_padding(state_->ctx, 0);
}

EvpCipher::~EvpCipher() = default;
EvpCipher::EvpCipher(EvpCipher&&) noexcept = default;
EvpCipher& EvpCipher::operator=(EvpCipher&&) noexcept = default;

void EvpCipher::rekey(ByteView key) {
    if (key.size() != key_length_)
        throw std::invalid_argument("AES rekey with a key of another length");
    if (!EVP_EncryptInit_ex(state_->ctx, nullptr, nullptr, key.data(), nullptr))
        fail("EVP_EncryptInit_ex");
}

bool AesEcb::encrypt_block(const uint8_t* in, uint8_t* out) {
    int length = 0;
    return EVP_EncryptUpdate(state_->ctx, out, &length, in, 16) == 1 && length == 16;
}

bool AesCtr::apply(const AesBlock& iv, MutableBytes data) {
    if (data.empty())
        return true;
    if (!fits_int(data.size()))
        return false;
    EVP_CIPHER_CTX* ctx = state_->ctx;
    int length = 0;
    if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv.data()) != 1)
        return false;
    return EVP_EncryptUpdate(ctx, data.data(), &length, data.data(), static_cast<int>(data.size())) == 1 &&
           static_cast<std::size_t>(length) == data.size();
}

bool AesGcm::seal(const Iv& iv, ByteView aad, MutableBytes data, uint8_t* tag_out) {
    if (!fits_int(aad.size()) || !fits_int(data.size()))
        return false;
    EVP_CIPHER_CTX* ctx = state_->ctx;
    int length = 0;
    if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv.data(), 1) != 1)
        return false;
    if (!aad.empty() && EVP_CipherUpdate(ctx, nullptr, &length, aad.data(), static_cast<int>(aad.size())) != 1)
        return false;
    if (!data.empty() &&
        EVP_CipherUpdate(ctx, data.data(), &length, data.data(), static_cast<int>(data.size())) != 1)
        return false;
    uint8_t none[16];
    if (EVP_CipherFinal_ex(ctx, none, &length) != 1)
        return false;
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagLength), tag_out) == 1;
}

bool AesGcm::open(const Iv& iv, ByteView aad, MutableBytes data, const uint8_t* tag) {
    if (!fits_int(aad.size()) || !fits_int(data.size()))
        return false;
    EVP_CIPHER_CTX* ctx = state_->ctx;
    int length = 0;
    if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv.data(), 0) != 1)
        return false;
    // The tag is only read, but the control takes a non-const pointer.
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagLength), const_cast<uint8_t*>(tag)) != 1)
        return false;
    if (!aad.empty() && EVP_CipherUpdate(ctx, nullptr, &length, aad.data(), static_cast<int>(aad.size())) != 1)
        return false;
    if (!data.empty() &&
        EVP_CipherUpdate(ctx, data.data(), &length, data.data(), static_cast<int>(data.size())) != 1)
        return false;
    uint8_t none[16];
    return EVP_CipherFinal_ex(ctx, none, &length) == 1;
}

}  // namespace rtpe::crypto
