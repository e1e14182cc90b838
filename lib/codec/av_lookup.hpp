#pragma once

// Inside lib/codec only: the ffmpeg implementation behind a registry entry.

#include "codec/registry.hpp"

struct AVCodec;

namespace rtpe::codec {

// nullptr when the build has none (or the codec is not an ffmpeg one).
const AVCodec* find_av_decoder(const CodecDef& def);
const AVCodec* find_av_encoder(const CodecDef& def);

}  // namespace rtpe::codec
