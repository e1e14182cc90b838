#include "codec/av_handles.hpp"
#include "codec/av_lookup.hpp"
#include "codec/engines.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <vector>

extern "C" {
#include <libavutil/opt.h>
}

namespace rtpe::codec::detail {

namespace {

constexpr std::size_t kMaxPayload = 8192;

class AvEncoder final : public Encoder {
public:
    AvEncoder(const CodecDef& def, AudioFormat in, int ptime, uint32_t rtp_duration)
        : Encoder(def, in, ptime, rtp_duration) {}
    ~AvEncoder() override {
        // Drain what the encoder still holds (a look-ahead) before it is freed.
        if (ctx_ && pkt_ && avcodec_is_open(ctx_.get()) && avcodec_send_frame(ctx_.get(), nullptr) >= 0)
            while (avcodec_receive_packet(ctx_.get(), pkt_.get()) >= 0)
                av_packet_unref(pkt_.get());
    }

    Status open(const AVCodec* codec, int bitrate) {
        ctx_.reset(avcodec_alloc_context3(codec));
        pkt_.reset(av_packet_alloc());
        frame_.reset(av_frame_alloc());
        if (!ctx_ || !pkt_ || !frame_)
            return Status::no_memory;
        bool s16 = false;
        for (const AVSampleFormat* f = codec->sample_fmts; f && *f != AV_SAMPLE_FMT_NONE; ++f)
            s16 |= *f == AV_SAMPLE_FMT_S16;
        if (!s16)
            return Status::unsupported;
        ctx_->sample_fmt = AV_SAMPLE_FMT_S16;
        ctx_->sample_rate = input_.rate;
        av_channel_layout_default(&ctx_->ch_layout, input_.channels);
        ctx_->time_base = AVRational{1, input_.rate};
        if (bitrate > 0)
            ctx_->bit_rate = bitrate;
        const int packet_samples = input_.rate / 1000 * ptime_;
        // Codecs with a free frame size (G.722: 20 ms unless told) take a packet at a
        // time; those with a fixed one set their own in avcodec_open2.
        ctx_->frame_size = packet_samples;
        if (avcodec_open2(ctx_.get(), codec, nullptr) < 0)
            return Status::bad_format;
        // Feed the encoder in its frame size and join its packets into one payload
        // (G.711, G.722, G.723.1, GSM, speex frames concatenate in RTP).
        chunk_ = ctx_->frame_size > 0 ? ctx_->frame_size : packet_samples;
        if ((codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) && packet_samples % chunk_ != 0)
            chunk_ = packet_samples;
        if (chunk_ <= 0 || packet_samples % chunk_ != 0)
            return Status::bad_format;
        gatherer_.size(static_cast<std::size_t>(packet_samples) * input_.channels);
        payload_.assign(kMaxPayload, 0);
        frame_->format = AV_SAMPLE_FMT_S16;
        frame_->sample_rate = input_.rate;
        frame_->nb_samples = chunk_;
        if (av_channel_layout_copy(&frame_->ch_layout, &ctx_->ch_layout) < 0 ||
            av_frame_get_buffer(frame_.get(), 0) < 0)
            return Status::no_memory;
        return Status::ok;
    }

    Status encode(std::span<const int16_t> pcm, PacketSink& sink) override {
        Status result = Status::ok;
        gatherer_.feed(pcm, [&](std::span<const int16_t> packet) {
            std::size_t size = 0;
            const Status st = encode_packet(packet, size);
            if (st != Status::ok)
                result = st;  // this packet is lost; the next one starts clean
            else if (size > 0)
                sink.on_payload(std::span<const uint8_t>(payload_.data(), size), rtp_duration_);
        });
        return result;
    }

private:
    Status encode_packet(std::span<const int16_t> packet, std::size_t& size) {
        const std::size_t chunk_values = static_cast<std::size_t>(chunk_) * input_.channels;
        for (std::size_t off = 0; off < packet.size(); off += chunk_values) {
            if (av_frame_make_writable(frame_.get()) < 0)
                return Status::encode_failed;
            std::memcpy(frame_->data[0], packet.data() + off, chunk_values * sizeof(int16_t));
            frame_->pts = pts_;
            pts_ += chunk_;
            if (avcodec_send_frame(ctx_.get(), frame_.get()) < 0)
                return Status::encode_failed;
            for (;;) {
                const int got = avcodec_receive_packet(ctx_.get(), pkt_.get());
                if (got == AVERROR(EAGAIN) || got == AVERROR_EOF)
                    break;
                if (got < 0)
                    return Status::encode_failed;
                const bool fits = size + static_cast<std::size_t>(pkt_->size) <= payload_.size();
                if (fits)
                    std::memcpy(payload_.data() + size, pkt_->data, static_cast<std::size_t>(pkt_->size));
                size += fits ? static_cast<std::size_t>(pkt_->size) : 0;
                av_packet_unref(pkt_.get());
                if (!fits)
                    return Status::encode_failed;
            }
        }
        return Status::ok;
    }

    CodecContextPtr ctx_;
    PacketPtr pkt_;
    FramePtr frame_;
    int chunk_ = 0;
    int64_t pts_ = 0;
    PacketGatherer gatherer_;
    std::vector<uint8_t> payload_;
};

}  // namespace

std::unique_ptr<Encoder> make_av_encoder(const CodecParams& params, Status& status) {
    const CodecDef& def = *params.def;
    const AVCodec* codec = find_av_encoder(def);
    if (!codec) {
        status = Status::unsupported;
        return nullptr;
    }
    const int ptime = params.ptime > 0 ? params.ptime : def.default_ptime;
    const int channels = params.channels > 0 ? params.channels : def.channels;
    const int bitrate = params.bitrate > 0 ? params.bitrate : def.default_bitrate;
    if (ptime <= 0 || ptime > 200 || ptime < def.minimum_ptime ||
        channels < 1 || channels > 2) {
        status = Status::bad_format;
        return nullptr;
    }
    const uint32_t rtp_duration = static_cast<uint32_t>(def.clock_rate / 1000 * ptime);
    auto enc = std::unique_ptr<AvEncoder>(
        new (std::nothrow) AvEncoder(def, AudioFormat{def.audio_rate, channels}, ptime, rtp_duration));
    if (!enc) {
        status = Status::no_memory;
        return nullptr;
    }
    status = enc->open(codec, bitrate);
    if (status != Status::ok)
        return nullptr;
    return enc;
}

}  // namespace rtpe::codec::detail
