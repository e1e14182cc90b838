#include "codec/resampler.hpp"

#include "codec/av_log.hpp"

#include <new>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

namespace rtpe::codec {

namespace {
bool sane(AudioFormat f) {
    return f.rate >= 8000 && f.rate <= 192000 && f.channels >= 1 && f.channels <= 2;
}
}  // namespace

std::unique_ptr<Resampler> Resampler::create(AudioFormat in, AudioFormat out, Status& status) {
    detail::install_av_log();
    if (!sane(in) || !sane(out)) {
        status = Status::bad_format;
        return nullptr;
    }
    std::unique_ptr<Resampler> r(new (std::nothrow) Resampler(in, out));
    if (!r) {
        status = Status::no_memory;
        return nullptr;
    }
    AVChannelLayout in_layout, out_layout;
    av_channel_layout_default(&in_layout, in.channels);
    av_channel_layout_default(&out_layout, out.channels);
    if (swr_alloc_set_opts2(&r->swr_, &out_layout, AV_SAMPLE_FMT_S16, out.rate, &in_layout,
                            AV_SAMPLE_FMT_S16, in.rate, 0, nullptr) < 0 ||
        swr_init(r->swr_) < 0) {
        status = Status::no_memory;
        return nullptr;
    }
    status = Status::ok;
    return r;
}

Resampler::~Resampler() { swr_free(&swr_); }

Status Resampler::run(const int16_t* in, int frames, std::vector<int16_t>& out) {
    const int room = swr_get_out_samples(swr_, frames);
    if (room < 0)
        return Status::bad_format;
    const std::size_t start = out.size();
    out.resize(start + static_cast<std::size_t>(room) * out_.channels);
    uint8_t* out_planes[1] = {reinterpret_cast<uint8_t*>(out.data() + start)};
    const uint8_t* in_planes[1] = {reinterpret_cast<const uint8_t*>(in)};
    const int got = swr_convert(swr_, out_planes, room, in ? in_planes : nullptr, frames);
    if (got < 0) {
        out.resize(start);
        return Status::bad_format;
    }
    out.resize(start + static_cast<std::size_t>(got) * out_.channels);
    return Status::ok;
}

Status Resampler::convert(std::span<const int16_t> in, std::vector<int16_t>& out) {
    if (in.size() % static_cast<std::size_t>(in_.channels) != 0)
        return Status::bad_format;
    if (in.empty())
        return Status::ok;
    return run(in.data(), static_cast<int>(in.size() / in_.channels), out);
}

Status Resampler::flush(std::vector<int16_t>& out) { return run(nullptr, 0, out); }

}  // namespace rtpe::codec
