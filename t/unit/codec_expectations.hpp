#pragma once
// Expectations shared by the bencode and JSON codec tests; each passes its own decoder.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "bencode/value.hpp"

namespace rtpe::test_support {

using Decoder = std::optional<bencode::Value> (*)(std::string_view, std::string*);

// Decodes a document that must be valid.
inline bencode::Value must_decode(Decoder decode, std::string_view in) {
    std::string error;
    auto v = decode(in, &error);
    EXPECT_TRUE(v.has_value()) << "input: " << in << " error: " << error;
    return v.value_or(bencode::Value{});
}

// The error text for a document that must be rejected.
inline std::string reject(Decoder decode, std::string_view in) {
    std::string error;
    auto v = decode(in, &error);
    EXPECT_FALSE(v.has_value()) << "accepted: " << in;
    EXPECT_FALSE(error.empty()) << "no reason for: " << in;
    return error;
}

}  // namespace rtpe::test_support
