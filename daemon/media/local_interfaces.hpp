#pragma once
// The logical media interfaces of --interface, each local address with its own port pool,
// and the RTP/RTCP socket pairs allocated on them.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/media/port_pool.hpp"
#include "net/address.hpp"
#include "net/interface_spec.hpp"
#include "net/socket.hpp"

namespace rtpe::media {

struct LocalAddress {
    std::string interface_name;
    net::IpAddress local;
    net::IpAddress advertised;
    std::unique_ptr<PortPool> ports;
};

// A bound RTP/RTCP socket pair that returns its ports to the pool when destroyed.
class SocketPair {
public:
    SocketPair(LocalAddress& owner, uint16_t rtp_port, net::Fd rtp, net::Fd rtcp);
    ~SocketPair();
    SocketPair(const SocketPair&) = delete;
    SocketPair& operator=(const SocketPair&) = delete;

    const LocalAddress& address() const { return owner_; }
    uint16_t rtp_port() const { return rtp_port_; }
    int rtp_fd() const { return rtp_.get(); }
    int rtcp_fd() const { return rtcp_.get(); }
    // Closes both sockets (which also takes them out of any epoll set) while the ports stay
    // taken until the pair is destroyed. Only the thread polling them may call it.
    void close_sockets() {
        rtp_.reset();
        rtcp_.reset();
    }

private:
    LocalAddress& owner_;
    uint16_t rtp_port_;
    net::Fd rtp_;
    net::Fd rtcp_;
};

class LocalInterfaces {
public:
    LocalInterfaces(const std::vector<net::InterfaceSpec>& specs, uint16_t port_min, uint16_t port_max);

    // The first address of the named interface ("" = the first interface given) in family
    // (AF_UNSPEC = any family); nullptr when there is none.
    LocalAddress* find(std::string_view name, int family = AF_UNSPEC);

    // Binds a fresh RTP/RTCP pair on address; nullptr when the pool is exhausted or
    // nothing could be bound ("Ran out of ports").
    std::unique_ptr<SocketPair> allocate(LocalAddress& address);

    const std::vector<std::unique_ptr<LocalAddress>>& addresses() const { return addresses_; }

private:
    std::vector<std::unique_ptr<LocalAddress>> addresses_;  // in --interface order
};

}  // namespace rtpe::media
