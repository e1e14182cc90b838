#pragma once

// Certificate fingerprints as SDP carries them (RFC 8122 5: a=fingerprint:<hash> <hex>):
// the hash functions upstream rtpengine offers, in its order (sha-256 first), and the
// upper-case, colon-separated hex it prints. Computing one needs a Certificate
// (certificate.hpp); this part is plain text and bytes.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rtpe::dtls {

enum class HashFunction : uint8_t { sha_256, sha_1, sha_224, sha_384, sha_512 };

// All of them, in upstream's order.
std::span<const HashFunction> hash_functions();
// "sha-256", "sha-1", ... as SDP names them.
std::string_view to_string(HashFunction hash);
// By SDP name, case-insensitive as upstream compares; nullopt when unknown.
std::optional<HashFunction> find_hash_function(std::string_view name);
std::size_t digest_length(HashFunction hash);

struct Fingerprint {
    HashFunction hash = HashFunction::sha_256;
    std::vector<uint8_t> digest;

    // "sha-256 AB:CD:..." - the value of an a=fingerprint: attribute.
    std::string to_string() const;
    // Only the hex part: "AB:CD:...".
    std::string hex() const;
    // The attribute value: hash name, white space, hex pairs separated by colons (either
    // case). nullopt for an unknown hash, bad hex or a digest of the wrong length.
    static std::optional<Fingerprint> parse(std::string_view value);

    bool operator==(const Fingerprint&) const = default;
};

}  // namespace rtpe::dtls
