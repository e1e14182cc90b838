#pragma once
// Transport-independent ng handling: one request datagram in, one reply out, with the
// retransmission cache in between. Every ng transport (UDP now; TCP, HTTP, WebSocket
// later) feeds this.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/control/cookie_cache.hpp"
#include "daemon/control/ng_commands.hpp"
#include "net/address.hpp"

namespace rtpe::control {

class NgProcessor {
public:
    NgProcessor(const NgCommandTable& commands, CookieCache& cache) : commands_(commands), cache_(cache) {}

    // Hears of every request that named a command, once its reply is built (so a
    // "statistics" request is not in its own reply, as with upstream).
    using Observer = std::function<void(const net::SocketAddress& sender, std::string_view command,
                                        double seconds, bool error)>;
    void set_observer(Observer observer) { observer_ = std::move(observer); }

    // The reply to send back, or null when the message is to be dropped (no cookie).
    CookieCache::Reply process(std::string_view message, const net::SocketAddress& sender);

private:
    const NgCommandTable& commands_;
    CookieCache& cache_;
    Observer observer_;
};

}  // namespace rtpe::control
