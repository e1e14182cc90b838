#pragma once

// In-band DTMF: a detector (spandsp's dtmf_rx: tones in PCM -> digit start/end) and a
// generator (an RFC 4733 event's two tones, or one plain tone), on 16-bit PCM of any rate
// and channel count. The detector hears 8 kHz mono: other audio is resampled to it first
// (libswresample, a few samples of delay, nothing lost); the generator computes its sines
// at the audio's own rate, so a packet's worth of tone is exactly a packet long. Made on
// the control plane; feed()/generate() run on the worker, never throw and never allocate
// (spandsp's state and the resampler's buffer are allocated once, at creation).

#include "codec/audio_format.hpp"
#include "codec/status.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace rtpe::codec {

inline constexpr int kDtmfRate = 8000;

class DtmfDetector {
public:
    struct Tone {
        int event;          // 0-15 (see telephone_event.hpp)
        bool end;           // false: the tone began; true: it ended
        uint64_t sample;    // samples fed before the chunk in which it was seen ended
        int level_dbm0;     // start only: the detected level
    };
    class Listener {
    public:
        virtual void on_dtmf(const Tone& tone) = 0;

    protected:
        ~Listener() = default;
    };

    // input: the PCM feed() takes.
    static std::unique_ptr<DtmfDetector> create(Listener& listener, Status& status,
                                                AudioFormat input = {kDtmfRate, 1});
    ~DtmfDetector();
    DtmfDetector(const DtmfDetector&) = delete;
    DtmfDetector& operator=(const DtmfDetector&) = delete;

    // pcm: whole frames of the input format.
    void feed(std::span<const int16_t> pcm);
    // 8 kHz samples heard so far (Tone::sample counts the same).
    uint64_t samples_fed() const { return fed_; }

private:
    struct State;
    explicit DtmfDetector(Listener& l);
    static void on_realtime(void* self, int code, int level, int delay);
    void hear(std::span<const int16_t> pcm8k);
    Listener* listener_;
    std::unique_ptr<State> state_;
    std::vector<int16_t> resampled_;  // capacity reserved at creation
    uint64_t fed_ = 0;
    int current_ = -1;
};

class DtmfGenerator {
public:
    // format: the PCM generate() writes (every channel the same).
    static std::unique_ptr<DtmfGenerator> create(Status& status, AudioFormat format = {kDtmfRate, 1});
    ~DtmfGenerator();
    DtmfGenerator(const DtmfGenerator&) = delete;
    DtmfGenerator& operator=(const DtmfGenerator&) = delete;

    // Begins event 0-15 at -volume dBm0 per tone (RFC 4733 volume, 0-63); bad_format for
    // other events or volumes. A tone already playing is replaced.
    Status start(int event, int volume);
    // Begins one sine of frequency Hz (1 .. below half the rate) at -volume dBm0.
    Status start_tone(int frequency, int volume);
    void stop();
    bool active() const { return active_; }
    AudioFormat format() const { return format_; }

    // Fills out (whole frames) with the tone while one is active, silence otherwise.
    void generate(std::span<int16_t> out);

private:
    explicit DtmfGenerator(AudioFormat format) : format_(format) {}
    void begin(int low, int high, int volume);
    AudioFormat format_;
    bool active_ = false;
    // Up to two sines: phase and step per sample in turns, amplitude of each.
    double phase_[2] = {0, 0}, step_[2] = {0, 0};
    double amplitude_ = 0;
    int tones_ = 0;
};

}  // namespace rtpe::codec
