#pragma once
// Owning file descriptors and the few socket set-ups the daemon needs.

#include <string>
#include <utility>

#include "net/address.hpp"

namespace rtpe::net {

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

struct SocketResult {
    Fd fd;            // invalid on error
    std::string error;
};

// A non-blocking UDP socket bound to address. IPv6 sockets are IPv6-only so that a
// wildcard pair (0.0.0.0 and [::]) can share a port.
SocketResult bind_udp(const SocketAddress& address);

// A non-blocking TCP socket listening on address (IPv6: IPv6-only, as for UDP).
SocketResult listen_tcp(const SocketAddress& address, int backlog);

// Sets the TOS byte (IPv4) or traffic class (IPv6) of packets sent from fd.
bool set_tos(int fd, int family, int tos);

}  // namespace rtpe::net
