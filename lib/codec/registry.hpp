#pragma once

// The codecs upstream rtpengine knows, by their RTP encoding name as SDP writes it, and
// what this build can do with each (the ffmpeg decoders and encoders found at run time,
// bcg729 for G.729, our own telephone-event handling). Facts per codec: the clock rate
// SDP writes and the rate of the audio behind it (G.722: 8000 in SDP, 16 kHz audio),
// default channels, packet time, bit rate and format parameters.
//
// The table is immutable; support is probed once, on first use, and is thread-safe.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace rtpe::codec {

// Which library implements a codec here.
enum class Engine : uint8_t {
    avcodec,     // ffmpeg's libavcodec
    bcg729,      // G.729 / G.729a
    dtmf,        // telephone-event (RFC 4733): ours, tones through spandsp
    amr,         // AMR, AMR-WB: libavcodec decodes; opencore-amrnb, vo-amrwbenc encode
    opus,        // libopus
};

struct CodecDef {
    std::string_view name;        // RTP encoding name, as SDP writes it
    int clock_rate;               // as SDP writes it; 0: no RTP definition
    int audio_rate;               // samples per second of the audio (G.722: 16000)
    int channels;                 // default channel count; 0: no RTP definition
    int default_ptime;            // ms; 0: none (telephone-event)
    int minimum_ptime;            // ms; 0: no minimum
    int default_bitrate;          // bit/s; 0: fixed by the codec
    std::string_view default_fmtp;
    int static_payload_type;      // RFC 3551 static type, -1: dynamic
    Engine engine;
    bool supplemental;            // telephone-event, CN: beside a real codec
};

// All codecs in upstream's order (the order of `--codecs`).
std::span<const CodecDef> all_codecs();

// By encoding name, case-insensitive as SDP encoding names are (RFC 4855 3);
// nullptr when unknown.
const CodecDef* find_codec(std::string_view name);

struct Support {
    bool decode = false;
    bool encode = false;
};

// What this build can do with the codec (probed once).
Support support(const CodecDef& def);

// One line per codec, as `rtpengine --codecs` prints them:
// "%20s: fully supported" and its siblings, each ending in '\n'.
std::string codecs_report();
std::string codec_report_line(const CodecDef& def);

}  // namespace rtpe::codec
