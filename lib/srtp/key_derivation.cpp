#include "srtp/key_derivation.hpp"

#include <algorithm>
#include <stdexcept>

namespace rtpe::srtp {

uint64_t key_id(uint64_t index, uint64_t key_derivation_rate) {
    return key_derivation_rate == 0 ? 0 : index / key_derivation_rate;
}

KeyDeriver::KeyDeriver(std::span<const uint8_t> master_key, std::span<const uint8_t> master_salt)
    : prf_(master_key) {
    if (master_salt.size() != 12 && master_salt.size() != 14)
        throw std::invalid_argument("SRTP master salt must be 12 or 14 bytes");
    std::copy(master_salt.begin(), master_salt.end(), salt_.begin());
}

void KeyDeriver::derive(Label label, uint64_t r, std::span<uint8_t> out, unsigned r_bytes) {
    // x = (label || r) XOR master salt, right-aligned in 14 bytes: the label just before
    // r, r in the last r_bytes of x; the PRF input block is x * 2^16.
    if (r_bytes < 1 || r_bytes > 6)
        throw std::invalid_argument("SRTP key id width");
    crypto::AesBlock counter{};
    std::copy(salt_.begin(), salt_.end(), counter.begin());
    counter[13 - r_bytes] ^= static_cast<uint8_t>(label);
    for (unsigned i = 0; i < r_bytes; ++i)
        counter[13 - i] ^= static_cast<uint8_t>(r >> (8 * i));
    uint8_t block[16];
    for (std::size_t done = 0, n = 0; done < out.size(); ++n) {
        counter[14] = static_cast<uint8_t>(n >> 8);
        counter[15] = static_cast<uint8_t>(n);
        if (!prf_.encrypt_block(counter.data(), block))
            throw std::runtime_error("SRTP key derivation failed");
        const std::size_t take = std::min<std::size_t>(16, out.size() - done);
        std::copy(block, block + take, out.begin() + static_cast<std::ptrdiff_t>(done));
        done += take;
    }
}

SessionKeys KeyDeriver::session_keys(const CryptoSuite& suite, bool rtcp, uint64_t r) {
    SessionKeys keys;
    keys.key_length = suite.session_key_length;
    keys.salt_length = suite.session_salt_length;
    keys.auth_key_length = suite.auth_key_length;
    const auto base = static_cast<uint8_t>(rtcp ? 3 : 0);
    derive(static_cast<Label>(base + 0), r, {keys.key.data(), keys.key_length});
    derive(static_cast<Label>(base + 1), r, {keys.auth_key.data(), keys.auth_key_length});
    derive(static_cast<Label>(base + 2), r, {keys.salt.data(), keys.salt_length});
    return keys;
}

}  // namespace rtpe::srtp
