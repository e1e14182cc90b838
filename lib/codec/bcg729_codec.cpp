// G.729 / G.729a over bcg729: 10 ms frames of 80 samples and 10 bytes; a 2-byte frame at
// the end of a payload is an Annex B SID (comfort noise).

#include "codec/engines.hpp"

#include <algorithm>
#include <array>
#include <new>
#include <vector>

extern "C" {
#include <bcg729/decoder.h>
#include <bcg729/encoder.h>
}

namespace rtpe::codec::detail {

namespace {

constexpr int kFrameSamples = 80;
constexpr std::size_t kFrameBytes = 10;
constexpr std::size_t kSidBytes = 2;

struct DecoderFree {
    void operator()(bcg729DecoderChannelContextStruct* c) const { closeBcg729DecoderChannel(c); }
};
struct EncoderFree {
    void operator()(bcg729EncoderChannelContextStruct* c) const { closeBcg729EncoderChannel(c); }
};

class Bcg729Decoder final : public Decoder {
public:
    explicit Bcg729Decoder(const CodecDef& def) : Decoder(def, AudioFormat{8000, 1}) {}
    bool open() {
        ctx_.reset(initBcg729DecoderChannel());
        return ctx_ != nullptr;
    }

    Status decode(std::span<const uint8_t> payload, std::vector<int16_t>& pcm) override {
        if (payload.empty())
            return Status::empty_payload;
        const std::size_t rest = payload.size() % kFrameBytes;
        if (rest != 0 && rest != kSidBytes)
            return Status::invalid_payload;
        const std::size_t frames = payload.size() / kFrameBytes + (rest ? 1 : 0);
        const std::size_t start = pcm.size();
        pcm.resize(start + frames * kFrameSamples);
        int16_t* out = pcm.data() + start;
        for (std::size_t off = 0; off < payload.size(); out += kFrameSamples) {
            const std::size_t len = std::min(kFrameBytes, payload.size() - off);
            const uint8_t sid = len == kSidBytes ? 1 : 0;
            bcg729Decoder(ctx_.get(), payload.data() + off, static_cast<uint8_t>(len), 0, sid, 0, out);
            off += len;
        }
        return Status::ok;
    }

private:
    std::unique_ptr<bcg729DecoderChannelContextStruct, DecoderFree> ctx_;
};

class Bcg729Encoder final : public Encoder {
public:
    Bcg729Encoder(const CodecDef& def, int ptime)
        : Encoder(def, AudioFormat{8000, 1}, ptime, static_cast<uint32_t>(8 * ptime)) {}
    bool open() {
        // Annex B (VAD/DTX) off, as upstream's G.729 default "annexb=no".
        ctx_.reset(initBcg729EncoderChannel(0));
        gatherer_.size(static_cast<std::size_t>(kFrameSamples) * (ptime_ / 10));
        payload_.assign(kFrameBytes * static_cast<std::size_t>(ptime_ / 10), 0);
        return ctx_ != nullptr;
    }

    Status encode(std::span<const int16_t> pcm, PacketSink& sink) override {
        gatherer_.feed(pcm, [&](std::span<const int16_t> packet) {
            std::size_t size = 0;
            for (std::size_t off = 0; off < packet.size(); off += kFrameSamples) {
                uint8_t len = 0;
                bcg729Encoder(ctx_.get(), packet.data() + off, payload_.data() + size, &len);
                size += len;
            }
            if (size > 0)
                sink.on_payload(std::span<const uint8_t>(payload_.data(), size), rtp_duration_);
        });
        return Status::ok;
    }

private:
    std::unique_ptr<bcg729EncoderChannelContextStruct, EncoderFree> ctx_;
    PacketGatherer gatherer_;
    std::vector<uint8_t> payload_;
};

}  // namespace

std::unique_ptr<Decoder> make_bcg729_decoder(const CodecParams& params, Status& status) {
    if ((params.channels != 0 && params.channels != 1) || params.output_channels > 1) {
        status = Status::bad_format;
        return nullptr;
    }
    auto dec = std::unique_ptr<Bcg729Decoder>(new (std::nothrow) Bcg729Decoder(*params.def));
    if (!dec || !dec->open()) {
        status = Status::no_memory;
        return nullptr;
    }
    return dec;
}

std::unique_ptr<Encoder> make_bcg729_encoder(const CodecParams& params, Status& status) {
    const int ptime = params.ptime > 0 ? params.ptime : params.def->default_ptime;
    if (ptime < std::max(10, params.def->minimum_ptime) || ptime > 200 || ptime % 10 != 0 || (params.channels != 0 && params.channels != 1)) {
        status = Status::bad_format;
        return nullptr;
    }
    auto enc = std::unique_ptr<Bcg729Encoder>(new (std::nothrow) Bcg729Encoder(*params.def, ptime));
    if (!enc || !enc->open()) {
        status = Status::no_memory;
        return nullptr;
    }
    return enc;
}

}  // namespace rtpe::codec::detail
