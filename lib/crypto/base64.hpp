#pragma once

// Base64 (RFC 4648, standard alphabet) for SDES key parameters (RFC 4568). Written
// here rather than over EVP_EncodeBlock because decoding has to be lenient the way SDP
// peers are: padding may be missing.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rtpe::crypto {

// With '=' padding.
std::string base64_encode(std::span<const uint8_t> data);

// Accepts the text with or without its '=' padding; nullopt for any other character,
// for padding in the middle, or for a length no encoding produces.
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

}  // namespace rtpe::crypto
