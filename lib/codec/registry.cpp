#include "codec/registry.hpp"

#include "util/parse.hpp"

#include "codec/av_lookup.hpp"

#include <array>
#include <cstdio>
#include <mutex>

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace rtpe::codec {

namespace {

// name, SDP clock, audio rate, channels, ptime, minimum ptime, bitrate, fmtp, static PT,
// engine, supplemental. Rates and channels of 0 mean upstream gives the codec no RTP
// definition (it is known to ffmpeg, not to SDP).
constexpr std::array kCodecs = {
    CodecDef{"PCMA", 8000, 8000, 1, 20, 0, 0, "", 8, Engine::avcodec, false},
    CodecDef{"PCMU", 8000, 8000, 1, 20, 0, 0, "", 0, Engine::avcodec, false},
    CodecDef{"G723", 8000, 8000, 1, 30, 30, 6300, "", 4, Engine::avcodec, false},
    CodecDef{"G722", 8000, 16000, 1, 20, 0, 0, "", 9, Engine::avcodec, false},
    CodecDef{"QCELP", 0, 0, 0, 20, 20, 0, "", 12, Engine::avcodec, false},
    CodecDef{"G729", 8000, 8000, 1, 20, 20, 0, "annexb=no", 18, Engine::bcg729, false},
    CodecDef{"G729a", 8000, 8000, 1, 20, 20, 0, "", 18, Engine::bcg729, false},
    CodecDef{"speex", 16000, 16000, 1, 20, 20, 11000, "", -1, Engine::avcodec, false},
    CodecDef{"GSM", 8000, 8000, 1, 20, 20, 0, "", 3, Engine::avcodec, false},
    CodecDef{"iLBC", 8000, 8000, 1, 30, 0, 0, "mode=30", -1, Engine::avcodec, false},
    CodecDef{"opus", 48000, 48000, 2, 20, 0, 32000, "useinbandfec=1", -1, Engine::opus, false},
    CodecDef{"vorbis", 0, 0, 0, 20, 0, 0, "", -1, Engine::avcodec, false},
    CodecDef{"ac3", 0, 0, 0, 20, 0, 0, "", -1, Engine::avcodec, false},
    CodecDef{"eac3", 0, 0, 0, 20, 0, 0, "", -1, Engine::avcodec, false},
    CodecDef{"ATRAC3", 0, 0, 0, 20, 0, 0, "", -1, Engine::avcodec, false},
    CodecDef{"ATRAC-X", 0, 0, 0, 20, 0, 0, "", -1, Engine::avcodec, false},
    CodecDef{"EVRC", 0, 0, 0, 20, 0, 0, "", -1, Engine::avcodec, false},
    CodecDef{"EVRC0", 8000, 8000, 0, 20, 0, 0, "", -1, Engine::avcodec, false},
    CodecDef{"EVRC1", 8000, 8000, 0, 20, 0, 0, "", -1, Engine::avcodec, false},
    CodecDef{"AMR", 8000, 8000, 1, 20, 20, 6700, "octet-align=1;mode-change-capability=2", -1,
             Engine::amr, false},
    CodecDef{"AMR-WB", 16000, 16000, 1, 20, 20, 14250, "octet-align=1;mode-change-capability=2",
             -1, Engine::amr, false},
    CodecDef{"telephone-event", 8000, 8000, 1, 0, 0, 0, "0-15", -1, Engine::dtmf, true},
    CodecDef{"CN", 8000, 8000, 1, 20, 0, 0, "", 13, Engine::avcodec, true},
    CodecDef{"PCM-S16LE", 0, 0, 0, 0, 0, 0, "", -1, Engine::avcodec, false},
    CodecDef{"PCM-U8", 0, 0, 0, 0, 0, 0, "", -1, Engine::avcodec, false},
    CodecDef{"MP3", 0, 0, 0, 0, 0, 0, "", -1, Engine::avcodec, false},
};

// The ffmpeg side of each entry, in the same order: the codec id and, where upstream
// prefers a particular implementation, its name (tried first, then the id).
struct AvEntry {
    AVCodecID id;
    const char* decoder_name;
    const char* encoder_name;
};

constexpr std::array<AvEntry, kCodecs.size()> kAv = {{
    {AV_CODEC_ID_PCM_ALAW, nullptr, nullptr},
    {AV_CODEC_ID_PCM_MULAW, nullptr, nullptr},
    {AV_CODEC_ID_G723_1, nullptr, nullptr},
    {AV_CODEC_ID_ADPCM_G722, nullptr, nullptr},
    {AV_CODEC_ID_QCELP, nullptr, nullptr},
    {AV_CODEC_ID_NONE, nullptr, nullptr},  // G729: bcg729
    {AV_CODEC_ID_NONE, nullptr, nullptr},  // G729a: bcg729
    {AV_CODEC_ID_SPEEX, nullptr, nullptr},
    {AV_CODEC_ID_GSM, nullptr, nullptr},
    {AV_CODEC_ID_ILBC, nullptr, nullptr},
    {AV_CODEC_ID_NONE, nullptr, nullptr},  // opus: libopus
    {AV_CODEC_ID_VORBIS, "libvorbis", "libvorbis"},
    {AV_CODEC_ID_AC3, nullptr, nullptr},
    {AV_CODEC_ID_EAC3, nullptr, nullptr},
    {AV_CODEC_ID_ATRAC3, nullptr, nullptr},
    {AV_CODEC_ID_ATRAC3P, nullptr, nullptr},
    {AV_CODEC_ID_EVRC, nullptr, nullptr},
    {AV_CODEC_ID_EVRC, nullptr, nullptr},
    {AV_CODEC_ID_EVRC, nullptr, nullptr},
    {AV_CODEC_ID_AMR_NB, "libopencore_amrnb", "libopencore_amrnb"},
    {AV_CODEC_ID_AMR_WB, "libopencore_amrwb", "libvo_amrwbenc"},
    {AV_CODEC_ID_NONE, nullptr, nullptr},  // telephone-event
    {AV_CODEC_ID_COMFORT_NOISE, "comfortnoise", "comfortnoise"},
    {AV_CODEC_ID_PCM_S16LE, nullptr, nullptr},
    {AV_CODEC_ID_PCM_U8, nullptr, nullptr},
    {AV_CODEC_ID_MP3, nullptr, nullptr},
}};

std::size_t index_of(const CodecDef& def) {
    return static_cast<std::size_t>(&def - kCodecs.data());
}

std::array<Support, kCodecs.size()> probe_all() {
    std::array<Support, kCodecs.size()> out{};
    for (std::size_t i = 0; i < kCodecs.size(); ++i) {
        switch (kCodecs[i].engine) {
        case Engine::avcodec:
            out[i].decode = find_av_decoder(kCodecs[i]) != nullptr;
            out[i].encode = find_av_encoder(kCodecs[i]) != nullptr;
            break;
        case Engine::amr:  // the encoders and AMR's decoder are linked in
            out[i] = {kCodecs[i].name == "AMR" || find_av_decoder(kCodecs[i]) != nullptr, true};
            break;
        case Engine::bcg729:  // linked in: always there
        case Engine::opus:
        case Engine::dtmf:
            out[i] = {true, true};
            break;
        }
    }
    return out;
}

}  // namespace

std::span<const CodecDef> all_codecs() { return kCodecs; }

const CodecDef* find_codec(std::string_view name) {
    for (const auto& def : kCodecs)
        if (equals_ignoring_case(def.name, name))
            return &def;
    return nullptr;
}

const AVCodec* find_av_decoder(const CodecDef& def) {
    const AvEntry& av = kAv[index_of(def)];
    if (av.id == AV_CODEC_ID_NONE)
        return nullptr;
    const AVCodec* codec = av.decoder_name ? avcodec_find_decoder_by_name(av.decoder_name) : nullptr;
    return codec ? codec : avcodec_find_decoder(av.id);
}

const AVCodec* find_av_encoder(const CodecDef& def) {
    const AvEntry& av = kAv[index_of(def)];
    if (av.id == AV_CODEC_ID_NONE)
        return nullptr;
    const AVCodec* codec = av.encoder_name ? avcodec_find_encoder_by_name(av.encoder_name) : nullptr;
    return codec ? codec : avcodec_find_encoder(av.id);
}

Support support(const CodecDef& def) {
    static const std::array<Support, kCodecs.size()> probed = probe_all();
    return probed[index_of(def)];
}

std::string codec_report_line(const CodecDef& def) {
    const Support s = support(def);
    const char* what;
    if (s.decode && s.encode)
        what = def.channels > 0 && def.clock_rate > 0 ? "fully supported"
                                                       : "codec supported but lacks RTP definition";
    else if (s.decode)
        what = "supported for decoding only";
    else if (s.encode)
        what = "supported for encoding only";
    else
        what = "not supported";
    char line[96];
    std::snprintf(line, sizeof line, "%20.*s: %s\n", static_cast<int>(def.name.size()), def.name.data(), what);
    return line;
}

std::string codecs_report() {
    std::string out;
    for (const auto& def : kCodecs)
        out += codec_report_line(def);
    return out;
}

}  // namespace rtpe::codec
