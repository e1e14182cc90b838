#pragma once
// IP addresses and socket addresses (IPv4 and IPv6) as values.

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtpe::net {

class IpAddress {
public:
    IpAddress() = default;
    // Literal IPv4 or IPv6 text; IPv6 may come in brackets. No name resolution.
    static std::optional<IpAddress> parse(std::string_view text);
    static IpAddress any(int family);

    int family() const { return family_; }
    bool is_v4() const { return family_ == AF_INET; }
    bool is_v6() const { return family_ == AF_INET6; }
    bool is_unspecified() const;
    const in_addr& v4() const { return v4_; }
    const in6_addr& v6() const { return v6_; }
    std::string to_string() const;

    static IpAddress from_v4(const in_addr& a);
    static IpAddress from_v6(const in6_addr& a);

    bool operator==(const IpAddress& other) const;

private:
    int family_ = AF_UNSPEC;
    in_addr v4_{};
    in6_addr v6_{};
};

class SocketAddress {
public:
    SocketAddress() = default;
    SocketAddress(const IpAddress& ip, uint16_t port);
    static std::optional<SocketAddress> from_sockaddr(const sockaddr* sa, socklen_t len);

    int family() const { return storage_.ss_family; }
    IpAddress ip() const;
    uint16_t port() const;
    const sockaddr* sockaddr_ptr() const { return reinterpret_cast<const sockaddr*>(&storage_); }
    sockaddr* sockaddr_ptr() { return reinterpret_cast<sockaddr*>(&storage_); }
    socklen_t length() const;
    // 127.0.0.1:2223 or [::1]:2223, the form upstream logs.
    std::string to_string() const;

    bool operator==(const SocketAddress& other) const;

private:
    sockaddr_storage storage_{};
};

struct SocketAddressHash {
    std::size_t operator()(const SocketAddress& a) const noexcept;
};

}  // namespace rtpe::net
