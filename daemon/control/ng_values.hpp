#pragma once
// Reading ng dictionary values the lenient way clients send them: numbers as integers or
// as strings, lists as lists or as a single string.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bencode/value.hpp"

namespace rtpe::control {

std::string string_of(const bencode::Value& dict, std::string_view key);
std::vector<std::string> strings_of(const bencode::Value& dict, std::string_view key);
std::optional<int64_t> integer_of(const bencode::Value& dict, std::string_view key);

}  // namespace rtpe::control
