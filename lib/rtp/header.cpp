#include "rtp/header.hpp"

#include "rtp/byte_order.hpp"

namespace rtpe::rtp {

namespace {

bool valid_rtcp(const uint8_t* d, std::size_t n) {
    // Each RTCP packet of a compound states its length in 32-bit words minus one.
    std::size_t offset = 0;
    while (offset < n) {
        if (n - offset < 4 || (d[offset] >> 6) != 2)
            return false;
        const std::size_t words = be16(d + offset + 2);
        offset += (words + 1) * 4;
    }
    return offset == n && n >= 8;
}

bool is_rtcp_type(const uint8_t* d) {
    const uint8_t type = d[1] & 0x7f;
    return type >= 64 && type <= 95;
}

// The header length (fixed part, CSRCs, extension) of a version-2 packet, or 0 when any
// of it, or the padding the last byte claims, does not fit.
std::size_t rtp_header_length(const uint8_t* d, std::size_t n) {
    std::size_t header = 12 + 4 * static_cast<std::size_t>(d[0] & 0x0f);
    if (n < header)
        return 0;
    if (d[0] & 0x10) {
        if (n < header + 4)
            return 0;
        header += 4 + 4 * static_cast<std::size_t>(be16(d + header + 2));
        if (n < header)
            return 0;
    }
    if (d[0] & 0x20) {
        const std::size_t padding = d[n - 1];
        if (padding == 0 || header + padding > n)
            return 0;
    }
    return header;
}

}  // namespace

Demux demux(const uint8_t* data, std::size_t length) {
    if (length == 0)
        return Demux::other;
    const uint8_t b = data[0];
    if (b <= 3)
        return Demux::stun;
    if (b >= 16 && b <= 19)
        return Demux::zrtp;
    if (b >= 20 && b <= 63)
        return Demux::dtls;
    if (b >= 64 && b <= 79)
        return Demux::turn_channel;
    if (b >= 128 && b <= 191)
        return Demux::rtp_or_rtcp;
    return Demux::other;
}

bool has_rtcp_header(const uint8_t* data, std::size_t length) {
    return length >= 8 && (data[0] >> 6) == 2 && is_rtcp_type(data);
}

PacketKind classify(const uint8_t* data, std::size_t length) {
    if (length < 8 || (data[0] >> 6) != 2)
        return PacketKind::other;
    if (is_rtcp_type(data))
        return valid_rtcp(data, length) ? PacketKind::rtcp : PacketKind::other;
    return length >= 12 && rtp_header_length(data, length) ? PacketKind::rtp : PacketKind::other;
}

bool parse_rtp(const uint8_t* d, std::size_t n, RtpHeader& out) {
    if (n < 12 || (d[0] >> 6) != 2 || is_rtcp_type(d))
        return false;
    const std::size_t header = rtp_header_length(d, n);
    if (!header)
        return false;
    const std::size_t padding = (d[0] & 0x20) ? d[n - 1] : 0;
    out.payload_type = d[1] & 0x7f;
    out.marker = (d[1] & 0x80) != 0;
    out.sequence = be16(d + 2);
    out.timestamp = be32(d + 4);
    out.ssrc = be32(d + 8);
    out.payload_offset = header;
    out.payload_length = n - header - padding;
    return true;
}

bool rtcp_sender_ssrc(const uint8_t* data, std::size_t length, uint32_t& ssrc) {
    if (length < 8)
        return false;
    ssrc = be32(data + 4);
    return true;
}

}  // namespace rtpe::rtp

namespace rtpe::rtp {

std::optional<std::span<const uint8_t>> header_extension(const uint8_t* d, std::size_t n, uint8_t id) {
    if (id == 0 || n < 12 || (d[0] >> 6) != 2 || !(d[0] & 0x10) || !rtp_header_length(d, n))
        return std::nullopt;
    const std::size_t at = 12 + 4 * static_cast<std::size_t>(d[0] & 0x0f);
    const uint16_t profile = be16(d + at);
    const std::size_t end = at + 4 + 4 * static_cast<std::size_t>(be16(d + at + 2));  // fits: checked above
    const bool one_byte = profile == 0xBEDE;
    if (!one_byte && (profile & 0xFFF0) != 0x1000)
        return std::nullopt;
    for (std::size_t p = at + 4; p < end;) {
        if (d[p] == 0) {  // padding
            ++p;
            continue;
        }
        uint8_t element = 0;
        std::size_t size = 0, header = 0;
        if (one_byte) {
            element = d[p] >> 4;
            if (element == 15)  // reserved: stop (RFC 8285 4.2)
                return std::nullopt;
            size = (d[p] & 0x0f) + 1u;
            header = 1;
        } else {
            if (p + 2 > end)
                return std::nullopt;
            element = d[p];
            size = d[p + 1];
            header = 2;
        }
        if (p + header + size > end)
            return std::nullopt;
        if (element == id)
            return std::span<const uint8_t>(d + p + header, size);
        p += header + size;
    }
    return std::nullopt;
}

}  // namespace rtpe::rtp
