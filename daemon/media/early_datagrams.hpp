#pragma once
// DTLS a participant sends before we can take it: a browser answering our offer with
// a=setup:active starts its handshake at once, and its first flight can arrive before its
// answer has set up our DTLS endpoint. The last few datagrams are kept (on the worker, in
// memory made when DTLS was offered) and handed to the endpoint once it is there, instead
// of being relayed to the other side as strays; anything older the handshake's own
// retransmission covers.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "net/address.hpp"

namespace rtpe::media {

class EarlyDatagrams {
public:
    static constexpr std::size_t kSlots = 4;
    static constexpr std::size_t kMaxLength = 1500;

    // False (and nothing kept) when it is longer than kMaxLength.
    bool keep(const uint8_t* data, std::size_t length, const net::SocketAddress& source) {
        if (length > kMaxLength)
            return false;
        Slot& slot = slots_[(first_ + count_) % kSlots];
        std::memcpy(slot.data.data(), data, length);
        slot.length = length;
        slot.source = source;
        if (count_ < kSlots)
            ++count_;
        else
            first_ = (first_ + 1) % kSlots;  // the oldest gives way
        return true;
    }

    // Calls take(data, length, source) for each, oldest first, and forgets them.
    template <class Take>
    void hand_over(Take&& take) {
        for (; count_ > 0; --count_, first_ = (first_ + 1) % kSlots) {
            const Slot& slot = slots_[first_];
            take(slot.data.data(), slot.length, slot.source);
        }
    }

    std::size_t size() const { return count_; }

private:
    struct Slot {
        std::array<uint8_t, kMaxLength> data;
        std::size_t length = 0;
        net::SocketAddress source;
    };
    std::array<Slot, kSlots> slots_;
    std::size_t first_ = 0, count_ = 0;
};

}  // namespace rtpe::media
