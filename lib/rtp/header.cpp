#include "rtp/header.hpp"

namespace rtpe::rtp {

namespace {

bool valid_rtcp(const uint8_t* d, std::size_t n) {
    // Each RTCP packet of a compound states its length in 32-bit words minus one.
    std::size_t offset = 0;
    while (offset < n) {
        if (n - offset < 4 || (d[offset] >> 6) != 2)
            return false;
        const std::size_t words = (static_cast<std::size_t>(d[offset + 2]) << 8) | d[offset + 3];
        offset += (words + 1) * 4;
    }
    return offset == n && n >= 8;
}

bool valid_rtp(const uint8_t* d, std::size_t n) {
    std::size_t header = 12 + 4 * static_cast<std::size_t>(d[0] & 0x0f);
    if (n < header)
        return false;
    if (d[0] & 0x10) {
        if (n < header + 4)
            return false;
        header += 4 + 4 * ((static_cast<std::size_t>(d[header + 2]) << 8) | d[header + 3]);
        if (n < header)
            return false;
    }
    if (d[0] & 0x20) {
        const std::size_t padding = d[n - 1];
        if (padding == 0 || header + padding > n)
            return false;
    }
    return true;
}

}  // namespace

PacketKind classify(const uint8_t* data, std::size_t length) {
    if (length < 8 || (data[0] >> 6) != 2)
        return PacketKind::other;
    const uint8_t type = data[1] & 0x7f;
    if (type >= 64 && type <= 95)
        return valid_rtcp(data, length) ? PacketKind::rtcp : PacketKind::other;
    return valid_rtp(data, length) ? PacketKind::rtp : PacketKind::other;
}

}  // namespace rtpe::rtp
