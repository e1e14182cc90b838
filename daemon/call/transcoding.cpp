#include "daemon/call/transcoding.hpp"

#include <algorithm>

#include "codec/dtmf.hpp"
#include "codec/registry.hpp"
#include "util/log.hpp"
#include "util/parse.hpp"

namespace rtpe::call {

namespace {

// The first codec that is not telephone-event or CN (an unknown one counts as real).
const SdpCodec* first_real(const std::vector<SdpCodec>& codecs) {
    for (const auto& c : codecs)
        if (!c.supplemental())
            return &c;
    return nullptr;
}

}  // namespace

const SdpCodec* first_transcodable(const std::vector<SdpCodec>& codecs) {
    for (const auto& c : codecs)
        if (transcodable(c))
            return &c;
    return nullptr;
}

codec::CodecParams codec_params(const SdpCodec& c) {
    codec::CodecParams p;
    p.def = transcodable(c);
    p.clock_rate = c.clock_rate;
    p.channels = c.channels;
    p.bitrate = c.bitrate;
    p.fmtp = c.format_parameters();
    return p;
}

std::optional<Transcoding> transcoding_for(const std::vector<SdpCodec>& offered, const OfferedCodecs& options,
                                           const std::vector<SdpCodec>& answered) {
    auto has_type = [](const std::vector<SdpCodec>& list, const SdpCodec& c) {
        return has_payload_type(list, c.payload_type);
    };
    const std::vector<SdpCodec>& offerer_side = options.offerer_side.empty() ? offered : options.offerer_side;
    const SdpCodec* chosen = first_real(answered);
    // As 10.5 decides it. No transcoding for a codec the offerer has and either accepted,
    // masked, or offered itself where transcode added it again; transcoding for a codec
    // the offer added, or for any other offered one when the offer consumed or accepted a
    // codec; otherwise a format the answerer was offered as the offerer had it leaves the
    // answer as it is, and anything else is transcoded.
    bool engaged;
    if (chosen && (has_type(options.accepted, *chosen) ||
                   (has_type(offerer_side, *chosen) && !has_type(options.to_answerer, *chosen)) ||
                   (has_type(options.added, *chosen) && has_type(offered, *chosen)))) {
        engaged = false;
    } else if (chosen && has_type(options.added, *chosen)) {
        engaged = true;
    } else if (!options.accepted.empty() && chosen && has_type(options.to_answerer, *chosen)) {
        engaged = true;
    } else {
        engaged = !std::any_of(answered.begin(), answered.end(), [&](const SdpCodec& a) {
            return has_type(options.to_answerer, a) && !has_type(options.added, a);
        });
    }
    const SdpCodec* from_offer = nullptr;
    const SdpCodec* offerer_first = first_transcodable(offerer_side);
    const bool answered_first = chosen && offerer_first && chosen->payload_type == offerer_first->payload_type;
    // The answer took a telephone-event the offer's transcode added: DTMF transcoding.
    const bool events_added = std::any_of(answered.begin(), answered.end(), [&](const SdpCodec& a) {
        return a.telephone_event() && has_type(options.added, a);
    });
    if (!engaged && ((options.always_transcode && !answered_first) || options.ptime || options.ptime_reverse ||
                     options.inject_dtmf || events_added)) {
        // The same codec at another packet time is repacketized through the chain (or goes
        // through it for DTMF injection); with always-transcode the offerer is answered
        // with its own first codec.
        engaged = true;
        if (!options.always_transcode && chosen)
            for (const auto& c : offerer_side)
                if (c.payload_type == chosen->payload_type && transcodable(c))
                    from_offer = &c;
    }
    if (!engaged)
        return std::nullopt;
    if (!from_offer)
        from_offer = first_transcodable(options.accepted);
    if (!from_offer)
        from_offer = first_transcodable(offerer_side);
    const SdpCodec* from_answer = chosen && transcodable(*chosen) ? chosen : first_transcodable(answered);
    if (!from_offer || !from_answer)
        return std::nullopt;
    Transcoding t{*from_offer, *from_answer};
    t.same_codec = !events_added && !options.always_transcode && chosen && from_offer->payload_type == chosen->payload_type;
    // A codec the offer's transcode added keeps that specification's encoder options.
    for (const auto& added : options.added)
        if (added.payload_type == t.answerer.payload_type && codec_matches(t.answerer, added.encoding()))
            t.answerer.bitrate = added.bitrate;
    return t;
}

std::vector<SdpCodec> answer_codecs(const Transcoding& t, const OfferedCodecs& options,
                                    const std::vector<SdpCodec>& answered) {
    std::vector<SdpCodec> out{t.offerer};
    // The offerer's CN and then telephone-event of its codec's rate, each when the answerer
    // answered with one of that name and either was offered the offerer's or has one of
    // that rate.
    for (const char* name : {"CN", "telephone-event"}) {
        const auto same_name = [&](const SdpCodec& c) { return equals_ignoring_case(c.name, name); };
        for (const auto& own : options.offerer_side) {
            if (!same_name(own) || own.clock_rate != t.offerer.clock_rate)
                continue;
            const bool offered_on = has_payload_type(options.to_answerer, own.payload_type);
            const bool reached = std::any_of(answered.begin(), answered.end(), [&](const SdpCodec& a) {
                return same_name(a) && (offered_on || a.clock_rate == own.clock_rate);
            });
            if (reached)
                out.push_back(own);
            break;
        }
    }
    return out;
}

const SdpCodec* telephone_event(const std::vector<SdpCodec>& codecs) {
    for (const auto& c : codecs)
        if (c.telephone_event())
            return &c;
    return nullptr;
}

std::optional<media::Transcoder::Chain::Events> event_mapping(const SdpCodec& from, const SdpCodec& to) {
    const auto from_type = from.type_number(), to_type = to.type_number();
    if (!from_type || !to_type || from.clock_rate <= 0 || to.clock_rate <= 0)
        return std::nullopt;
    media::Transcoder::Chain::Events e;
    e.input_type = *from_type;
    e.output_type = *to_type;
    e.input_clock = static_cast<uint32_t>(from.clock_rate);
    e.output_clock = static_cast<uint32_t>(to.clock_rate);
    return e;
}

namespace {

// "PCMU/8000 -> G722/8000", as the statistics name chains.
std::string chain_name(const SdpCodec& from, const SdpCodec& to) {
    return from.encoding() + " -> " + to.encoding();
}

void log_refused(const SdpCodec& from, const SdpCodec& to, codec::Status status) {
    RTPE_LOG(codec, log::kWarning, "Cannot transcode %s/%d to %s/%d: %s", from.name.c_str(), from.clock_rate,
             to.name.c_str(), to.clock_rate, codec::to_string(status));
}

// A decoder of `from` for a chain whose audio is in `format` (decoding at its rate where the
// codec can run at several), and a resampler to it when its PCM still differs; false
// (logged, naming the codec `to` it is for) when the codec library refuses.
bool make_more_input(const SdpCodec& from, const SdpCodec& to, codec::AudioFormat format,
                     media::Transcoder::Chain::MoreInput& input) {
    codec::Status status = codec::Status::ok;
    codec::CodecParams decoding = codec_params(from);
    decoding.audio_rate = format.rate;
    input.decoder = codec::make_decoder(decoding, status);
    if (input.decoder && input.decoder->output_format() != format)
        input.resampler = codec::Resampler::create(input.decoder->output_format(), format, status);
    if (input.decoder && status == codec::Status::ok)
        return true;
    log_refused(from, to, status);
    return false;
}

}  // namespace

std::optional<media::Transcoder::Chain> make_chain(const SdpCodec& from, const SdpCodec& to, int ptime) {
    const auto from_type = from.type_number(), to_type = to.type_number();
    if (!from_type || !to_type)
        return std::nullopt;
    media::Transcoder::Chain chain;
    codec::Status status = codec::Status::ok;
    // Each side at the other's audio rate where its codec can run at several (Opus), so
    // that no resampler is needed: a G.711 <-> Opus chain codes Opus at 8 kHz.
    codec::CodecParams encoding = codec_params(to);
    encoding.ptime = ptime;
    codec::CodecParams decoding = codec_params(from);
    if (encoding.def)
        decoding.audio_rate = encoding.def->audio_rate;
    chain.decoder = codec::make_decoder(decoding, status);
    if (chain.decoder) {
        encoding.audio_rate = chain.decoder->output_format().rate;
        chain.encoder = codec::make_encoder(encoding, status);
    }
    if (chain.decoder && chain.encoder && chain.decoder->output_format() != chain.encoder->input_format())
        chain.resampler =
            codec::Resampler::create(chain.decoder->output_format(), chain.encoder->input_format(), status);
    if (!chain.decoder || !chain.encoder || (status != codec::Status::ok)) {
        log_refused(from, to, status);
        return std::nullopt;
    }
    chain.input_type = *from_type;
    chain.output_type = *to_type;
    chain.name = chain_name(from, to);
    return chain;
}

std::optional<media::Transcoder::Chain> left_out_chain(const std::vector<SdpCodec>& left_out,
                                                       const std::vector<SdpCodec>& kept, int ptime) {
    const SdpCodec* to = first_real(kept);
    if (!to || !transcodable(*to))
        return std::nullopt;
    std::optional<media::Transcoder::Chain> chain;
    for (const auto& from : left_out) {
        if (!transcodable(from) || !from.type_number())
            continue;
        if (!chain) {
            chain = make_chain(from, *to, ptime);
            if (chain)
                chain->forwards_other_types = true;
            continue;
        }
        media::Transcoder::Chain::MoreInput input;
        input.type = *from.type_number();
        input.name = chain_name(from, *to);
        if (make_more_input(from, *to, chain->decoder->output_format(), input))
            chain->more_inputs.push_back(std::move(input));
    }
    return chain;
}

std::unique_ptr<media::DtmfInjector> dtmf_injector(const media::Transcoder::Chain& chain,
                                                   const SdpCodec* receiver_events) {
    std::optional<media::DtmfInjector::EventFormat> events;
    if (receiver_events && receiver_events->type_number())
        events = media::DtmfInjector::EventFormat{*receiver_events->type_number(),
                                                  static_cast<uint32_t>(receiver_events->clock_rate)};
    codec::Status status = codec::Status::ok;
    auto injector = media::DtmfInjector::make(events, chain.decoder->output_format(), status);
    if (!injector)
        RTPE_LOG(transcoding, log::kWarning, "No DTMF injection into %s: %s", chain.name.c_str(),
                 codec::to_string(status));
    return injector;
}

namespace {

const SdpCodec* comfort_noise(const std::vector<SdpCodec>& codecs) {
    for (const auto& c : codecs)
        if (c.type_number() && c.clock_rate == 8000 && equals_ignoring_case(c.name, "CN"))
            return &c;
    return nullptr;
}

// A CN decoder for the chain's gaps, its noise resampled to the chain's decoder format
// where that is not the CN decoder's own (8 kHz mono); none (logged) when either fails.
void engage_comfort_noise(media::Transcoder::Chain& chain, const std::vector<uint8_t>& params) {
    codec::CodecParams cn;
    cn.def = codec::find_codec("CN");
    codec::Status status = codec::Status::ok;
    if (cn.def)
        chain.noise = codec::make_decoder(cn, status);
    else
        status = codec::Status::unsupported;
    const codec::AudioFormat audio = chain.decoder->output_format();
    if (chain.noise && chain.noise->output_format() != audio)
        chain.noise_resampler = codec::Resampler::create(chain.noise->output_format(), audio, status);
    if (!chain.noise || status != codec::Status::ok) {
        RTPE_LOG(transcoding, log::kWarning, "No comfort noise in %s: %s", chain.name.c_str(),
                 codec::to_string(status));
        chain.noise.reset();
        chain.noise_resampler.reset();
        return;
    }
    chain.noise_params = params;
}

}  // namespace

void engage_clock(media::Transcoder::Chain& chain, const ChainOptions& options, const std::vector<SdpCodec>& receiver,
                  const std::vector<SdpCodec>& sender, int delay_buffer_ms) {
    const codec::CodecDef& input = chain.decoder->codec();
    const bool amr = input.name == "AMR" || input.name == "AMR-WB";
    chain.playout = options.playout;
    chain.dtmf_no_suppress = options.dtmf_no_suppress;
    chain.playout.delay_ms = std::max(0, delay_buffer_ms);
    chain.playout.clock_rate = static_cast<uint32_t>(input.clock_rate);
    chain.playout.packet_ms = input.default_ptime > 0 ? input.default_ptime : 20;
    // AMR's native DTX: the decoder fills gaps itself (--amr-dtx=native, the default).
    // AMR-WB's decoder has none: its gaps are filled as other codecs' are.
    chain.native_dtx = amr && !options.amr_dtx_cn && chain.decoder->decodes_no_data();
    if (!options.dtx_cn_params.empty() && !chain.native_dtx)
        engage_comfort_noise(chain, options.dtx_cn_params);
    if (const SdpCodec* cn = comfort_noise(sender); cn && chain.noise)
        chain.cn_input_type = *cn->type_number();
    if (const SdpCodec* cn = comfort_noise(receiver); cn && options.silence_detect > 0) {
        media::Transcoder::Chain::SilenceCn silence;
        silence.type = *cn->type_number();
        silence.level = static_cast<int>(options.silence_detect * 32767.0 / 100.0);
        silence.payload = options.cn_payload;
        chain.silence_cn = std::move(silence);
    }
}

std::optional<media::Transcoder::Chain> same_codec_chain(const std::vector<SdpCodec>& sender,
                                                         const std::vector<SdpCodec>& receiver) {
    const SdpCodec* codec = first_transcodable(sender);
    if (!codec) {
        RTPE_LOG(transcoding, log::kWarning, "No codec chain for DTMF security: no codec this build transcodes");
        return std::nullopt;
    }
    auto chain = make_chain(*codec, *codec);
    if (!chain)
        return std::nullopt;
    const SdpCodec* from = telephone_event(sender);
    const SdpCodec* to = telephone_event(receiver);
    if (from && to) {
        chain->events = event_mapping(*from, *to);
    } else if (from && from->type_number() && from->clock_rate > 0) {
        media::Transcoder::Chain::Events tones;
        tones.input_type = *from->type_number();
        tones.input_clock = static_cast<uint32_t>(from->clock_rate);
        chain->event_tones = tones;
    }
    return chain;
}

void engage_dtmf_transcoding(media::Transcoder::Chain& towards_events, media::Transcoder::Chain& from_events,
                             const SdpCodec& events) {
    const auto type = events.type_number();
    if (!type)
        return;
    towards_events.detect_dtmf = true;
    if (!towards_events.injector)
        towards_events.injector = std::make_unique<media::DtmfInjector>(
            media::DtmfInjector::EventFormat{*type, static_cast<uint32_t>(events.clock_rate)}, nullptr);
    media::Transcoder::Chain::Events tones;
    tones.input_type = *type;
    tones.input_clock = static_cast<uint32_t>(events.clock_rate);
    from_events.event_tones = tones;
}

}  // namespace rtpe::call
