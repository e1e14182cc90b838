#pragma once

// An encoder: 16-bit interleaved PCM in, one RTP payload per packet time out. Made on the
// control plane, used on the stream's worker: encode() never throws and allocates nothing
// of its own once made (it collects PCM in a buffer of one packet's size).
//
// Implementations: ffmpeg's libavcodec (avcodec_encoder.cpp), bcg729, libopus and the AMR
// encoders.

#include "codec/audio_format.hpp"
#include "codec/codec_params.hpp"
#include "codec/status.hpp"

#include <cstdint>
#include <algorithm>
#include <vector>
#include <memory>
#include <span>

namespace rtpe::codec {

// Where payloads go; the span is valid during the call only.
class PacketSink {
public:
    virtual void on_payload(std::span<const uint8_t> payload, uint32_t rtp_duration) = 0;

protected:
    ~PacketSink() = default;
};

class Encoder {
public:
    virtual ~Encoder() = default;
    Encoder(const Encoder&) = delete;
    Encoder& operator=(const Encoder&) = delete;

    // Takes any number of samples (interleaved, input_format()); each complete packet
    // goes to sink at once. Samples short of a packet wait for the next call.
    virtual Status encode(std::span<const int16_t> pcm, PacketSink& sink) = 0;

    AudioFormat input_format() const { return input_; }
    int ptime() const { return ptime_; }
    // RTP timestamp units per packet (clock rate as SDP writes it times ptime).
    uint32_t rtp_duration() const { return rtp_duration_; }
    const CodecDef& codec() const { return *def_; }

protected:
    Encoder(const CodecDef& def, AudioFormat input, int ptime, uint32_t rtp_duration)
        : def_(&def), input_(input), ptime_(ptime), rtp_duration_(rtp_duration) {}
    const CodecDef* def_;
    AudioFormat input_;
    int ptime_;
    uint32_t rtp_duration_;
};

std::unique_ptr<Encoder> make_encoder(const CodecParams& params, Status& status);

// Gathers samples into whole packets across calls, for encoders: on_packet(packet) runs
// for each complete one, in order; what is short of a packet waits for the next feed.
class PacketGatherer {
public:
    void size(std::size_t values) {
        pending_.assign(values, 0);
        filled_ = 0;
    }
    template <typename OnPacket>
    void feed(std::span<const int16_t> pcm, OnPacket&& on_packet) {
        while (!pcm.empty()) {
            const std::size_t take = std::min(pcm.size(), pending_.size() - filled_);
            std::copy_n(pcm.begin(), take, pending_.begin() + static_cast<std::ptrdiff_t>(filled_));
            filled_ += take;
            pcm = pcm.subspan(take);
            if (filled_ < pending_.size())
                break;
            filled_ = 0;
            on_packet(std::span<const int16_t>(pending_));
        }
    }

private:
    std::vector<int16_t> pending_;
    std::size_t filled_ = 0;
};

}  // namespace rtpe::codec
