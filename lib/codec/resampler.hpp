#pragma once

// Rate and channel-count changes over libswresample, 16-bit interleaved PCM both sides.
// Made on the control plane; convert() runs on the worker, never throws, and appends to
// the caller's vector (no allocation once it has grown to a packet's worth). The
// resampler keeps a few samples of history (its filter delay); flush() drains them.

#include "codec/audio_format.hpp"
#include "codec/status.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

struct SwrContext;

namespace rtpe::codec {

class Resampler {
public:
    // nullptr with status bad_format for rates outside 8000..192000 or channels
    // outside 1..2, no_memory when libswresample fails.
    static std::unique_ptr<Resampler> create(AudioFormat in, AudioFormat out, Status& status);
    ~Resampler();
    Resampler(const Resampler&) = delete;
    Resampler& operator=(const Resampler&) = delete;

    // pcm.size() must be a whole number of frames (a multiple of in.channels).
    Status convert(std::span<const int16_t> in, std::vector<int16_t>& out);
    Status flush(std::vector<int16_t>& out);

    AudioFormat input_format() const { return in_; }
    AudioFormat output_format() const { return out_; }

private:
    Resampler(AudioFormat in, AudioFormat out) : in_(in), out_(out) {}
    Status run(const int16_t* in, int frames, std::vector<int16_t>& out);
    AudioFormat in_;
    AudioFormat out_;
    SwrContext* swr_ = nullptr;
};

}  // namespace rtpe::codec
