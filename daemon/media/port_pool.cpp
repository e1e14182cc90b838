#include "daemon/media/port_pool.hpp"

namespace rtpe::media {

namespace {
uint16_t first_even(uint16_t port) {
    return static_cast<uint16_t>(port % 2 ? port + 1 : port);
}
}  // namespace

PortPool::PortPool(uint16_t port_min, uint16_t port_max)
    : port_min_(port_min), port_max_(port_max), first_port_(first_even(port_min)), random_(std::random_device{}()) {
    const int pairs = (static_cast<int>(port_max) - first_port_ + 1) / 2;
    in_use_.assign(pairs > 0 ? static_cast<std::size_t>(pairs) : 0, false);
}

std::optional<uint16_t> PortPool::acquire(const TryBind& try_bind) {
    std::lock_guard lock(mutex_);
    const std::size_t n = in_use_.size();
    if (n == 0 || used_count_ == n)
        return std::nullopt;
    // A random start keeps ports unpredictable to off-path attackers and spreads reuse.
    const std::size_t start = std::uniform_int_distribution<std::size_t>(0, n - 1)(random_);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t slot = (start + i) % n;
        if (in_use_[slot])
            continue;
        const auto port = static_cast<uint16_t>(first_port_ + 2 * slot);
        if (!try_bind(port))
            continue;
        in_use_[slot] = true;
        ++used_count_;
        last_acquired_ = port;
        return port;
    }
    return std::nullopt;
}

void PortPool::release(uint16_t rtp_port) {
    std::lock_guard lock(mutex_);
    if (rtp_port < first_port_ || (rtp_port - first_port_) % 2)
        return;
    const std::size_t slot = (rtp_port - first_port_) / 2;
    if (slot < in_use_.size() && in_use_[slot]) {
        in_use_[slot] = false;
        --used_count_;
    }
}

uint16_t PortPool::last_acquired() const {
    std::lock_guard lock(mutex_);
    return last_acquired_;
}

std::size_t PortPool::used() const {
    std::lock_guard lock(mutex_);
    return used_count_;
}

}  // namespace rtpe::media
