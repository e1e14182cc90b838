#pragma once

// The AMR and AMR-WB RTP payload format (RFC 4867 4), single channel, no interleaving or
// CRC: a payload to and from speech frames in storage format (RFC 4867 5.3: one header
// byte FT<<3 | Q<<2, then the speech bits padded to whole bytes), which is what
// opencore-amrnb's and ffmpeg's AMR decoders take. Both framings: bandwidth-efficient (4.3) and octet-aligned (4.4).
// No allocation: frames go into a fixed buffer; a payload with more frames than it holds
// is refused.

#include "codec/status.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace rtpe::codec {

inline constexpr int kAmrNoData = 15;
inline constexpr std::size_t kAmrMaxFrames = 16;       // 320 ms per packet
inline constexpr std::size_t kAmrMaxFrameBytes = 61;   // header + 477 bits (AMR-WB 23.85k)

// Speech bits of frame type `ft` (0 for NO_DATA / SPEECH_LOST), or -1 when the type is
// not one we carry (AMR: 0-8 and 15; AMR-WB: 0-9, 14 and 15).
int amr_frame_bits(bool wideband, int ft);

struct AmrFrames {
    int cmr = kAmrNoData;            // codec mode request; 15: none
    std::size_t count = 0;
    struct Frame {
        uint8_t type;                 // FT
        bool quality;                 // Q: 0 means the frame is damaged
        uint8_t size;                 // bytes of storage frame, header included
    };
    std::array<Frame, kAmrMaxFrames> frames{};
    std::array<std::array<uint8_t, kAmrMaxFrameBytes>, kAmrMaxFrames> storage{};

    std::span<const uint8_t> storage_frame(std::size_t i) const { return {storage[i].data(), frames[i].size}; }
};

// invalid_payload on anything that is not a whole, well-formed payload (reserved frame
// types, a ToC that runs out, too few speech bits, non-zero CMR padding bits are allowed).
Status amr_depacketize(std::span<const uint8_t> payload, bool wideband, bool octet_align, AmrFrames& out);

// The reverse: frames (storage format) into a payload. Returns the payload's length, or 0
// when `out` is too small or a frame's header and size disagree.
std::size_t amr_packetize(const AmrFrames& frames, bool wideband, bool octet_align, std::span<uint8_t> out);

}  // namespace rtpe::codec
