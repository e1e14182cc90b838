#pragma once
// The logical media interfaces of --interface, each local address with its own port pool,
// and the RTP/RTCP socket pairs allocated on them.

#include <atomic>
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
//
// Normally the worker polling the sockets closes them (close_sockets) and the control thread
// destroys the pair later. When ports run out, the control thread need not wait for that:
// release_ports_now swaps both descriptors for a placeholder socket (dup2), which unbinds the
// ports at once while the descriptor numbers stay taken, so a worker that still reads them
// meets an empty socket, never someone else's. Whichever comes first wins (state_).
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
    // Closes both sockets (which also takes them out of any epoll set) and gives the ports
    // back. Only the thread polling them may call it.
    void close_sockets();
    // Control thread, for a pair its worker may not have closed yet: makes sure the ports
    // are free now (see above). False only when they had been taken over before.
    bool release_ports_now(int placeholder_fd);

private:
    enum State : int { kOpen, kClosing, kClosedByWorker, kTakenOver };
    LocalAddress& owner_;
    uint16_t rtp_port_;
    net::Fd rtp_;
    net::Fd rtcp_;
    const int rtp_number_, rtcp_number_;  // the descriptors, readable without touching rtp_/rtcp_
    std::atomic<int> state_{kOpen};
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
    // An unbound, non-blocking UDP socket: what SocketPair::release_ports_now puts in place.
    int placeholder_fd() const { return placeholder_.get(); }

private:
    std::vector<std::unique_ptr<LocalAddress>> addresses_;  // in --interface order
    net::Fd placeholder_;
};

}  // namespace rtpe::media
