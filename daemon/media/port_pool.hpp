#pragma once
// Media port pairs of one local address: RTP on an even port, RTCP on the odd one above,
// handed out from a random starting point and never twice while in use.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <vector>

namespace rtpe::media {

class PortPool {
public:
    // Pairs lie wholly inside [port_min, port_max]; an odd port_min starts at the next even port.
    PortPool(uint16_t port_min, uint16_t port_max);

    // Called with a candidate RTP port; returns whether both sockets could be bound there
    // (another process may hold a port the pool thinks free).
    using TryBind = std::function<bool(uint16_t rtp_port)>;

    // The RTP port of a newly reserved pair, or nullopt when every free pair failed to bind
    // ("Ran out of ports").
    std::optional<uint16_t> acquire(const TryBind& try_bind);
    void release(uint16_t rtp_port);

    std::size_t capacity() const { return in_use_.size(); }
    std::size_t used() const;

private:
    const uint16_t first_port_;
    std::vector<bool> in_use_;  // one flag per pair
    std::size_t used_count_ = 0;
    std::mt19937 random_;
    mutable std::mutex mutex_;  // control threads allocate concurrently; never taken per packet
};

}  // namespace rtpe::media
