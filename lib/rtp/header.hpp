#pragma once
// Cheap structural checks of what arrives on a media socket: the first-byte
// demultiplexing of RFC 7983 (STUN, DTLS, RTP/RTCP, other), RTP against RTCP as RFC 5761
// says, and a bounds-checked view of an RTP header (RFC 3550).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace rtpe::rtp {

// What the first byte of a datagram says it is (RFC 7983 section 7).
enum class Demux : uint8_t { stun, zrtp, dtls, turn_channel, rtp_or_rtcp, other };
Demux demux(const uint8_t* data, std::size_t length);

enum class PacketKind { rtp, rtcp, other };

// Version 2, a fixed header that fits, CSRCs, extension and padding within the length.
// A payload type byte of 192-223 (with the marker bit: 64-95) is RTCP.
PacketKind classify(const uint8_t* data, std::size_t length);
// RTCP by its first header alone (RFC 5761 section 4: version 2, packet type 192-223): what
// SRTCP is, whose encrypted compound cannot be checked further.
bool has_rtcp_header(const uint8_t* data, std::size_t length);

// The fields of a valid RTP header; payload is what lies between header and padding.
struct RtpHeader {
    uint8_t payload_type = 0;
    bool marker = false;
    uint16_t sequence = 0;
    uint32_t timestamp = 0;
    uint32_t ssrc = 0;
    std::size_t payload_offset = 0;
    std::size_t payload_length = 0;
};

// True (and out filled) for a well-formed RTP packet that is not RTCP.
bool parse_rtp(const uint8_t* data, std::size_t length, RtpHeader& out);

// The value of header extension element `id` (RFC 8285: one-byte 0xBEDE or two-byte
// 0x100x profile, ids 1-14 / 1-255) of a valid RTP packet; nullopt when it has none.
std::optional<std::span<const uint8_t>> header_extension(const uint8_t* data, std::size_t length, uint8_t id);

// The sender SSRC of an RTCP packet (bytes 4-7 of its first part); false when too short.
bool rtcp_sender_ssrc(const uint8_t* data, std::size_t length, uint32_t& ssrc);

}  // namespace rtpe::rtp
