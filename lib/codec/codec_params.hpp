#pragma once

// What a decoder or encoder is made for: a registry entry plus what the SDP said about it.

#include "codec/registry.hpp"

#include <string_view>

namespace rtpe::codec {

struct CodecParams {
    const CodecDef* def = nullptr;
    int clock_rate = 0;      // as SDP writes it; 0: the codec's default
    int channels = 0;        // as SDP writes it; 0: the codec's default
    int ptime = 0;           // ms per packet (encoders); 0: the codec's default
    int bitrate = 0;         // bit/s (encoders); 0: format parameters or the default
    std::string_view fmtp;   // the a=fmtp of the side that receives what we encode, or
                             // of the side that sends what we decode
    int output_channels = 0; // decoders: channels of the PCM they give; 0: the codec's
    int audio_rate = 0;      // PCM rate on our side, for codecs that run at several (Opus:
                             // 8, 12, 16, 24 or 48 kHz); 0 or one it cannot: the codec's own
};

}  // namespace rtpe::codec
