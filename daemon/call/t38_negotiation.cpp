#include "daemon/call/t38_negotiation.hpp"

#include <algorithm>

#include "codec/registry.hpp"
#include "daemon/call/codec_negotiation.hpp"
#include "daemon/call/transcoding.hpp"
#include "daemon/media/egress.hpp"
#include "util/log.hpp"
#include "util/parse.hpp"
#include "util/random.hpp"

namespace rtpe::call {

namespace {

// Redundancy repeats this many earlier IFPs; FEC covers spans of this many, this many
// times (what our in-process fax test proved a page survives loss with).
constexpr std::size_t kRedundancyDepth = 3;
constexpr uint32_t kFecSpan = 3;
constexpr std::size_t kFecEntries = 3;
// A peer's datagram limit below this leaves no room for an IFP worth sending.
constexpr int kSmallestDatagram = 32;
// What we write as T38FaxMaxDatagram (T38Sdp's default, as 10.5), and so take.
constexpr int kOurMaxDatagram = T38Sdp{}.max_datagram;
// UDPTL's own bytes around a primary IFP without recovery data (sequence number, length,
// error recovery choice, entry count).
constexpr int kUdptlOverhead = 8;

int int_attribute(const sdp::MediaSection& section, const char* name, int fallback) {
    const auto a = section.attribute(name);
    if (!a || !a->value)
        return fallback;
    return parse_int(*a->value).value_or(fallback);
}

// A flag attribute, or one written with a value (T.38 version 0 SDPs write ":1").
bool flag_attribute(const sdp::MediaSection& section, const char* name) {
    const auto a = section.attribute(name);
    return a && (!a->value || *a->value != "0");
}

}  // namespace

bool is_t38(const sdp::MediaDescription& m) {
    return m.media == kT38MediaType && equals_ignoring_case(m.proto, kT38Protocol) &&
           std::any_of(m.formats.begin(), m.formats.end(), [](const std::string& f) { return f == kT38Format; });
}

T38Sdp t38_sdp_of(const sdp::MediaSection& section) {
    T38Sdp t;
    t.version = std::clamp(int_attribute(section, "T38FaxVersion", 0), 0, 3);
    t.max_bit_rate = int_attribute(section, "T38MaxBitRate", t.max_bit_rate);
    if (const auto a = section.attribute("T38FaxRateManagement"); a && a->value)
        t.local_tcf = *a->value == "localTCF";
    t.max_buffer = int_attribute(section, "T38FaxMaxBuffer", t.max_buffer);
    t.max_datagram = std::max(int_attribute(section, "T38FaxMaxDatagram", t.max_datagram), kSmallestDatagram);
    if (const int ifp = int_attribute(section, "T38FaxMaxIFP", 0); ifp > 0)
        t.max_ifp = ifp;
    if (const auto a = section.attribute("T38FaxUdpEC"); a && a->value) {
        t.no_error_recovery = *a->value == "t38UDPNoEC";
        if (*a->value == "t38UDPFEC")
            t.recovery = t38::ErrorRecovery::fec;
    }
    t.fill_bit_removal = flag_attribute(section, "T38FaxFillBitRemoval");
    t.transcoding_mmr = flag_attribute(section, "T38FaxTranscodingMMR");
    t.transcoding_jbig = flag_attribute(section, "T38FaxTranscodingJBIG");
    return t;
}

T38Sdp our_t38_offer(const T38Request& request) {
    T38Sdp t;
    if (request.fec && !request.redundancy)
        t.recovery = t38::ErrorRecovery::fec;
    return t;
}

T38Sdp our_t38_answer(const T38Sdp& offered) {
    T38Sdp t;
    t.version = offered.version;
    t.recovery = offered.recovery;
    t.no_error_recovery = offered.no_error_recovery;
    return t;
}

std::vector<std::pair<std::string, std::optional<std::string>>> t38_attributes(const T38Sdp& t38) {
    const char* recovery = t38.no_error_recovery                         ? "t38UDPNoEC"
                           : t38.recovery == t38::ErrorRecovery::fec ? "t38UDPFEC"
                                                                     : "t38UDPRedundancy";
    std::vector<std::pair<std::string, std::optional<std::string>>> out = {
        {"T38FaxVersion", std::to_string(t38.version)},
        {"T38MaxBitRate", std::to_string(t38.max_bit_rate)},
        {"T38FaxRateManagement", t38.local_tcf ? "localTCF" : "transferredTCF"},
        {"T38FaxMaxBuffer", std::to_string(t38.max_buffer)},
        {"T38FaxMaxDatagram", std::to_string(t38.max_datagram)},
        {"T38FaxUdpEC", recovery},
    };
    if (t38.fill_bit_removal)
        out.emplace_back("T38FaxFillBitRemoval", std::nullopt);
    if (t38.transcoding_mmr)
        out.emplace_back("T38FaxTranscodingMMR", std::nullopt);
    if (t38.transcoding_jbig)
        out.emplace_back("T38FaxTranscodingJBIG", std::nullopt);
    return out;
}

std::vector<SdpCodec> t38_decode_codecs(const CodecRequest& codec) {
    if (!codec.transcode.empty()) {
        CodecRequest only_transcode;
        only_transcode.transcode = codec.transcode;
        std::vector<SdpCodec> out = codecs_for_answerer({}, only_transcode).to_answerer;
        std::erase_if(out, [](const SdpCodec& c) { return !first_transcodable({c}); });
        if (!out.empty())
            return out;
    }
    std::vector<SdpCodec> g711;
    for (const char* name : {"PCMU", "PCMA"}) {
        SdpCodec c;
        c.payload_type = name[3] == 'U' ? "0" : "8";
        c.name = name;
        c.clock_rate = 8000;
        g711.push_back(std::move(c));
    }
    return g711;
}

media::T38Bridge::Settings t38_bridge_settings(const T38Sdp& peer, const T38Sdp& settled, const T38Request& request) {
    media::T38Bridge::Settings s;
    codec::T38GatewayOptions& g = s.gateway;
    g.no_ecm = request.no_ecm;
    g.no_v17 = request.no_v17;
    g.no_v27ter = request.no_v27ter;
    g.no_v29 = request.no_v29;
    g.no_v34 = request.no_v34;
    g.no_iaf = request.no_iaf;
    g.version = settled.version;
    g.local_tcf = settled.local_tcf;
    g.fill_bit_removal = settled.fill_bit_removal && !request.no_fill_bit_removal;
    g.transcoding_mmr = settled.transcoding_mmr && !request.no_transcoding_mmr;
    g.transcoding_jbig = settled.transcoding_jbig && !request.no_transcoding_jbig;
    // What the T.38 endpoint takes: its IFP limit, else what fits its datagrams.
    const int peer_datagram = request.local_max_datagram ? kOurMaxDatagram : peer.max_datagram;
    const int datagram = std::min<int>(peer_datagram, static_cast<int>(media::Egress::kScratchBytes));
    g.max_ifp = std::clamp(peer.max_ifp.value_or(datagram - kUdptlOverhead), 1, codec::kT38MaxIfp);
    s.max_datagram = static_cast<std::size_t>(datagram);

    s.udptl_out.recovery = settled.recovery;
    s.udptl_out.redundancy_depth = settled.no_error_recovery ? 0 : kRedundancyDepth;
    s.udptl_out.fec_span = kFecSpan;
    s.udptl_out.fec_entries = kFecEntries;
    s.udptl_out.max_ifp = static_cast<std::size_t>(g.max_ifp);
    s.udptl_in.max_ifp = static_cast<std::size_t>(kOurMaxDatagram);
    s.udptl_in.t38_version = settled.version;
    return s;
}

std::unique_ptr<media::T38Bridge> make_t38_bridge(const SdpCodec& codec, const T38Sdp& peer, const T38Sdp& settled,
                                                  const T38Request& request, media::PacketStream& audio,
                                                  media::PacketStream& fax) {
    const auto type = codec.type_number();
    if (!type)
        return nullptr;
    media::T38Bridge::Settings s = t38_bridge_settings(peer, settled, request);
    codec::Status status = codec::Status::ok;
    const codec::CodecParams params = codec_params(codec);
    const codec::AudioFormat pcm{codec::kT38GatewayRate, 1};
    s.decoder = codec::make_decoder(params, status);
    if (s.decoder)
        s.encoder = codec::make_encoder(params, status);
    if (s.decoder && s.encoder && s.decoder->output_format() != pcm)
        s.to_gateway = codec::Resampler::create(s.decoder->output_format(), pcm, status);
    if (s.decoder && s.encoder && s.encoder->input_format() != pcm && status == codec::Status::ok)
        s.from_gateway = codec::Resampler::create(pcm, s.encoder->input_format(), status);
    s.payload_type = *type;
    s.ssrc = static_cast<uint32_t>(random_u64());
    s.first_sequence = static_cast<uint16_t>(random_u64());
    s.first_timestamp = static_cast<uint32_t>(random_u64());
    std::unique_ptr<media::T38Bridge> bridge;
    if (s.decoder && s.encoder && status == codec::Status::ok)
        bridge = media::T38Bridge::create(std::move(s), audio, fax, status);
    if (!bridge)
        RTPE_LOG(transcoding, log::kWarning, "Cannot engage the T.38 gateway for %s: %s", codec.encoding().c_str(),
                 codec::to_string(status));
    return bridge;
}

}  // namespace rtpe::call
