#pragma once
// Hex strings for test vectors, spaces ignored.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rtpe::test {

inline std::vector<uint8_t> unhex(std::string_view s) {
    std::vector<uint8_t> out;
    int high = -1;
    for (char c : s) {
        int v;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else
            continue;
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<uint8_t>(high << 4 | v));
            high = -1;
        }
    }
    return out;
}

template <typename Bytes>
std::string hex(const Bytes& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (uint8_t b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

inline std::string hex_of(std::string_view s) {
    return hex(unhex(s));
}

}  // namespace rtpe::test
