#include "daemon/media/media_player.hpp"

#include <algorithm>

#include "daemon/media/deliver.hpp"
#include "daemon/media/egress.hpp"
#include "daemon/media/packet_stream.hpp"
#include "daemon/media/worker_context.hpp"

namespace rtpe::media {

MediaPlayer::MediaPlayer(Settings settings, PacketStream& to)
    : s_(std::move(settings)), to_(to),
      samples_per_packet_(static_cast<std::size_t>(s_.encoder->input_format().rate) *
                          static_cast<std::size_t>(s_.encoder->ptime()) / 1000),
      position_(std::min(s_.start_packet * samples_per_packet_, s_.pcm->size())),
      frame_(samples_per_packet_ * static_cast<std::size_t>(std::max(1, s_.encoder->input_format().channels))),
      rounds_left_(std::max(1, s_.repeat_times)), sequence_(s_.first_sequence), timestamp_(s_.first_timestamp) {}

void MediaPlayer::start() {
    if (to_.player && to_.player != this)
        to_.player->stop();
    to_.player = this;
    started_ms_ = WorkerTimers::now_ms();
    if (WorkerTimers* timers = this_worker().timers)
        timers->schedule(*this, started_ms_);
}

void MediaPlayer::stop() {
    if (WorkerTimers* timers = this_worker().timers)
        timers->cancel(*this);
    if (to_.player == this)
        to_.player = nullptr;
    done_.store(true, std::memory_order_release);
}

void MediaPlayer::on_timer(int64_t) {
    if (to_.retired() || samples_per_packet_ == 0) {
        stop();
        return;
    }
    const std::vector<int16_t>& pcm = *s_.pcm;
    if (position_ >= pcm.size()) {
        if (--rounds_left_ <= 0) {
            stop();
            return;
        }
        position_ = 0;
    }
    // One packet's samples on each of the encoder's channels (a stereo receiver hears the
    // mono file on both); the file's last packet is filled up with silence.
    const std::size_t take = std::min(samples_per_packet_, pcm.size() - position_);
    const std::size_t channels = frame_.size() / samples_per_packet_;
    for (std::size_t i = 0; i < samples_per_packet_; ++i)
        std::fill_n(frame_.begin() + static_cast<std::ptrdiff_t>(i * channels), channels,
                    i < take ? pcm[position_ + i] : int16_t{0});
    s_.encoder->encode(frame_, *this);
    position_ += take;
    ++ticks_;
    // Paced from the start, so that late ticks do not add up to drift.
    if (WorkerTimers* timers = this_worker().timers)
        timers->schedule(*this, started_ms_ + static_cast<int64_t>(ticks_) * s_.encoder->ptime());
}

void MediaPlayer::on_payload(std::span<const uint8_t> payload, uint32_t rtp_duration) {
    Egress& egress = timer_egress();
    rtp::RtpHeader h;
    h.payload_type = s_.payload_type;
    h.marker = sent_.load(std::memory_order_relaxed) == 0;
    h.sequence = sequence_;
    h.timestamp = timestamp_;
    h.ssrc = s_.ssrc;
    if (const Packet out = build_rtp(egress.scratch(), h, payload, &to_); out.length && to_.sendable()) {
        deliver(to_, out, egress);
        egress.flush();
        sent_.fetch_add(1, std::memory_order_relaxed);
    }
    ++sequence_;
    timestamp_ += rtp_duration;
}

}  // namespace rtpe::media
