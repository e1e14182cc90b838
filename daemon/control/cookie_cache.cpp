#include "daemon/control/cookie_cache.hpp"

namespace rtpe::control {

CookieCache::CookieCache(Clock::duration max_age, std::size_t max_entries)
    : max_age_(max_age), max_entries_(max_entries) {}

std::string CookieCache::make_key(const net::SocketAddress& sender, std::string_view cookie) {
    // The raw address bytes and port: cheaper than text and just as unique.
    const net::IpAddress ip = sender.ip();
    std::string key;
    key.reserve(20 + cookie.size());
    if (ip.is_v4())
        key.append(reinterpret_cast<const char*>(&ip.v4()), sizeof(in_addr));
    else
        key.append(reinterpret_cast<const char*>(&ip.v6()), sizeof(in6_addr));
    const uint16_t port = sender.port();
    key.append(reinterpret_cast<const char*>(&port), sizeof(port));
    key.append(cookie);
    return key;
}

void CookieCache::expire(Clock::time_point now) {
    while (!order_.empty() && (order_.front().first + max_age_ <= now || order_.size() > max_entries_)) {
        auto it = entries_.find(order_.front().second);
        // A key stored again later has a newer entry; only drop the one this record is about.
        if (it != entries_.end() && it->second.stored == order_.front().first)
            entries_.erase(it);
        order_.pop_front();
    }
}

CookieCache::Reply CookieCache::find(const net::SocketAddress& sender, std::string_view cookie,
                                             Clock::time_point now) {
    std::lock_guard lock(mutex_);
    expire(now);
    auto it = entries_.find(make_key(sender, cookie));
    if (it == entries_.end())
        return nullptr;
    return it->second.reply;
}

void CookieCache::store(const net::SocketAddress& sender, std::string_view cookie, Reply reply,
                        Clock::time_point now) {
    std::lock_guard lock(mutex_);
    std::string key = make_key(sender, cookie);
    entries_[key] = Entry{std::move(reply), now};
    order_.emplace_back(now, std::move(key));
    expire(now);
}

std::size_t CookieCache::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace rtpe::control
