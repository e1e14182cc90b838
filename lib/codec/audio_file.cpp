#include "codec/audio_file.hpp"

#include "codec/av_handles.hpp"
#include "codec/av_log.hpp"
#include "codec/resampler.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/mem.h>
}

namespace rtpe::codec {

namespace {

struct FormatClose {
    void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};
using FormatPtr = std::unique_ptr<AVFormatContext, FormatClose>;

// A blob read through a custom AVIOContext: ffmpeg pulls from this cursor.
struct BlobCursor {
    std::span<const uint8_t> bytes;
    std::size_t at = 0;

    static int read(void* opaque, uint8_t* buf, int size) {
        auto* c = static_cast<BlobCursor*>(opaque);
        const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(size), c->bytes.size() - c->at);
        if (n == 0)
            return AVERROR_EOF;
        std::memcpy(buf, c->bytes.data() + c->at, n);
        c->at += n;
        return static_cast<int>(n);
    }
    static int64_t seek(void* opaque, int64_t offset, int whence) {
        auto* c = static_cast<BlobCursor*>(opaque);
        const auto size = static_cast<int64_t>(c->bytes.size());
        if (whence == AVSEEK_SIZE)
            return size;
        int64_t to = offset;
        if ((whence & ~AVSEEK_FORCE) == SEEK_CUR)
            to += static_cast<int64_t>(c->at);
        else if ((whence & ~AVSEEK_FORCE) == SEEK_END)
            to += size;
        if (to < 0 || to > size)
            return -1;
        c->at = static_cast<std::size_t>(to);
        return to;
    }
};

struct IoFree {
    void operator()(AVIOContext* io) const {
        av_freep(&io->buffer);
        avio_context_free(&io);
    }
};

// What a blob names is not opened: a playlist or concat script in a blob from the ng
// protocol must not make the daemon read other files or fetch URLs.
int refuse_nested_open(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) {
    return AVERROR(EPERM);
}

AudioFileResult failed(Status status, std::string error) {
    return {status, std::move(error)};
}

// Decodes the best audio stream of an opened input into pcm at rate.
AudioFileResult decode_input(AVFormatContext* fmt, int rate, std::vector<int16_t>& pcm) {
    if (avformat_find_stream_info(fmt, nullptr) < 0)
        return failed(Status::invalid_payload, "no stream information");
    const AVCodec* codec = nullptr;
    const int index = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    if (index < 0 || !codec)
        return failed(Status::unsupported, "no audio stream ffmpeg can decode");
    detail::CodecContextPtr ctx(avcodec_alloc_context3(codec));
    if (!ctx || avcodec_parameters_to_context(ctx.get(), fmt->streams[index]->codecpar) < 0 ||
        avcodec_open2(ctx.get(), codec, nullptr) < 0)
        return failed(Status::decode_failed, "cannot open the audio decoder");
    detail::PacketPtr packet(av_packet_alloc());
    detail::FramePtr frame(av_frame_alloc());
    if (!packet || !frame)
        return failed(Status::no_memory, "out of memory");
    std::vector<int16_t> mono;
    const std::size_t limit = static_cast<std::size_t>(kMaxAudioFileSeconds) * 192000;
    auto drain = [&]() -> bool {
        while (avcodec_receive_frame(ctx.get(), frame.get()) == 0) {
            const bool ok = detail::append_frame_s16(*frame, 1, mono);
            av_frame_unref(frame.get());
            if (!ok || mono.size() > limit)
                return false;
        }
        return true;
    };
    bool ok = true;
    while (ok && av_read_frame(fmt, packet.get()) >= 0) {
        if (packet->stream_index == index && avcodec_send_packet(ctx.get(), packet.get()) >= 0)
            ok = drain();
        av_packet_unref(packet.get());
    }
    if (ok && avcodec_send_packet(ctx.get(), nullptr) >= 0)
        ok = drain();
    if (!ok)
        return failed(Status::bad_format, "audio longer than the limit or in a sample format not known");
    if (mono.empty())
        return failed(Status::empty_payload, "no audio in it");
    const int file_rate = ctx->sample_rate;
    if (file_rate == rate) {
        pcm = std::move(mono);
        return {};
    }
    Status status = Status::ok;
    auto resampler = Resampler::create(AudioFormat{file_rate, 1}, AudioFormat{rate, 1}, status);
    if (!resampler)
        return failed(status, "cannot resample its audio");
    pcm.clear();
    if (resampler->convert(mono, pcm) != Status::ok || resampler->flush(pcm) != Status::ok)
        return failed(Status::bad_format, "cannot resample its audio");
    return {};
}

}  // namespace

AudioFileResult decode_audio_file(const std::string& path, int rate, std::vector<int16_t>& pcm) {
    detail::install_av_log();
    AVFormatContext* raw = nullptr;
    // Local files only, also for what a playlist in it names.
    AVDictionary* options = nullptr;
    av_dict_set(&options, "protocol_whitelist", "file", 0);
    const int opened = avformat_open_input(&raw, path.c_str(), nullptr, &options);
    av_dict_free(&options);
    if (opened < 0)
        return failed(Status::invalid_payload, "cannot open " + path);
    FormatPtr fmt(raw);
    return decode_input(fmt.get(), rate, pcm);
}

AudioFileResult decode_audio_blob(std::span<const uint8_t> bytes, int rate, std::vector<int16_t>& pcm) {
    detail::install_av_log();
    constexpr int kBuffer = 4096;
    BlobCursor cursor{bytes};
    auto* buffer = static_cast<uint8_t*>(av_malloc(kBuffer));
    if (!buffer)
        return failed(Status::no_memory, "out of memory");
    std::unique_ptr<AVIOContext, IoFree> io(
        avio_alloc_context(buffer, kBuffer, 0, &cursor, &BlobCursor::read, nullptr, &BlobCursor::seek));
    if (!io) {
        av_free(buffer);
        return failed(Status::no_memory, "out of memory");
    }
    AVFormatContext* raw = avformat_alloc_context();
    if (!raw)
        return failed(Status::no_memory, "out of memory");
    raw->pb = io.get();
    raw->io_open = refuse_nested_open;
    if (avformat_open_input(&raw, nullptr, nullptr, nullptr) < 0)  // frees raw on failure
        return failed(Status::invalid_payload, "not a media file ffmpeg reads");
    FormatPtr fmt(raw);
    return decode_input(fmt.get(), rate, pcm);
}

}  // namespace rtpe::codec
