#include "daemon/media/playout_buffer.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace rtpe::media {

namespace {

// The sender's clock is followed over windows this long (--jb-clock-drift).
constexpr int64_t kDriftWindowMs = 2000;
// Packet times learnt from the stream are believed within these bounds.
constexpr int kMinPacketMs = 5, kMaxPacketMs = 200;

std::size_t slots_for(const PlayoutSettings& s) {
    // Room for everything held for hold_ms() in packets as short as 10 ms, the jitter
    // packets once more (reordering), and the DTX buffer's overflow limit.
    const std::size_t wanted = static_cast<std::size_t>(std::max(0, s.hold_ms()) / 10) +
                               static_cast<std::size_t>(std::max(0, s.jitter_packets)) +
                               static_cast<std::size_t>(std::max(0, s.dtx_buffer)) + 8;
    return std::clamp<std::size_t>(std::bit_ceil(wanted), 16, PlayoutBuffer::kMaxSlots);
}

}  // namespace

PlayoutBuffer::PlayoutBuffer(const PlayoutSettings& settings)
    : s_(settings), slots_(slots_for(settings)), mask_(slots_.size() - 1),
      packet_ms_(std::clamp(settings.packet_ms, kMinPacketMs, kMaxPacketMs)) {
    if (s_.clock_rate == 0)
        s_.clock_rate = 8000;
}

int64_t PlayoutBuffer::media_ms(uint32_t timestamp) const {
    // Signed: a packet reordered before the first one lies before media time 0.
    return int64_t{static_cast<int32_t>(timestamp - base_ts_)} * 1000 / static_cast<int64_t>(s_.clock_rate);
}

void PlayoutBuffer::clear() {
    for (auto& h : slots_)
        h.used = false;
    held_ = 0;
    started_ = false;
    released_any_ = false;
    last_ts_.reset();
    dtx_ms_ = 0;
}

void PlayoutBuffer::restart(const rtp::RtpHeader& header, int64_t now_ms) {
    if (started_) {
        ++counts_.restarts;
        counts_.dropped += held_;
    }
    clear();
    started_ = true;
    ssrc_ = header.ssrc;
    next_seq_ = header.sequence;
    base_ts_ = header.timestamp;
    anchor_ = now_ms;
    window_min_ = now_ms;
    window_end_ = now_ms + kDriftWindowMs;
}

PlayoutBuffer::Insert PlayoutBuffer::insert(const rtp::RtpHeader& header, std::span<const uint8_t> payload,
                                            int64_t now_ms) {
    if (payload.size() > kMaxPayload) {
        ++counts_.too_big;
        return Insert::too_big;
    }
    const auto span = static_cast<int>(slots_.size());
    if (!started_ || header.ssrc != ssrc_) {
        restart(header, now_ms);
    } else {
        const int delta = static_cast<int16_t>(static_cast<uint16_t>(header.sequence - next_seq_));
        // Far off either way: the sender started a new numbering, not a reordering.
        if (delta < -3 * span || delta > 3 * span) {
            restart(header, now_ms);
        } else if (delta < 0) {
            ++counts_.late;  // its turn has passed: handed out already, or given up as lost
            return Insert::late;
        } else if (delta >= span) {
            return Insert::full;
        }
    }
    Held& h = slot(header.sequence);
    if (h.used) {
        ++counts_.duplicates;
        return Insert::duplicate;
    }
    const int64_t media = media_ms(header.timestamp);
    const int64_t transit = now_ms - media;
    if (transit > anchor_ + kJumpMs || transit < anchor_ - kJumpMs) {
        ++counts_.timestamp_jumps;  // the timestamps jumped (or the sender paused its clock)
        anchor_ = transit;
        window_min_ = transit;
    } else if (transit < anchor_) {
        anchor_ = transit;
    }
    if (s_.clock_drift) {
        // The anchor follows the smallest transit of each window, up as well as down, so
        // a sender whose clock runs slow keeps its jitter allowance.
        window_min_ = std::min(window_min_, transit);
        if (now_ms >= window_end_) {
            anchor_ = window_min_;
            window_min_ = transit;
            window_end_ = now_ms + kDriftWindowMs;
        }
    }
    h.header = header;
    h.header.payload_offset = 0;
    h.header.payload_length = payload.size();
    h.length = payload.size();
    if (!payload.empty())
        std::memcpy(h.data, payload.data(), payload.size());
    h.due_ms = anchor_ + media + s_.hold_ms();
    h.used = true;
    ++held_;
    last_arrival_ms_ = now_ms;
    ++counts_.queued;
    overflow_check();
    return Insert::queued;
}

void PlayoutBuffer::overflow_check() {
    // The DTX buffer's limits (--dtx-buffer and --dtx-lag, both exceeded): the sender is
    // ahead of our clock; our clock moves forward, or the oldest packet goes.
    if (!s_.fills_gaps() || held_ <= static_cast<std::size_t>(std::max(0, s_.dtx_buffer)) ||
        static_cast<int64_t>(held_) * packet_ms_ <= s_.dtx_lag_ms)
        return;
    if (s_.dtx_shift_ms > 0) {
        ++counts_.shifted_forward;
        shift_clock(-s_.dtx_shift_ms);
        return;
    }
    const uint16_t oldest = slot(next_seq_).used ? next_seq_ : next_held();
    slot(oldest).used = false;
    --held_;
    ++counts_.dropped;
    next_seq_ = static_cast<uint16_t>(oldest + 1);
    next_due_ += packet_ms_;
}

void PlayoutBuffer::shift_clock(int64_t ms) {
    anchor_ += ms;
    next_due_ += ms;
    for (auto& h : slots_)
        if (h.used)
            h.due_ms += ms;
}

bool PlayoutBuffer::underflow(int64_t now_ms) const {
    // A sender whose clock runs slower than ours: each packet comes a little later than the
    // one before, until one is not there when its time comes, though at the pace of the
    // one before it is due within the shift. Before a pause or a loss the last packet came
    // a whole delay earlier. The shift moves the fill (and this check) on: a packet that
    // still does not come is filled for after all.
    return s_.dtx_shift_ms > 0 && held_ == 0 && now_ms < last_arrival_ms_ + packet_ms_ + s_.dtx_shift_ms;
}

uint16_t PlayoutBuffer::next_held() const {
    uint16_t seq = next_seq_;
    for (std::size_t i = 0; i < slots_.size() && !slot(seq).used; ++i)
        ++seq;
    return seq;
}

PlayoutBuffer::Plan PlayoutBuffer::plan() const {
    Plan packet;
    if (held_ > 0) {
        if (slot(next_seq_).used)
            packet = {slot(next_seq_).due_ms, Action::release_head};
        else
            packet = {slot(next_held()).due_ms, Action::skip_to_next};
    }
    if (!s_.fills_gaps() || !released_any_ || (s_.max_dtx_ms > 0 && dtx_ms_ >= s_.max_dtx_ms))
        return packet;
    // Nothing held (a DTX pause, or loss at the end): a packet time of fill when its time
    // comes.
    if (packet.action == Action::none)
        return {next_due_, Action::fill};
    // Before the next held packet, as many packet times of fill as its timestamp says are
    // missing (not its due time, which moves with the anchor), each at its own time or at
    // the packet's when that comes first; a jump is no gap.
    const Held& next = packet.action == Action::release_head ? slot(next_seq_) : slot(next_held());
    const int64_t missing_ms = media_ms(next.header.timestamp) - next_media_ms_;
    if (missing_ms >= packet_ms_ && missing_ms <= kJumpMs)
        return {std::min(next_due_, packet.when), Action::fill};
    return packet;
}

PlayoutBuffer::Out PlayoutBuffer::release(uint16_t seq) {
    Held& h = slot(seq);
    h.used = false;
    --held_;
    if (last_ts_ && seq == next_seq_) {
        // The stream's own packet time, from consecutive packets (events keep their
        // timestamp and teach nothing).
        const int64_t ms = int64_t{static_cast<int32_t>(h.header.timestamp - *last_ts_)} * 1000 /
                           static_cast<int64_t>(s_.clock_rate);
        if (ms >= kMinPacketMs && ms <= kMaxPacketMs)
            packet_ms_ = static_cast<int>(ms);
    }
    last_ts_ = h.header.timestamp;
    // Events repeat their timestamp: the media time expected next only moves forward.
    const int64_t after = media_ms(h.header.timestamp) + packet_ms_;
    next_media_ms_ = released_any_ ? std::max(next_media_ms_, after) : after;
    next_seq_ = static_cast<uint16_t>(seq + 1);
    next_due_ = std::max(released_any_ ? next_due_ : h.due_ms, h.due_ms + packet_ms_);
    released_any_ = true;
    dtx_ms_ = 0;
    return {&h, 0};
}

PlayoutBuffer::Out PlayoutBuffer::pop(int64_t now_ms, bool force) {
    Plan p = plan();
    if (force && held_ > 0)
        p = {now_ms, slot(next_seq_).used ? Action::release_head : Action::skip_to_next};
    if (p.action == Action::none || p.when > now_ms)
        return {};
    switch (p.action) {
    case Action::release_head:
        return release(next_seq_);
    case Action::skip_to_next: {
        const uint16_t seq = next_held();
        counts_.lost += static_cast<uint16_t>(seq - next_seq_);
        last_ts_.reset();  // not consecutive: no packet time to learn across the gap
        next_seq_ = seq;
        return release(seq);
    }
    case Action::fill:
        if (underflow(now_ms)) {
            ++counts_.shifted_back;
            shift_clock(s_.dtx_shift_ms);
            return {};
        }
        next_due_ += packet_ms_;
        next_media_ms_ += packet_ms_;
        dtx_ms_ += packet_ms_;
        ++counts_.fills;
        return {nullptr, packet_ms_};
    case Action::none:
        break;
    }
    return {};
}

}  // namespace rtpe::media
