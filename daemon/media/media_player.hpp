#pragma once
// play media into one participant: PCM (decoded from the file when the command came, on
// the control thread) encoded with the participant's codec and sent out of the stream
// facing it every packet time, clocked by its worker's timer, with an SSRC, sequence
// numbers and timestamps of its own. While it plays, what the peer sends towards that
// participant is held back (the forwarder and the transcoder ask the stream's player).
//
// Made on the control thread; start(), stop() and the timer run on the stream's worker
// and allocate nothing. The control thread reads only the atomics.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "codec/encoder.hpp"
#include "daemon/media/worker_timers.hpp"

namespace rtpe::media {

class PacketStream;

class MediaPlayer final : public Timer, private codec::PacketSink {
public:
    struct Settings {
        // mono, at the encoder's input rate; each sample goes to every channel it takes
        std::shared_ptr<const std::vector<int16_t>> pcm;
        std::unique_ptr<codec::Encoder> encoder;
        uint8_t payload_type = 0;
        uint32_t ssrc = 0;
        uint16_t first_sequence = 0;
        uint32_t first_timestamp = 0;
        int repeat_times = 1;
        std::size_t start_packet = 0;  // start-pos: packets of the first round skipped
    };
    MediaPlayer(Settings settings, PacketStream& to);

    // Worker: begins at once (replacing the stream's player, if any); ends by itself after
    // the last round, or with stop().
    void start();
    void stop();
    void on_timer(int64_t now_ms) override;

    // Any thread.
    uint64_t packets_sent() const { return sent_.load(std::memory_order_relaxed); }
    bool done() const { return done_.load(std::memory_order_acquire); }

private:
    void on_payload(std::span<const uint8_t> payload, uint32_t rtp_duration) override;

    Settings s_;
    PacketStream& to_;
    std::size_t samples_per_packet_;
    std::size_t position_ = 0;  // next sample of pcm
    std::vector<int16_t> frame_;  // one packet of PCM as the encoder takes it, channels interleaved
    int rounds_left_;
    int64_t started_ms_ = 0;
    uint64_t ticks_ = 0;
    uint16_t sequence_;
    uint32_t timestamp_;
    std::atomic<uint64_t> sent_{0};
    std::atomic<bool> done_{false};
};

}  // namespace rtpe::media
