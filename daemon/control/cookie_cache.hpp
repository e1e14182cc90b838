#pragma once
// Replies by (sender, cookie), so that a retransmitted ng request is answered again
// without running the command twice.

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "net/address.hpp"

namespace rtpe::control {

class CookieCache {
public:
    using Clock = std::chrono::steady_clock;

    // Entries live for max_age; beyond max_entries the oldest go first, so a flood of
    // unique cookies costs bounded memory.
    explicit CookieCache(Clock::duration max_age = std::chrono::seconds(30), std::size_t max_entries = 100000);

    // Replies are shared with the sender of the first answer: caching costs no copy.
    using Reply = std::shared_ptr<const std::string>;

    Reply find(const net::SocketAddress& sender, std::string_view cookie, Clock::time_point now);
    void store(const net::SocketAddress& sender, std::string_view cookie, Reply reply, Clock::time_point now);
    std::size_t size() const;

private:
    static std::string make_key(const net::SocketAddress& sender, std::string_view cookie);
    void expire(Clock::time_point now);

    struct Entry {
        Reply reply;
        Clock::time_point stored;
    };

    const Clock::duration max_age_;
    const std::size_t max_entries_;
    mutable std::mutex mutex_;  // guards entries_ and order_; control threads share one cache
    std::unordered_map<std::string, Entry> entries_;
    std::deque<std::pair<Clock::time_point, std::string>> order_;  // insertion order, for expiry
};

}  // namespace rtpe::control
