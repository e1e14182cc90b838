#pragma once
// play DTMF on a call set up with inject-DTMF: the digits queued for one direction, played
// into its transcoded audio as upstream does, clocked by the sender's own packets (each
// packet of audio that arrives while a digit plays is replaced, so nothing of the sender's
// is heard during it). Towards a receiver with telephone-event, a digit is RFC 4733 events
// (updates while it lasts, then three end packets, then the pause, in which audio passes);
// towards one without, the digit's two tones replace the audio, then silence for the
// pause.
//
// Worker-side state: queue() and advance() run on the stream's worker and never allocate.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "codec/dtmf.hpp"

namespace rtpe::media {

class DtmfInjector {
public:
    // duration_ms kUntilFinished: a digit heard in the sender's audio (DTMF detection),
    // which lasts until finish().
    static constexpr uint16_t kUntilFinished = 0;
    struct Digit {
        uint8_t event = 0;         // 0-15
        uint8_t volume = 8;        // -dBm0 (RFC 4733 volume)
        uint16_t duration_ms = 250;
        uint16_t pause_ms = 100;
    };
    // The receiver's telephone-event payload type and clock.
    struct EventFormat {
        uint8_t type = 101;
        uint32_t clock = 8000;
    };
    // One RFC 4733 packet to send in place of the audio packet.
    struct Event {
        std::array<uint8_t, 4> payload{};
        bool start = false;  // the first packet of a digit (marker bit, new timestamp)
    };

    // events: the receiver's telephone-event; without it, tone (made for the chain's audio format).
    DtmfInjector(std::optional<EventFormat> events, std::unique_ptr<codec::DtmfGenerator> tone);
    // Control thread: the injector towards a receiver, as events where it takes
    // telephone-event, else as tones in the chain's audio; nullptr (status set) when no
    // tone generator can be made for that audio.
    static std::unique_ptr<DtmfInjector> make(std::optional<EventFormat> events, codec::AudioFormat audio,
                                              codec::Status& status);

    // Worker: one more digit after those queued; false when the queue is full.
    bool queue(const Digit& digit);
    bool busy() const { return phase_ != Phase::idle || count_ > 0; }
    // Worker: the digit without a duration that plays (or is queued) ends with the next packet.
    void finish();
    const std::optional<EventFormat>& events() const { return events_; }

    // Worker, for each packet of ms milliseconds of audio that arrives while busy(): the
    // event packet to send instead of it; or nullopt to send the audio, which tone mode
    // has overwritten (pcm, in tone's format) with the digit's tones or the pause's silence.
    std::optional<Event> advance(uint32_t ms, std::span<int16_t> pcm);

private:
    enum class Phase { idle, playing, ending, pause };
    Event event_packet(bool end, uint32_t elapsed_ms) const;

    std::optional<EventFormat> events_;
    std::unique_ptr<codec::DtmfGenerator> tone_;
    static constexpr std::size_t kQueue = 32;
    std::array<Digit, kQueue> queue_{};
    std::size_t head_ = 0, count_ = 0;
    Phase phase_ = Phase::idle;
    Digit current_;
    uint32_t elapsed_ms_ = 0;   // of the current phase
    uint32_t final_ms_ = 0;     // the duration the end packets carry
    int ends_sent_ = 0;
};

}  // namespace rtpe::media
