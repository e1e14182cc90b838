#pragma once

// The replay list of RFC 3711 3.3.2 as a sliding bitmap of 64 or 128 indices below the
// highest index accepted so far. check() is called before authentication, accept() only
// after it succeeded, so a forged packet cannot move the window.

#include <cstdint>

namespace rtpe::srtp {

enum class ReplayCheck : uint8_t { fresh, replayed, too_old };

class ReplayWindow {
public:
    static constexpr unsigned kMaxSize = 128;

    ReplayWindow() = default;
    explicit ReplayWindow(unsigned size) : size_(size == 64 ? 64 : kMaxSize) {}

    unsigned size() const { return size_; }
    bool empty() const { return !started_; }
    uint64_t highest() const { return highest_; }

    ReplayCheck check(uint64_t index) const {
        if (!started_ || index > highest_)
            return ReplayCheck::fresh;
        const uint64_t delta = highest_ - index;
        if (delta >= size_)
            return ReplayCheck::too_old;
        return bit(static_cast<unsigned>(delta)) ? ReplayCheck::replayed : ReplayCheck::fresh;
    }

    void accept(uint64_t index) {
        if (!started_) {
            started_ = true;
            highest_ = index;
            bits_[0] = 1;
            bits_[1] = 0;
            return;
        }
        if (index > highest_) {
            shift(index - highest_);
            highest_ = index;
            bits_[0] |= 1;
            return;
        }
        const uint64_t delta = highest_ - index;
        if (delta < size_)
            set(static_cast<unsigned>(delta));
    }

    // Starts over at a known highest index with nothing else seen (a restored state).
    void reset(uint64_t highest) {
        started_ = true;
        highest_ = highest;
        bits_[0] = 1;
        bits_[1] = 0;
    }

private:
    bool bit(unsigned n) const { return (bits_[n >> 6] >> (n & 63)) & 1; }
    void set(unsigned n) { bits_[n >> 6] |= uint64_t{1} << (n & 63); }
    void shift(uint64_t n) {
        if (n >= 128) {
            bits_[0] = bits_[1] = 0;
        } else if (n >= 64) {
            bits_[1] = bits_[0] << (n - 64);
            bits_[0] = 0;
        } else if (n > 0) {
            bits_[1] = (bits_[1] << n) | (bits_[0] >> (64 - n));
            bits_[0] <<= n;
        }
        if (size_ == 64)
            bits_[1] = 0;
    }

    uint64_t bits_[2] = {0, 0};  // bit n: highest_ - n was accepted
    uint64_t highest_ = 0;
    unsigned size_ = kMaxSize;
    bool started_ = false;
};

}  // namespace rtpe::srtp
