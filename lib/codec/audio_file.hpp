#pragma once

// A whole media file (a path, or its bytes in memory) decoded to mono 16-bit PCM at one
// rate: what play media sends. Any container and codec ffmpeg reads (libavformat,
// libavcodec), resampled with libswresample. Control plane only: it reads and decodes
// everything at once, allocating as it goes; files longer than kMaxAudioFileSeconds are
// refused.

#include "codec/status.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rtpe::codec {

inline constexpr int kMaxAudioFileSeconds = 600;

struct AudioFileResult {
    Status status = Status::ok;
    std::string error;  // what went wrong, for the log
};

AudioFileResult decode_audio_file(const std::string& path, int rate, std::vector<int16_t>& pcm);
AudioFileResult decode_audio_blob(std::span<const uint8_t> bytes, int rate, std::vector<int16_t>& pcm);

}  // namespace rtpe::codec
