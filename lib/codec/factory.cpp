#include "codec/av_log.hpp"
#include "codec/engines.hpp"
#include "codec/fmtp.hpp"

namespace rtpe::codec {

namespace detail {

// RFC 7587 7.1: "stereo" says what the SDP's author wants to receive, which is what we
// encode for it; "sprop-stereo" what it will send, which is what we decode. An explicit
// channel count from the caller wins for decoding (libopus mixes either way).
int opus_encoder_channels(const CodecParams& params) {
    OpusParams opus;
    if (parse_opus_fmtp(params.fmtp, opus) != Status::ok)
        return 0;
    return opus.stereo ? 2 : 1;
}

int opus_decoder_channels(const CodecParams& params) {
    if (params.output_channels == 1 || params.output_channels == 2)
        return params.output_channels;
    OpusParams opus;
    if (parse_opus_fmtp(params.fmtp, opus) != Status::ok)
        return 0;
    return opus.sprop_stereo ? 2 : 1;
}

}  // namespace detail

namespace {

bool usable(const CodecParams& params, Status& status) {
    if (!params.def) {
        status = Status::bad_format;
        return false;
    }
    if (params.def->clock_rate == 0 || params.def->channels == 0) {
        status = Status::unsupported;  // no RTP definition
        return false;
    }
    if (params.clock_rate != 0 && params.clock_rate != params.def->clock_rate) {
        status = Status::bad_format;   // e.g. speex/8000: one rate per entry here
        return false;
    }
    return true;
}

// The engine's maker for the codec (telephone-event and the like are events, not audio:
// see dtmf.hpp).
template <typename Made>
std::unique_ptr<Made> make(const CodecParams& params, Status& status,
                           std::unique_ptr<Made> (*av)(const CodecParams&, Status&),
                           std::unique_ptr<Made> (*bcg729)(const CodecParams&, Status&),
                           std::unique_ptr<Made> (*amr)(const CodecParams&, Status&),
                           std::unique_ptr<Made> (*opus)(const CodecParams&, Status&)) {
    detail::install_av_log();
    status = Status::ok;
    if (!usable(params, status))
        return nullptr;
    switch (params.def->engine) {
    case Engine::avcodec:
        return av(params, status);
    case Engine::bcg729:
        return bcg729(params, status);
    case Engine::amr:
        return amr(params, status);
    case Engine::opus:
        return opus(params, status);
    case Engine::dtmf:
        break;
    }
    status = Status::unsupported;
    return nullptr;
}

}  // namespace

std::unique_ptr<Decoder> make_decoder(const CodecParams& params, Status& status) {
    return make<Decoder>(params, status, detail::make_av_decoder, detail::make_bcg729_decoder,
                         detail::make_amr_decoder, detail::make_opus_decoder);
}

std::unique_ptr<Encoder> make_encoder(const CodecParams& params, Status& status) {
    return make<Encoder>(params, status, detail::make_av_encoder, detail::make_bcg729_encoder,
                         detail::make_amr_encoder, detail::make_opus_encoder);
}

}  // namespace rtpe::codec
