#pragma once
// Strict text-to-number conversions for options, config files and control messages:
// the whole string must be consumed, no whitespace, no silent wrap-around.

#include <cstdint>
#include <optional>
#include <string_view>

namespace rtpe {

std::optional<int64_t> parse_int(std::string_view text);
std::optional<double> parse_double(std::string_view text);
// "true"/"false" and the other spellings GLib's key files accept (yes/no, on/off, 1/0).
std::optional<bool> parse_bool(std::string_view text);

}  // namespace rtpe
