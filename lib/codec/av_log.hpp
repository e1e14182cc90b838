#pragma once

// Inside lib/codec only: ffmpeg's messages go to our log (subsystem "ffmpeg") instead of
// stderr. Installed once, by the first decoder, encoder or resampler made.

namespace rtpe::codec::detail {

void install_av_log();

}  // namespace rtpe::codec::detail
