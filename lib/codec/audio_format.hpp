#pragma once

// PCM as the codec layer hands it around: signed 16-bit, interleaved, at `rate` samples
// per second per channel.

namespace rtpe::codec {

struct AudioFormat {
    int rate = 8000;
    int channels = 1;
    friend bool operator==(const AudioFormat&, const AudioFormat&) = default;
};

}  // namespace rtpe::codec
