#pragma once
// Network byte order reads and writes for the STUN code; callers check the bounds first.

#include <cstddef>
#include <cstdint>

namespace rtpe::stun::wire {

inline uint16_t get16(const uint8_t* p) {
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

inline uint32_t get32(const uint8_t* p) {
    return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
           (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

inline uint64_t get64(const uint8_t* p) {
    return (static_cast<uint64_t>(get32(p)) << 32) | get32(p + 4);
}

inline void put16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

inline void put32(uint8_t* p, uint32_t v) {
    put16(p, static_cast<uint16_t>(v >> 16));
    put16(p + 2, static_cast<uint16_t>(v));
}

inline void put64(uint8_t* p, uint64_t v) {
    put32(p, static_cast<uint32_t>(v >> 32));
    put32(p + 4, static_cast<uint32_t>(v));
}

// Attribute values are padded to a multiple of four bytes.
inline constexpr std::size_t padded(std::size_t n) {
    return (n + 3) & ~static_cast<std::size_t>(3);
}

}  // namespace rtpe::stun::wire
