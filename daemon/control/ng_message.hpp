#pragma once
// The ng wire frame: "<cookie> <dictionary>", the dictionary in bencode or in JSON.

#include <optional>
#include <string>
#include <string_view>

#include "bencode/value.hpp"

namespace rtpe::control {

enum class WireFormat { bencode, json };

struct NgFrame {
    std::string_view cookie;
    std::string_view body;
};

// Splits at the first space; nullopt when there is no non-empty cookie before it.
std::optional<NgFrame> split_frame(std::string_view datagram);

// A body starting with '{' is JSON; everything else is taken for bencode.
WireFormat detect_format(std::string_view body);

struct DecodedBody {
    std::optional<bencode::Value> dictionary;  // set on success
    std::string error;                         // upstream's error reason otherwise
};
DecodedBody decode_body(std::string_view body, WireFormat format);

std::string encode_reply(std::string_view cookie, const bencode::Value& reply, WireFormat format);

}  // namespace rtpe::control
