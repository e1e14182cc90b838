#include "daemon/media/local_interfaces.hpp"

namespace rtpe::media {

SocketPair::SocketPair(LocalAddress& owner, uint16_t rtp_port, net::Fd rtp, net::Fd rtcp)
    : owner_(owner), rtp_port_(rtp_port), rtp_(std::move(rtp)), rtcp_(std::move(rtcp)) {}

SocketPair::~SocketPair() {
    // Close before releasing so that the next owner of the ports can bind them.
    close_sockets();
    owner_.ports->release(rtp_port_);
}

LocalInterfaces::LocalInterfaces(const std::vector<net::InterfaceSpec>& specs, uint16_t port_min,
                                 uint16_t port_max) {
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
