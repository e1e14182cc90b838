#include "net/address.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <functional>

namespace rtpe::net {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN)
        return std::nullopt;
    char buf[INET6_ADDRSTRLEN];
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    IpAddress a;
    if (inet_pton(AF_INET, buf, &a.v4_) == 1) {
        a.family_ = AF_INET;
        return a;
    }
    if (inet_pton(AF_INET6, buf, &a.v6_) == 1) {
        a.family_ = AF_INET6;
        return a;
    }
    return std::nullopt;
}

IpAddress IpAddress::any(int family) {
    IpAddress a;
    a.family_ = family;
    return a;
}

IpAddress IpAddress::from_v4(const in_addr& addr) {
    IpAddress a;
    a.family_ = AF_INET;
    a.v4_ = addr;
    return a;
}

IpAddress IpAddress::from_v6(const in6_addr& addr) {
    IpAddress a;
    a.family_ = AF_INET6;
    a.v6_ = addr;
    return a;
}

bool IpAddress::is_unspecified() const {
    if (is_v4())
        return v4_.s_addr == INADDR_ANY;
    if (is_v6())
        return IN6_IS_ADDR_UNSPECIFIED(&v6_);
    return true;
}

std::string IpAddress::to_string() const {
    char buf[INET6_ADDRSTRLEN] = "";
    if (is_v4()) {
        // Hand-rolled: inet_ntop goes through sprintf, and replies print many addresses.
        const auto* b = reinterpret_cast<const unsigned char*>(&v4_);
        char* p = buf;
        for (int i = 0; i < 4; ++i) {
            unsigned v = b[i];
            if (v >= 100)
                *p++ = static_cast<char>('0' + v / 100);
            if (v >= 10)
                *p++ = static_cast<char>('0' + v / 10 % 10);
            *p++ = static_cast<char>('0' + v % 10);
            if (i < 3)
                *p++ = '.';
        }
        return std::string(buf, static_cast<std::size_t>(p - buf));
    }
    if (is_v6())
        inet_ntop(AF_INET6, &v6_, buf, sizeof(buf));
    return buf;
}

bool IpAddress::operator==(const IpAddress& other) const {
    if (family_ != other.family_)
        return false;
    if (is_v4())
        return v4_.s_addr == other.v4_.s_addr;
    if (is_v6())
        return std::memcmp(&v6_, &other.v6_, sizeof(v6_)) == 0;
    return true;
}

SocketAddress::SocketAddress(const IpAddress& ip, uint16_t port) {
    if (ip.is_v4()) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&storage_);
        sin->sin_family = AF_INET;
        sin->sin_addr = ip.v4();
        sin->sin_port = htons(port);
    } else if (ip.is_v6()) {
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage_);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_addr = ip.v6();
        sin6->sin6_port = htons(port);
    }
}

std::optional<SocketAddress> SocketAddress::from_sockaddr(const sockaddr* sa, socklen_t len) {
    SocketAddress a;
    if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in)))
        std::memcpy(&a.storage_, sa, sizeof(sockaddr_in));
    else if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6)))
        std::memcpy(&a.storage_, sa, sizeof(sockaddr_in6));
    else
        return std::nullopt;
    return a;
}

IpAddress SocketAddress::ip() const {
    if (family() == AF_INET)
        return IpAddress::from_v4(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr);
    if (family() == AF_INET6)
        return IpAddress::from_v6(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr);
    return {};
}

uint16_t SocketAddress::port() const {
    if (family() == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
    if (family() == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
    return 0;
}

socklen_t SocketAddress::length() const {
    if (family() == AF_INET)
        return sizeof(sockaddr_in);
    if (family() == AF_INET6)
        return sizeof(sockaddr_in6);
    return 0;
}

std::string SocketAddress::to_string() const {
    if (family() == AF_INET6)
        return "[" + ip().to_string() + "]:" + std::to_string(port());
    return ip().to_string() + ":" + std::to_string(port());
}

bool SocketAddress::operator==(const SocketAddress& other) const {
    return port() == other.port() && ip() == other.ip();
}

std::size_t SocketAddressHash::operator()(const SocketAddress& a) const noexcept {
    const IpAddress ip = a.ip();
    std::size_t h = std::hash<uint16_t>{}(a.port());
    const auto* bytes = ip.is_v4() ? reinterpret_cast<const unsigned char*>(&ip.v4())
                                   : reinterpret_cast<const unsigned char*>(&ip.v6());
    const std::size_t n = ip.is_v4() ? sizeof(in_addr) : sizeof(in6_addr);
    for (std::size_t i = 0; i < n; ++i)
        h = h * 131 + bytes[i];
    return h;
}

}  // namespace rtpe::net
