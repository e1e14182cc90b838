#pragma once
// JSON as an alternative ng wire format, mapped onto the same Value tree as bencode.

#include <optional>
#include <string>
#include <string_view>

#include "bencode/value.hpp"

namespace rtpe::json {

// Parses one JSON document into a Value. Objects become dictionaries, arrays lists,
// strings strings, integers integers; true/false become the strings "true"/"false",
// non-integral numbers their shortest decimal text, null an empty string.
// Nesting deeper than bencode::kMaxDepth is rejected.
std::optional<bencode::Value> decode(std::string_view input, std::string* error = nullptr);

// Compact JSON text ({"result":"pong"}); byte strings that are not valid UTF-8 have
// their bad bytes replaced with U+FFFD.
std::string encode(const bencode::Value& value);

}  // namespace rtpe::json
