#include "net/socket.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rtpe::net {

void Fd::reset(int fd) {
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = fd;
}

SocketResult bind_udp(const SocketAddress& address) {
    SocketResult r;
    Fd fd(::socket(address.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
        r.error = std::string("socket: ") + std::strerror(errno);
        return r;
    }
    // No SO_REUSEADDR: for UDP it would let a second socket (or a second daemon) share the port.
    const int on = 1;
    if (address.family() == AF_INET6)
        setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    if (::bind(fd.get(), address.sockaddr_ptr(), address.length()) != 0) {
        r.error = std::string("bind: ") + std::strerror(errno);
        return r;
    }
    r.fd = std::move(fd);
    return r;
}

SocketResult listen_tcp(const SocketAddress& address, int backlog) {
    SocketResult r;
    Fd fd(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
        r.error = std::string("socket: ") + std::strerror(errno);
        return r;
    }
    // For TCP this only lets a restart bind while old connections linger in TIME_WAIT;
    // a second listener on the port still fails.
    const int on = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (address.family() == AF_INET6)
        setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    if (::bind(fd.get(), address.sockaddr_ptr(), address.length()) != 0) {
        r.error = std::string("bind: ") + std::strerror(errno);
        return r;
    }
    if (::listen(fd.get(), backlog) != 0) {
        r.error = std::string("listen: ") + std::strerror(errno);
        return r;
    }
    r.fd = std::move(fd);
    return r;
}

}  // namespace rtpe::net

namespace rtpe::net {

bool set_tos(int fd, int family, int tos) {
    if (family == AF_INET6)
        return setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos)) == 0;
    return setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)) == 0;
}

}  // namespace rtpe::net
