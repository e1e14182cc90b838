#pragma once

// In-band DTMF over spandsp: a detector (tones in PCM -> digit start/end) and a generator
// (an RFC 4733 event -> its two tones), both on 8 kHz mono 16-bit PCM (resample other
// rates first). Made on the control plane; feed()/generate() run on the worker, never
// throw and never allocate (spandsp's state is allocated once, at creation).

#include "codec/status.hpp"

#include <cstdint>
#include <memory>
#include <span>

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

    static std::unique_ptr<DtmfDetector> create(Listener& listener, Status& status);
    ~DtmfDetector();
    DtmfDetector(const DtmfDetector&) = delete;
    DtmfDetector& operator=(const DtmfDetector&) = delete;

    void feed(std::span<const int16_t> pcm);
    uint64_t samples_fed() const { return fed_; }

private:
    struct State;
    explicit DtmfDetector(Listener& l);
    static void on_realtime(void* self, int code, int level, int delay);
    Listener* listener_;
    std::unique_ptr<State> state_;
    uint64_t fed_ = 0;
    int current_ = -1;
};

class DtmfGenerator {
public:
    static std::unique_ptr<DtmfGenerator> create(Status& status);
    ~DtmfGenerator();
    DtmfGenerator(const DtmfGenerator&) = delete;
    DtmfGenerator& operator=(const DtmfGenerator&) = delete;

    // Begins event 0-15 at -volume dBm0 per tone (RFC 4733 volume, 0-63); bad_format for
    // other events or volumes. A tone already playing is replaced.
    Status start(int event, int volume);
    void stop();
    bool active() const { return active_; }

    // Fills out with the tone while one is active, silence otherwise.
    void generate(std::span<int16_t> out);

private:
    struct State;
    DtmfGenerator();
    std::unique_ptr<State> state_;
    bool active_ = false;
};

}  // namespace rtpe::codec
