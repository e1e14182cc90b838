#include "srtp/f8.hpp"

#include <array>
#include <stdexcept>

namespace rtpe::srtp {

namespace {
std::array<uint8_t, 32> masked_key(std::span<const uint8_t> key, std::span<const uint8_t> salt) {
    if (salt.size() > key.size())
        throw std::invalid_argument("f8 salt longer than the key");
    std::array<uint8_t, 32> out{};
    for (std::size_t i = 0; i < key.size(); ++i)
        out[i] = key[i] ^ (i < salt.size() ? salt[i] : uint8_t{0x55});
    return out;
}
}  // namespace

AesF8::AesF8(std::span<const uint8_t> key, std::span<const uint8_t> salt)
    : cipher_(key), masked_(std::span<const uint8_t>(masked_key(key, salt).data(), key.size())) {}

bool AesF8::apply(const crypto::AesBlock& iv, crypto::MutableBytes data) {
    uint8_t iv_prime[16];
    if (!masked_.encrypt_block(iv.data(), iv_prime))
        return false;
    uint8_t s[16] = {};  // S(j-1), zero for j = 0
    std::size_t offset = 0;
    for (uint32_t j = 0; offset < data.size(); ++j) {
        uint8_t in[16];
        for (int i = 0; i < 16; ++i)
            in[i] = iv_prime[i] ^ s[i];
        in[12] ^= static_cast<uint8_t>(j >> 24);
        in[13] ^= static_cast<uint8_t>(j >> 16);
        in[14] ^= static_cast<uint8_t>(j >> 8);
        in[15] ^= static_cast<uint8_t>(j);
        if (!cipher_.encrypt_block(in, s))
            return false;
        const std::size_t n = data.size() - offset < 16 ? data.size() - offset : 16;
        for (std::size_t i = 0; i < n; ++i)
            data[offset + i] ^= s[i];
        offset += n;
    }
    return true;
}

}  // namespace rtpe::srtp
