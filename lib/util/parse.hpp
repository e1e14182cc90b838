#pragma once
// Strict text-to-number conversions for options, config files and control messages:
// the whole string must be consumed, no whitespace, no silent wrap-around.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

namespace rtpe {

std::optional<int64_t> parse_int(std::string_view text);
std::optional<double> parse_double(std::string_view text);
// "true"/"false" and the other spellings GLib's key files accept (yes/no, on/off, 1/0).
std::optional<bool> parse_bool(std::string_view text);

// The whole of text as an integer of type T in base: no sign for unsigned types, no
// whitespace, nothing out of T's range.
template <typename T>
std::optional<T> parse_number(std::string_view text, int base = 10) {
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

// ASCII letters compared without case ("rsa" == "RSA"), everything else exactly.
bool equals_ignoring_case(std::string_view a, std::string_view b);

// Words separated by runs of spaces or tabs (SDP uses single spaces; tolerance is free).
std::vector<std::string_view> split_words(std::string_view text);
// The fields between separators, empty ones included ("a||b" -> "a", "", "b").
std::vector<std::string_view> split(std::string_view text, char separator);

}  // namespace rtpe
