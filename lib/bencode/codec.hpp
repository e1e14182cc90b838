#pragma once
// Strict bencode reader and writer for the ng protocol.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "bencode/value.hpp"

namespace rtpe::bencode {

// Deeper documents are rejected; ng dictionaries nest three or four levels at most.
inline constexpr std::size_t kMaxDepth = 64;

// Decodes exactly one value that must span the whole input (trailing bytes are an error).
// Never recurses per nesting level and never reserves memory for a declared length before
// the bytes are present. On failure returns nullopt and, when error is given, a reason.
std::optional<Value> decode(std::string_view input, std::string* error = nullptr);

// For a byte stream carrying bencode values back to back (ng over TCP): the length of the
// complete value at the start of input, 0 while it is still incomplete, or nullopt when
// the bytes cannot be bencode. Checks only the framing; decode() checks the rest.
std::optional<std::size_t> complete_length(std::string_view input);

// The length of value's bencode form, for sizing a buffer before encode_to.
std::size_t encoded_size(const Value& value);
// Appends the bencode form of value to out.
void encode_to(const Value& value, std::string& out);
std::string encode(const Value& value);

}  // namespace rtpe::bencode
