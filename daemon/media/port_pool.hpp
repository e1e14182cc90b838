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
    // The range as configured and the RTP port handed out last (0: none yet), for the CLI.
    uint16_t port_min() const { return port_min_; }
    uint16_t port_max() const { return port_max_; }
    uint16_t last_acquired() const;

private:
    const uint16_t port_min_;
    const uint16_t port_max_;
    const uint16_t first_port_;
    uint16_t last_acquired_ = 0;
    std::vector<bool> in_use_;  // one flag per pair
    std::size_t used_count_ = 0;
    std::mt19937 random_;
    mutable std::mutex mutex_;  // control threads allocate concurrently; never taken per packet
};

}  // namespace rtpe::media
