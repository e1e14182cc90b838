#include "codec/audio_file.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace rtpe::codec {
namespace {

// A mono 16-bit WAV of n samples at rate: a 1 kHz tone.
std::vector<uint8_t> wav(int rate, int n) {
    std::vector<uint8_t> out;
    auto put32 = [&](uint32_t v) {
        for (int i = 0; i < 4; ++i)
            out.push_back(static_cast<uint8_t>(v >> (8 * i)));
    };
    auto put16 = [&](uint16_t v) {
        out.push_back(static_cast<uint8_t>(v));
        out.push_back(static_cast<uint8_t>(v >> 8));
    };
    const uint32_t data = static_cast<uint32_t>(n) * 2;
    out.insert(out.end(), {'R', 'I', 'F', 'F'});
    put32(36 + data);
    out.insert(out.end(), {'W', 'A', 'V', 'E', 'f', 'm', 't', ' '});
    put32(16);
    put16(1);
    put16(1);
    put32(static_cast<uint32_t>(rate));
    put32(static_cast<uint32_t>(rate) * 2);
    put16(2);
    put16(16);
    out.insert(out.end(), {'d', 'a', 't', 'a'});
    put32(data);
    for (int i = 0; i < n; ++i)
        put16(static_cast<uint16_t>(static_cast<int16_t>(8000 * std::sin(2 * M_PI * 1000 * i / rate))));
    return out;
}

TEST(AudioFile, BlobAtItsOwnRateAndResampled) {
    const auto bytes = wav(16000, 16000);
    std::vector<int16_t> pcm;
    ASSERT_EQ(decode_audio_blob(bytes, 16000, pcm).status, Status::ok);
    EXPECT_EQ(pcm.size(), 16000u);
    ASSERT_EQ(decode_audio_blob(bytes, 8000, pcm).status, Status::ok);
    EXPECT_NEAR(static_cast<double>(pcm.size()), 8000, 40);
}

TEST(AudioFile, FileAndRefusals) {
    const std::string path = testing::TempDir() + "audio_file_test.wav";
    {
        const auto bytes = wav(8000, 4000);
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                    static_cast<std::streamsize>(bytes.size()));
    }
    std::vector<int16_t> pcm;
    EXPECT_EQ(decode_audio_file(path, 8000, pcm).status, Status::ok);
    EXPECT_EQ(pcm.size(), 4000u);
    EXPECT_NE(decode_audio_file(path + ".missing", 8000, pcm).status, Status::ok);
    const std::string garbage = "not a media file at all";
    EXPECT_NE(decode_audio_blob({reinterpret_cast<const uint8_t*>(garbage.data()), garbage.size()}, 8000, pcm).status,
              Status::ok);
    EXPECT_NE(decode_audio_blob({}, 8000, pcm).status, Status::ok);
    // A blob that names another file (an HLS playlist) gets nothing of it played (ffmpeg's
    // own checks refuse this one already; the decoder refuses every nested open besides).
    const std::string playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:1,\nfile:" + path + "\n#EXT-X-ENDLIST\n";
    const AudioFileResult r =
        decode_audio_blob({reinterpret_cast<const uint8_t*>(playlist.data()), playlist.size()}, 8000, pcm);
    EXPECT_NE(r.status, Status::ok) << "the blob played " << pcm.size() << " samples of another file";
    std::remove(path.c_str());
}

}  // namespace
}  // namespace rtpe::codec
