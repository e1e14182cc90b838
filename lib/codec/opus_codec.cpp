// Opus over libopus itself rather than through ffmpeg: ffmpeg's wrapper decodes at 48 kHz
// only, and a G.711 <-> Opus call then spends most of its CPU resampling 48 kHz audio and
// coding a band its narrowband side never had. libopus encodes from and decodes to 8, 12,
// 16, 24 or 48 kHz (RFC 7587: the RTP clock stays 48 kHz whatever the rate inside), so the
// chain asks for its other side's rate (CodecParams::audio_rate) and needs no resampler.

#include "codec/engines.hpp"
#include "codec/fmtp.hpp"

#include <algorithm>
#include <new>
#include <vector>

#include <opus/opus.h>

namespace rtpe::codec::detail {

namespace {

constexpr int kMaxFrameMs = 120;  // RFC 6716 3.2.5: the longest packet
constexpr std::size_t kMaxPayload = 1275 * 3;  // RFC 6716 3.2.1: 1275 bytes a frame, 3 frames of 20 ms

bool rate_ok(int rate) {
    return rate == 8000 || rate == 12000 || rate == 16000 || rate == 24000 || rate == 48000;
}

int rate_for(const CodecParams& params) {
    return rate_ok(params.audio_rate) ? params.audio_rate : params.def->audio_rate;
}

struct DecoderFree {
    void operator()(OpusDecoder* d) const { opus_decoder_destroy(d); }
};
struct EncoderFree {
    void operator()(OpusEncoder* e) const { opus_encoder_destroy(e); }
};

class LibopusDecoder final : public Decoder {
public:
    LibopusDecoder(const CodecDef& def, AudioFormat output) : Decoder(def, output) {}
    bool open() {
        int error = OPUS_OK;
        ctx_.reset(opus_decoder_create(output_.rate, output_.channels, &error));
        return ctx_ && error == OPUS_OK;
    }

    Status decode(std::span<const uint8_t> payload, std::vector<int16_t>& pcm) override {
        if (payload.empty())
            return Status::empty_payload;
        const int max_samples = output_.rate / 1000 * kMaxFrameMs;
        const std::size_t start = pcm.size();
        pcm.resize(start + static_cast<std::size_t>(max_samples) * output_.channels);
        const int got = opus_decode(ctx_.get(), payload.data(), static_cast<opus_int32>(payload.size()),
                                    pcm.data() + start, max_samples, 0);
        pcm.resize(start + (got > 0 ? static_cast<std::size_t>(got) * output_.channels : 0));
        if (got == OPUS_INVALID_PACKET)
            return Status::invalid_payload;
        return got < 0 ? Status::decode_failed : Status::ok;
    }

private:
    std::unique_ptr<OpusDecoder, DecoderFree> ctx_;
};

class LibopusEncoder final : public Encoder {
public:
    LibopusEncoder(const CodecDef& def, AudioFormat input, int ptime)
        : Encoder(def, input, ptime, static_cast<uint32_t>(def.clock_rate / 1000 * ptime)) {}

    Status open(int bitrate, const OpusParams& opus) {
        int error = OPUS_OK;
        // The "audio" application, as upstream's encoder runs: "voip" loses some 5 dB of
        // SNR on a PCMU <-> Opus round trip (t/integration/test_transcoding.py).
        ctx_.reset(opus_encoder_create(input_.rate, input_.channels, OPUS_APPLICATION_AUDIO, &error));
        if (!ctx_ || error != OPUS_OK)
            return Status::no_memory;
        OpusEncoder* e = ctx_.get();
        bool ok = opus_encoder_ctl(e, OPUS_SET_BITRATE(bitrate)) == OPUS_OK &&
                  opus_encoder_ctl(e, OPUS_SET_COMPLEXITY(10)) == OPUS_OK &&
                  opus_encoder_ctl(e, OPUS_SET_VBR(opus.cbr ? 0 : 1)) == OPUS_OK &&
                  opus_encoder_ctl(e, OPUS_SET_VBR_CONSTRAINT(0)) == OPUS_OK &&
                  opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(opus.useinbandfec ? 1 : 0)) == OPUS_OK &&
                  // libopus adds in-band FEC only when it expects loss.
                  opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(opus.useinbandfec ? 10 : 0)) == OPUS_OK;
        // maxplaybackrate: no point coding what the receiver cannot play (RFC 7587 6.1).
        if (const int rate = opus.maxplaybackrate; ok && rate > 0) {
            const int band = rate <= 8000 ? OPUS_BANDWIDTH_NARROWBAND : rate <= 12000 ? OPUS_BANDWIDTH_MEDIUMBAND
                           : rate <= 16000 ? OPUS_BANDWIDTH_WIDEBAND : rate <= 24000 ? OPUS_BANDWIDTH_SUPERWIDEBAND
                           : OPUS_BANDWIDTH_FULLBAND;
            ok = opus_encoder_ctl(e, OPUS_SET_MAX_BANDWIDTH(band)) == OPUS_OK;
        }
        // usedtx is not honoured: a DTX pause would have to move the RTP timestamps of the
        // packets after it, which the chain's sink counts one packet time per payload.
        if (!ok)
            return Status::bad_format;
        gatherer_.size(static_cast<std::size_t>(input_.rate / 1000 * ptime_) * input_.channels);
        payload_.assign(kMaxPayload, 0);
        return Status::ok;
    }

    Status encode(std::span<const int16_t> pcm, PacketSink& sink) override {
        Status result = Status::ok;
        const int frame_samples = input_.rate / 1000 * ptime_;
        gatherer_.feed(pcm, [&](std::span<const int16_t> packet) {
            const opus_int32 size = opus_encode(ctx_.get(), packet.data(), frame_samples, payload_.data(),
                                                static_cast<opus_int32>(payload_.size()));
            if (size < 0)
                result = Status::encode_failed;  // this packet is lost; the next one starts clean
            else if (size > 0)
                sink.on_payload(std::span<const uint8_t>(payload_.data(), static_cast<std::size_t>(size)),
                                rtp_duration_);
        });
        return result;
    }

private:
    std::unique_ptr<OpusEncoder, EncoderFree> ctx_;
    PacketGatherer gatherer_;
    std::vector<uint8_t> payload_;
};

}  // namespace

std::unique_ptr<Decoder> make_opus_decoder(const CodecParams& params, Status& status) {
    const int channels = opus_decoder_channels(params);
    if (channels < 1 || channels > 2) {
        status = Status::bad_format;
        return nullptr;
    }
    auto dec = std::unique_ptr<LibopusDecoder>(
        new (std::nothrow) LibopusDecoder(*params.def, AudioFormat{rate_for(params), channels}));
    if (!dec || !dec->open()) {
        status = Status::no_memory;
        return nullptr;
    }
    return dec;
}

std::unique_ptr<Encoder> make_opus_encoder(const CodecParams& params, Status& status) {
    const int ptime = params.ptime > 0 ? params.ptime : params.def->default_ptime;
    const int channels = opus_encoder_channels(params);
    OpusParams opus;
    // RFC 7587 4.2: 2.5 and 5 ms frames too, but upstream and SDP peers use these.
    const bool ptime_ok = ptime == 10 || ptime == 20 || ptime == 40 || ptime == 60;
    if (parse_opus_fmtp(params.fmtp, opus) != Status::ok || !ptime_ok || channels < 1 || channels > 2) {
        status = Status::bad_format;
        return nullptr;
    }
    int bitrate = params.bitrate > 0 ? params.bitrate : params.def->default_bitrate;
    if (opus.maxaveragebitrate > 0 && (params.bitrate <= 0 || params.bitrate > opus.maxaveragebitrate))
        bitrate = opus.maxaveragebitrate;
    bitrate = std::clamp(bitrate, 6000, 510000);
    auto enc = std::unique_ptr<LibopusEncoder>(
        new (std::nothrow) LibopusEncoder(*params.def, AudioFormat{rate_for(params), channels}, ptime));
    if (!enc) {
        status = Status::no_memory;
        return nullptr;
    }
    status = enc->open(bitrate, opus);
    if (status != Status::ok)
        return nullptr;
    return enc;
}

}  // namespace rtpe::codec::detail
