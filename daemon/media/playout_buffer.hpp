#pragma once
// The clocked stage in front of a codec chain (--jitter-buffer, --dtx-delay, the ng
// delay-buffer): received RTP is copied into a fixed ring indexed by sequence number and
// handed back in sequence order once its playout time has come; where the stream has a
// gap (loss: as many packet times as the next packet's timestamp says are missing; the
// sender's DTX pause: one whenever its time comes), it asks for one packet time of fill at
// a time (comfort noise or silence), as long as --max-dtx allows.
//
// --dtx-shift moves that clock: forward when the sender is ahead (more held than
// --dtx-buffer and --dtx-lag allow), back when it is behind (the buffer ran empty, but at
// the stream's pace the next packet is due to arrive within the shift).
//
// Playout time: each packet's RTP timestamp on a time line anchored at the smallest
// transit (arrival minus media time) seen, plus the configured delay. A packet that
// arrives later than that goes as soon as its turn comes; one whose transit is more than a
// second off the anchor (a timestamp jump) starts a new anchor.
//
// No clock and no sockets: the caller passes the time (the worker's timer and the packet
// path), so unit tests drive it with made-up times. Storage is allocated when made (the
// control thread); insert() and pop() never allocate, lock or throw.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "rtp/header.hpp"

namespace rtpe::media {

struct PlayoutSettings {
    int jitter_packets = 0;    // --jitter-buffer: packets of jitter absorbed (0: none)
    bool clock_drift = false;  // --jb-clock-drift: the anchor follows the sender's clock
    int delay_ms = 0;          // ng delay-buffer: every packet is held this long
    int dtx_delay_ms = 0;      // --dtx-delay: held this long so that gaps can be filled
    int max_dtx_ms = 30000;    // --max-dtx: longest gap filled (<= 0: no limit)
    int dtx_buffer = 10;       // --dtx-buffer / --dtx-lag: more packets and more audio than
    int dtx_lag_ms = 100;      // this held is an overflow; the clock is moved forward by
    int dtx_shift_ms = 0;      // --dtx-shift ms, or (0) the oldest packet is dropped. An
                               // underflow (the next packet late, not lost) moves it back
                               // by as much, or (0) is filled like any gap
    uint32_t clock_rate = 8000;  // of the input's RTP timestamps
    int packet_ms = 20;          // packet time until the stream shows its own

    bool engaged() const { return jitter_packets > 0 || delay_ms > 0 || dtx_delay_ms > 0; }
    bool fills_gaps() const { return dtx_delay_ms > 0; }
    // What every packet is held for at least (beyond the transit anchor).
    int hold_ms() const { return delay_ms + dtx_delay_ms + jitter_packets * packet_ms; }
};

class PlayoutBuffer {
public:
    static constexpr std::size_t kMaxPayload = 1500;
    static constexpr std::size_t kMaxSlots = 512;
    static constexpr int64_t kJumpMs = 1000;  // a transit further off than this: new anchor

    struct Held {
        rtp::RtpHeader header;  // payload_offset 0: the payload is in data
        std::size_t length = 0;
        int64_t due_ms = 0;
        bool used = false;
        uint8_t data[kMaxPayload];
    };
    // What pop() hands back: a packet (valid until the next insert or pop), or one
    // packet time of fill (fill_ms), or nothing yet.
    struct Out {
        const Held* packet = nullptr;
        int fill_ms = 0;
        explicit operator bool() const { return packet || fill_ms; }
    };
    enum class Insert { queued, late, duplicate, too_big, full };

    // Counts since it was made (one writer: the caller's thread). dropped: held packets
    // given up (overflow without --dtx-shift, a new stream); shifted_forward / _back: the
    // clock moved by --dtx-shift on an overflow / underflow.
    struct Counts {
        uint64_t queued = 0, late = 0, duplicates = 0, too_big = 0, lost = 0, fills = 0, dropped = 0,
                 restarts = 0, timestamp_jumps = 0, shifted_forward = 0, shifted_back = 0;
    };

    explicit PlayoutBuffer(const PlayoutSettings& settings);

    // Copies the packet in. full: its sequence number is too far ahead of what is held;
    // pop(now, true) makes room (the caller releases what that gives and tries again).
    Insert insert(const rtp::RtpHeader& header, std::span<const uint8_t> payload, int64_t now_ms);
    // The next packet or fill due by now_ms, in order; force: the oldest held packet (or
    // the gap before it) whatever its time.
    Out pop(int64_t now_ms, bool force = false);
    // When pop() will have something (-1: not before the next insert).
    int64_t wake_ms() const { return plan().when; }
    // Forgets everything held (a new stream, or the chain is stopped).
    void clear();

    std::size_t held() const { return held_; }
    std::size_t capacity() const { return slots_.size(); }
    const Counts& counts() const { return counts_; }

private:
    enum class Action { none, release_head, skip_to_next, fill };
    struct Plan {
        int64_t when = -1;
        Action action = Action::none;
    };
    Plan plan() const;
    Held& slot(uint16_t seq) { return slots_[seq & mask_]; }
    const Held& slot(uint16_t seq) const { return slots_[seq & mask_]; }
    // The first held packet after the head (held_ > 0 and the head's slot empty).
    uint16_t next_held() const;
    Out release(uint16_t seq);
    void restart(const rtp::RtpHeader& header, int64_t transit);
    int64_t media_ms(uint32_t timestamp) const;
    void overflow_check();
    // Moves our clock (the anchor and every due time) by ms: negative is forward.
    void shift_clock(int64_t ms);
    // Nothing held and a fill due, but at the stream's pace the next packet is due to
    // arrive within --dtx-shift: it is late rather than lost.
    bool underflow(int64_t now_ms) const;

    PlayoutSettings s_;
    std::vector<Held> slots_;
    std::size_t mask_ = 0;
    std::size_t held_ = 0;
    bool started_ = false;
    uint32_t ssrc_ = 0;
    uint16_t next_seq_ = 0;  // the next to hand out
    uint32_t base_ts_ = 0;   // media time 0
    int64_t anchor_ = 0;     // smallest transit: arrival minus media time
    // --jb-clock-drift: the smallest transit of the current two-second window.
    int64_t window_end_ = 0, window_min_ = 0;
    // After the first packet went: when the next one is due (gap filling) and its length.
    bool released_any_ = false;
    int64_t next_due_ = 0;
    int64_t next_media_ms_ = 0;  // the media time the next packet (or fill) stands for
    int packet_ms_;
    std::optional<uint32_t> last_ts_;
    int dtx_ms_ = 0;  // gap filled since the last packet
    int64_t last_arrival_ms_ = 0;  // of the last packet queued
    Counts counts_;
};

}  // namespace rtpe::media
