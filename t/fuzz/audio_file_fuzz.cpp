// play media's blob into the media file decoder (lib/codec/audio_file): any bytes end with
// a status, never a crash, and never open anything beyond the blob itself.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "codec/audio_file.hpp"
#include "util/log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    static const bool quiet = [] {
        // ffmpeg's complaints about the input are expected: not written.
        for (const auto& s : rtpe::log::subsystems())
            rtpe::log::set_level(*rtpe::log::subsystem_by_name(s.name), 0);
        return true;
    }();
    (void)quiet;
    std::vector<int16_t> pcm;
    rtpe::codec::decode_audio_blob({data, size}, 8000, pcm);
    return 0;
}
