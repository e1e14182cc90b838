#include "daemon/media/local_interfaces.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace rtpe::media {

SocketPair::SocketPair(LocalAddress& owner, uint16_t rtp_port, net::Fd rtp, net::Fd rtcp)
    : owner_(owner),
      rtp_port_(rtp_port),
      rtp_(std::move(rtp)),
      rtcp_(std::move(rtcp)),
      rtp_number_(rtp_.get()),
      rtcp_number_(rtcp_.get()) {}

SocketPair::~SocketPair() {
    // Close before releasing so that the next owner of the ports can bind them. After a
    // take-over these are the placeholder's duplicates; after the worker's close, nothing is
    // left to do.
    const int state = state_.load(std::memory_order_acquire);
    if (state == kClosedByWorker)
        return;
    rtp_.reset();
    rtcp_.reset();
    if (state == kOpen)
        owner_.ports->release(rtp_port_);
}

void SocketPair::close_sockets() {
    int expected = kOpen;
    if (!state_.compare_exchange_strong(expected, kClosing))
        return;  // taken over: the control thread freed the ports, the placeholders stay
    rtp_.reset();
    rtcp_.reset();
    // The pool is shared and locked: the ports are free for the next offer at once.
    owner_.ports->release(rtp_port_);
    state_.store(kClosedByWorker, std::memory_order_release);
}

bool SocketPair::release_ports_now(int placeholder_fd) {
    int expected = kOpen;
    if (state_.compare_exchange_strong(expected, kTakenOver)) {
        // Replacing the descriptors drops the sockets' last reference: they unbind and leave
        // every epoll set, while the numbers stay ours until the pair is destroyed.
        dup2(placeholder_fd, rtp_number_);
        dup2(placeholder_fd, rtcp_number_);
        owner_.ports->release(rtp_port_);
        return true;
    }
    // The worker got there first; it gives the ports back within moments of closing.
    while (state_.load(std::memory_order_acquire) == kClosing)
        std::this_thread::yield();
    return expected != kTakenOver;
}

LocalInterfaces::LocalInterfaces(const std::vector<net::InterfaceSpec>& specs, uint16_t port_min,
                                 uint16_t port_max)
    : placeholder_(socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {
    if (!placeholder_.valid())
        throw std::runtime_error("cannot create a UDP socket");
    for (const auto& spec : specs) {
        auto address = std::make_unique<LocalAddress>();
        address->interface_name = spec.name;
        address->local = spec.local;
        address->advertised = spec.advertised;
        address->ports = std::make_unique<PortPool>(port_min, port_max);
        addresses_.push_back(std::move(address));
    }
}

LocalAddress* LocalInterfaces::find(std::string_view name, int family) {
    const std::string_view wanted = name.empty() && !addresses_.empty()
                                        ? std::string_view(addresses_.front()->interface_name)
                                        : name;
    for (auto& a : addresses_)
        if (a->interface_name == wanted && (family == AF_UNSPEC || a->local.family() == family))
            return a.get();
    return nullptr;
}

std::unique_ptr<SocketPair> LocalInterfaces::allocate(LocalAddress& address) {
    net::Fd rtp, rtcp;
    auto port = address.ports->acquire([&](uint16_t candidate) {
        auto bound_rtp = net::bind_udp(net::SocketAddress(address.local, candidate));
        if (!bound_rtp.fd.valid())
            return false;
        auto bound_rtcp = net::bind_udp(net::SocketAddress(address.local, static_cast<uint16_t>(candidate + 1)));
        if (!bound_rtcp.fd.valid())
            return false;
        rtp = std::move(bound_rtp.fd);
        rtcp = std::move(bound_rtcp.fd);
        return true;
    });
    if (!port)
        return nullptr;
    return std::make_unique<SocketPair>(address, *port, std::move(rtp), std::move(rtcp));
}

}  // namespace rtpe::media
