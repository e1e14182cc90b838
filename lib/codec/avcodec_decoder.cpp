#include "codec/amr_payload.hpp"
#include "codec/av_handles.hpp"
#include "codec/av_lookup.hpp"
#include "codec/engines.hpp"
#include "codec/fmtp.hpp"

#include <algorithm>
#include <cmath>
#include <new>

namespace rtpe::codec::detail {

namespace {

int16_t clamp16(float v) {
    const float s = std::nearbyint(v * 32768.0f);
    return static_cast<int16_t>(std::clamp(s, -32768.0f, 32767.0f));
}

// Sample i of channel ch as a 16-bit value.
bool sample_at(const AVFrame& f, int channels, int i, int ch, int16_t& out) {
    const auto fmt = static_cast<AVSampleFormat>(f.format);
    const bool planar = av_sample_fmt_is_planar(fmt);
    const int plane = planar ? ch : 0;
    const int idx = planar ? i : i * channels + ch;
    const uint8_t* base = f.extended_data[plane];
    switch (av_get_packed_sample_fmt(fmt)) {
    case AV_SAMPLE_FMT_S16:
        out = reinterpret_cast<const int16_t*>(base)[idx];
        return true;
    case AV_SAMPLE_FMT_S32:
        out = static_cast<int16_t>(reinterpret_cast<const int32_t*>(base)[idx] >> 16);
        return true;
    case AV_SAMPLE_FMT_FLT:
        out = clamp16(reinterpret_cast<const float*>(base)[idx]);
        return true;
    case AV_SAMPLE_FMT_DBL:
        out = clamp16(static_cast<float>(reinterpret_cast<const double*>(base)[idx]));
        return true;
    default:
        return false;
    }
}

}  // namespace

bool append_frame_s16(const AVFrame& frame, int out_channels, std::vector<int16_t>& pcm) {
    const int in_channels = frame.ch_layout.nb_channels;
    if (in_channels < 1 || out_channels < 1 || frame.nb_samples < 0)
        return false;
    if (in_channels != out_channels && !(in_channels == 1 && out_channels == 2) &&
        !(in_channels == 2 && out_channels == 1))
        return false;
    const std::size_t start = pcm.size();
    pcm.resize(start + static_cast<std::size_t>(frame.nb_samples) * out_channels);
    int16_t* out = pcm.data() + start;
    for (int i = 0; i < frame.nb_samples; ++i) {
        if (in_channels == out_channels) {
            for (int ch = 0; ch < in_channels; ++ch)
                if (!sample_at(frame, in_channels, i, ch, *out++))
                    return pcm.resize(start), false;
        } else if (in_channels == 1) {
            int16_t s;
            if (!sample_at(frame, 1, i, 0, s))
                return pcm.resize(start), false;
            *out++ = s;
            *out++ = s;
        } else {
            int16_t l, r;
            if (!sample_at(frame, 2, i, 0, l) || !sample_at(frame, 2, i, 1, r))
                return pcm.resize(start), false;
            *out++ = static_cast<int16_t>((l + r) / 2);
        }
    }
    return true;
}

namespace {

enum class Framing { whole, amr_wb, ilbc };

class AvDecoder final : public Decoder {
public:
    AvDecoder(const CodecDef& def, AudioFormat out, Framing framing)
        : Decoder(def, out), framing_(framing) {}

    Status open(const AVCodec* codec, int codec_channels, int block_align) {
        ctx_.reset(avcodec_alloc_context3(codec));
        pkt_.reset(av_packet_alloc());
        frame_.reset(av_frame_alloc());
        if (!ctx_ || !pkt_ || !frame_)
            return Status::no_memory;
        ctx_->sample_rate = output_.rate;
        av_channel_layout_default(&ctx_->ch_layout, codec_channels);
        ctx_->request_sample_fmt = AV_SAMPLE_FMT_S16;
        if (block_align > 0)
            ctx_->block_align = block_align;
        if (avcodec_open2(ctx_.get(), codec, nullptr) < 0)
            return Status::bad_format;
        return Status::ok;
    }

    void set_amr(bool octet_align) { octet_align_ = octet_align; }

    Status decode(std::span<const uint8_t> payload, std::vector<int16_t>& pcm) override {
        if (payload.empty())
            return Status::empty_payload;
        const std::size_t start = pcm.size();
        Status st = Status::ok;
        switch (framing_) {
        case Framing::whole:
            st = feed(payload, pcm);
            break;
        case Framing::ilbc:
            if (payload.size() % static_cast<std::size_t>(ctx_->block_align) != 0) {
                st = Status::invalid_payload;
                break;
            }
            for (std::size_t off = 0; st == Status::ok && off < payload.size(); off += ctx_->block_align)
                st = feed(payload.subspan(off, ctx_->block_align), pcm);
            break;
        case Framing::amr_wb:
            st = amr_depacketize(payload, true, octet_align_, amr_);
            for (std::size_t i = 0; st == Status::ok && i < amr_.count; ++i)
                if (amr_.frames[i].size > 1)  // NO_DATA / SPEECH_LOST carry no speech
                    st = feed(amr_.storage_frame(i), pcm);
            break;
        }
        if (st != Status::ok)
            pcm.resize(start);
        return st;
    }

private:
    Status feed(std::span<const uint8_t> data, std::vector<int16_t>& pcm) {
        // Not reference-counted: avcodec_send_packet copies it into a padded buffer.
        pkt_->data = const_cast<uint8_t*>(data.data());
        pkt_->size = static_cast<int>(data.size());
        int sent = avcodec_send_packet(ctx_.get(), pkt_.get());
        if (sent == AVERROR(EAGAIN)) {
            // Output still waiting (never after our own drain, but cheap to be sure).
            const Status st = drain(pcm);
            sent = st == Status::ok ? avcodec_send_packet(ctx_.get(), pkt_.get()) : -1;
        }
        pkt_->data = nullptr;
        pkt_->size = 0;
        if (sent < 0)
            return Status::decode_failed;
        return drain(pcm);
    }

    Status drain(std::vector<int16_t>& pcm) {
        for (;;) {
            const int got = avcodec_receive_frame(ctx_.get(), frame_.get());
            if (got == AVERROR(EAGAIN) || got == AVERROR_EOF)
                return Status::ok;
            if (got < 0)
                return Status::decode_failed;
            const bool ok = append_frame_s16(*frame_, output_.channels, pcm);
            av_frame_unref(frame_.get());
            if (!ok)
                return Status::decode_failed;
        }
    }

    Framing framing_;
    bool octet_align_ = false;
    AmrFrames amr_;
    CodecContextPtr ctx_;
    PacketPtr pkt_;
    FramePtr frame_;
};

}  // namespace

std::unique_ptr<Decoder> make_av_decoder(const CodecParams& params, Status& status) {
    const CodecDef& def = *params.def;
    const AVCodec* codec = find_av_decoder(def);
    if (!codec) {
        status = Status::unsupported;
        return nullptr;
    }
    Framing framing = Framing::whole;
    int block_align = 0;
    bool octet_align = false;
    int channels = params.channels > 0 ? params.channels : def.channels;
    int out_channels = params.output_channels > 0 ? params.output_channels : channels;
    if (def.name == "iLBC") {
        framing = Framing::ilbc;
        block_align = 50;
        for_each_fmtp_param(params.fmtp, [&](std::string_view k, std::string_view v) {
            if (k == "mode")
                block_align = v == "20" ? 38 : v == "30" ? 50 : -1;
        });
    } else if (def.name == "AMR-WB") {  // AMR: amr_decoder.cpp
        AmrParams amr;
        framing = Framing::amr_wb;
        if (parse_amr_fmtp(params.fmtp, true, amr) != Status::ok)
            block_align = -1;
        octet_align = amr.octet_align;
        block_align = block_align < 0 ? -1 : 0;
    }
    if (block_align < 0 || channels < 1 || channels > 2 || out_channels < 1 || out_channels > 2) {
        status = Status::bad_format;
        return nullptr;
    }
    auto dec = std::unique_ptr<AvDecoder>(
        new (std::nothrow) AvDecoder(def, AudioFormat{def.audio_rate, out_channels}, framing));
    if (!dec) {
        status = Status::no_memory;
        return nullptr;
    }
    dec->set_amr(octet_align);
    status = dec->open(codec, channels, block_align);
    if (status != Status::ok)
        return nullptr;
    return dec;
}

}  // namespace rtpe::codec::detail
