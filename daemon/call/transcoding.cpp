#include "daemon/call/transcoding.hpp"

#include <algorithm>

#include "codec/codec_params.hpp"
#include "codec/registry.hpp"
#include "util/log.hpp"
#include "util/parse.hpp"

namespace rtpe::call {

namespace {

const codec::CodecDef* transcodable(const SdpCodec& c) {
    const codec::CodecDef* def = c.name.empty() ? nullptr : codec::find_codec(c.name);
    if (!def || def->supplemental)
        return nullptr;
    const codec::Support s = codec::support(*def);
    return s.decode && s.encode ? def : nullptr;
}

const SdpCodec* first_transcodable(const std::vector<SdpCodec>& codecs) {
    for (const auto& c : codecs)
        if (transcodable(c))
            return &c;
    return nullptr;
}

codec::CodecParams params_of(const SdpCodec& c, const std::string& fmtp) {
    codec::CodecParams p;
    p.def = transcodable(c);
    p.clock_rate = c.clock_rate;
    p.channels = c.channels;
    p.fmtp = fmtp;
    return p;
}

}  // namespace

std::optional<Transcoding> transcoding_for(const std::vector<SdpCodec>& offered, const std::vector<SdpCodec>& answered) {
    for (const auto& a : answered)
        if (std::any_of(offered.begin(), offered.end(), [&](const SdpCodec& o) { return o.payload_type == a.payload_type; }))
            return std::nullopt;
    const SdpCodec* from_offer = first_transcodable(offered);
    const SdpCodec* from_answer = first_transcodable(answered);
    if (!from_offer || !from_answer)
        return std::nullopt;
    return Transcoding{*from_offer, *from_answer};
}

std::optional<media::Transcoder::Chain> make_chain(const SdpCodec& from, const SdpCodec& to) {
    const auto from_type = parse_int(from.payload_type), to_type = parse_int(to.payload_type);
    if (!from_type || !to_type || *from_type < 0 || *from_type > 127 || *to_type < 0 || *to_type > 127)
        return std::nullopt;
    const std::string from_fmtp = from.format_parameters(), to_fmtp = to.format_parameters();
    media::Transcoder::Chain chain;
    codec::Status status = codec::Status::ok;
    chain.decoder = codec::make_decoder(params_of(from, from_fmtp), status);
    if (chain.decoder)
        chain.encoder = codec::make_encoder(params_of(to, to_fmtp), status);
    if (chain.decoder && chain.encoder && chain.decoder->output_format() != chain.encoder->input_format())
        chain.resampler =
            codec::Resampler::create(chain.decoder->output_format(), chain.encoder->input_format(), status);
    if (!chain.decoder || !chain.encoder || (status != codec::Status::ok)) {
        RTPE_LOG(codec, log::kWarning, "Cannot transcode %s/%d to %s/%d: %s", from.name.c_str(), from.clock_rate,
                 to.name.c_str(), to.clock_rate, std::string(codec::to_string(status)).c_str());
        return std::nullopt;
    }
    chain.input_type = static_cast<uint8_t>(*from_type);
    chain.output_type = static_cast<uint8_t>(*to_type);
    return chain;
}

}  // namespace rtpe::call
