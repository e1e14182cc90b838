#pragma once
// Cheap structural checks of RTP and RTCP packets (RFC 3550, demultiplexed as RFC 5761
// says), so the relay can drop what is neither.

#include <cstddef>
#include <cstdint>

namespace rtpe::rtp {

enum class PacketKind { rtp, rtcp, other };

// Version 2, a fixed header that fits, CSRCs, extension and padding within the length.
// A payload type byte of 192-223 (with the marker bit: 64-95) is RTCP.
PacketKind classify(const uint8_t* data, std::size_t length);

}  // namespace rtpe::rtp
