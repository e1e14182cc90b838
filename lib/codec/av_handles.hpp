#pragma once

// Inside lib/codec only: ffmpeg handles as unique_ptrs, and PCM out of an AVFrame.

#include <cstdint>
#include <memory>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
}

namespace rtpe::codec::detail {

struct CodecContextFree {
    void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct PacketFree {
    void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameFree {
    void operator()(AVFrame* f) const { av_frame_free(&f); }
};
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextFree>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFree>;
using FramePtr = std::unique_ptr<AVFrame, FrameFree>;

// Appends a decoded frame as interleaved 16-bit PCM with out_channels channels (mono to
// stereo duplicates, stereo to mono averages). False for a sample format it does not
// know or a channel count it cannot map.
bool append_frame_s16(const AVFrame& frame, int out_channels, std::vector<int16_t>& pcm);

}  // namespace rtpe::codec::detail
