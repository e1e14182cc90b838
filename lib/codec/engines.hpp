#pragma once

// Inside lib/codec only: the factories behind make_decoder/make_encoder, one per library.

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"

namespace rtpe::codec::detail {

std::unique_ptr<Decoder> make_av_decoder(const CodecParams& params, Status& status);
std::unique_ptr<Encoder> make_av_encoder(const CodecParams& params, Status& status);
std::unique_ptr<Decoder> make_bcg729_decoder(const CodecParams& params, Status& status);
std::unique_ptr<Encoder> make_bcg729_encoder(const CodecParams& params, Status& status);
std::unique_ptr<Encoder> make_amr_encoder(const CodecParams& params, Status& status);
std::unique_ptr<Decoder> make_opus_decoder(const CodecParams& params, Status& status);
std::unique_ptr<Encoder> make_opus_encoder(const CodecParams& params, Status& status);
// AMR: opencore-amrnb's decoder (its DTX); AMR-WB: make_av_decoder's.
std::unique_ptr<Decoder> make_amr_decoder(const CodecParams& params, Status& status);

// The opus side of an SDP as our encoder/decoder sees it.
int opus_encoder_channels(const CodecParams& params);
int opus_decoder_channels(const CodecParams& params);

}  // namespace rtpe::codec::detail
