// Decoding must never crash, and whatever decodes must survive encode/decode unchanged.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bencode/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto first = rtpe::bencode::decode(input);
    if (!first)
        return 0;
    const std::string encoded = rtpe::bencode::encode(*first);
    const auto second = rtpe::bencode::decode(encoded);
    if (!second || *second != *first)
        __builtin_trap();
    // Not compared with the input itself: duplicate keys collapse, so only the second
    // encoding is required to be a fixed point.
    if (rtpe::bencode::encode(*second) != encoded)
        __builtin_trap();
    return 0;
}
