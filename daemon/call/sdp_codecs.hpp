#pragma once
// The codecs an m= line names: each RTP payload type with its encoding as the SDP's
// a=rtpmap says it (RFC 3551's table for static types without one) and its a=fmtp.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/session.hpp"

namespace rtpe::codec {
struct CodecDef;
}

namespace rtpe::call {

struct SdpCodec {
    std::string payload_type;          // as the m= line writes it
    std::string name;                  // encoding name; empty when unknown
    int clock_rate = 0;
    int channels = 1;
    std::optional<std::string> rtpmap;  // the a=rtpmap value, when the SDP had one
    std::optional<std::string> fmtp;    // the a=fmtp value (with its payload type)
    std::vector<std::string> rtcp_fb;   // its a=rtcp-fb values, in order
    // The bit rate (bit/s) its encoder is to use, from codec options (a transcode or set
    // specification's fourth part); 0: the format parameters or the codec's default. No
    // SDP carries it.
    int bitrate = 0;
    // What follows the payload type in fmtp ("useinbandfec=1"), a view into fmtp; empty
    // when none.
    std::string_view format_parameters() const;
    // The encoding as rtpmap writes it, channels only when not 1: "PCMU/8000", "opus/48000/2".
    std::string encoding() const;
    // The payload type as a number, when it is one of RTP's 0..127.
    std::optional<uint8_t> type_number() const;
    bool telephone_event() const;
    // A codec beside the real one (telephone-event, CN), as the codec registry says.
    bool supplemental() const;
};

// The registry's entry of a codec this build can both decode and encode; null for
// telephone-event, CN and codecs it lacks.
const codec::CodecDef* transcodable(const SdpCodec& c);

// The m= line's RTP formats in order; empty for non-RTP media.
std::vector<SdpCodec> sdp_codecs(const sdp::MediaSection& section);

// Whether one of codecs has this payload type.
bool has_payload_type(const std::vector<SdpCodec>& codecs, std::string_view payload_type);

}  // namespace rtpe::call
