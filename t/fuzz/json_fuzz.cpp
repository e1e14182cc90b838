// Decoding must never crash or throw, and whatever decodes must survive encode/decode unchanged.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bencode/codec.hpp"
#include "json/json_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto first = rtpe::json::decode(input);
    if (!first)
        return 0;
    const std::string encoded = rtpe::json::encode(*first);
    const auto second = rtpe::json::decode(encoded);
    if (!second || *second != *first)
        __builtin_trap();
    if (rtpe::json::encode(*second) != encoded)
        __builtin_trap();
    // Both wire formats share one tree: a JSON message must also survive bencode unchanged.
    const auto via_bencode = rtpe::bencode::decode(rtpe::bencode::encode(*first));
    if (!via_bencode || *via_bencode != *first)
        __builtin_trap();
    return 0;
}
