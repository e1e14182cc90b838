#include "dtls/fingerprint.hpp"

#include <array>

namespace rtpe::dtls {

namespace {
struct HashInfo {
    HashFunction hash;
    std::string_view name;
    std::size_t length;
};

constexpr std::array kHashes{
    HashInfo{HashFunction::sha_256, "sha-256", 32}, HashInfo{HashFunction::sha_1, "sha-1", 20},
    HashInfo{HashFunction::sha_224, "sha-224", 28}, HashInfo{HashFunction::sha_384, "sha-384", 48},
    HashInfo{HashFunction::sha_512, "sha-512", 64},
};
constexpr std::array kOrder{HashFunction::sha_256, HashFunction::sha_1, HashFunction::sha_224,
                            HashFunction::sha_384, HashFunction::sha_512};

const HashInfo& info(HashFunction hash) {
    for (const HashInfo& h : kHashes)
        if (h.hash == hash)
            return h;
    return kHashes[0];
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}
}  // namespace

std::span<const HashFunction> hash_functions() {
    return kOrder;
}

std::string_view to_string(HashFunction hash) {
    return info(hash).name;
}

std::optional<HashFunction> find_hash_function(std::string_view name) {
    for (const HashInfo& h : kHashes) {
        if (h.name.size() != name.size())
            continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size() && same; ++i)
            same = lower(name[i]) == h.name[i];
        if (same)
            return h.hash;
    }
    return std::nullopt;
}

std::size_t digest_length(HashFunction hash) {
    return info(hash).length;
}

std::string Fingerprint::hex() const {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(digest.size() * 3);
    for (std::size_t i = 0; i < digest.size(); ++i) {
        if (i)
            out += ':';
        out += kDigits[digest[i] >> 4];
        out += kDigits[digest[i] & 15];
    }
    return out;
}

std::string Fingerprint::to_string() const {
    std::string out(dtls::to_string(hash));
    out += ' ';
    out += hex();
    return out;
}

std::optional<Fingerprint> Fingerprint::parse(std::string_view value) {
    const std::size_t space = value.find_first_of(" \t");
    if (space == std::string_view::npos)
        return std::nullopt;
    auto hash = find_hash_function(value.substr(0, space));
    if (!hash)
        return std::nullopt;
    std::string_view hex = value.substr(space);
    while (!hex.empty() && (hex.front() == ' ' || hex.front() == '\t'))
        hex.remove_prefix(1);
    while (!hex.empty() && (hex.back() == ' ' || hex.back() == '\t' || hex.back() == '\r'))
        hex.remove_suffix(1);
    Fingerprint out;
    out.hash = *hash;
    // Pairs of hex digits separated by single colons.
    std::size_t i = 0;
    while (i < hex.size()) {
        if (i + 2 > hex.size())
            return std::nullopt;
        const int high = hex_value(hex[i]), low = hex_value(hex[i + 1]);
        if (high < 0 || low < 0)
            return std::nullopt;
        out.digest.push_back(static_cast<uint8_t>(high << 4 | low));
        i += 2;
        if (i < hex.size()) {
            if (hex[i] != ':' || i + 1 == hex.size())
                return std::nullopt;
            ++i;
        }
    }
    if (out.digest.size() != digest_length(*hash))
        return std::nullopt;
    return out;
}

}  // namespace rtpe::dtls
