#pragma once

// A decoder: RTP payloads of one codec in, 16-bit interleaved PCM out. Made on the
// control plane (make_decoder may allocate), used on the stream's worker: decode() never
// throws, reuses its packet and frame buffers, and appends to the caller's vector, which
// stops allocating once it has grown to a packet's worth.
//
// Implementations: ffmpeg's libavcodec (avcodec_decoder.cpp, also AMR-WB framing and iLBC
// frame splitting), bcg729 (bcg729_codec.cpp), libopus (opus_codec.cpp) and opencore-amrnb
// (amr_decoder.cpp).

#include "codec/audio_format.hpp"
#include "codec/codec_params.hpp"
#include "codec/status.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace rtpe::codec {

class Decoder {
public:
    virtual ~Decoder() = default;
    Decoder(const Decoder&) = delete;
    Decoder& operator=(const Decoder&) = delete;

    // Appends the samples of one payload to pcm. On an error nothing of this payload is
    // appended and the decoder stays usable for the next one.
    virtual Status decode(std::span<const uint8_t> payload, std::vector<int16_t>& pcm) = 0;

    // Appends one frame of what the codec itself plays where nothing came (its native DTX):
    // AMR decodes a NO_DATA frame, which after the sender's SID is the comfort noise it
    // describes and after speech the decoder's concealment. unsupported where
    // decodes_no_data() is false (every other codec, and AMR-WB's libavcodec decoder).
    virtual Status decode_no_data(std::vector<int16_t>& pcm) {
        (void)pcm;
        return Status::unsupported;
    }
    virtual bool decodes_no_data() const { return false; }

    // The PCM decode() gives (G.722: 16 kHz; opus: 48 kHz unless asked for less).
    AudioFormat output_format() const { return output_; }
    const CodecDef& codec() const { return *def_; }

protected:
    Decoder(const CodecDef& def, AudioFormat output) : def_(&def), output_(output) {}
    const CodecDef* def_;
    AudioFormat output_;
};

// nullptr with status set when the codec cannot be decoded here (unsupported), the
// parameters cannot work (bad_format) or the library fails (no_memory).
std::unique_ptr<Decoder> make_decoder(const CodecParams& params, Status& status);

}  // namespace rtpe::codec
