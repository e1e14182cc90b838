#include "net/interface_spec.hpp"

#include <ifaddrs.h>
#include <net/if.h>

#include <algorithm>
#include <memory>

namespace rtpe::net {

namespace {

bool valid_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return c > ' ' && c != '/' && c != '!' && c < 0x7f;
    });
}

// Addresses of the device called device, or of every non-loopback device for "any".
std::vector<IpAddress> device_addresses(std::string_view device) {
    std::vector<IpAddress> result;
    ifaddrs* raw = nullptr;
    if (getifaddrs(&raw) != 0)
        return result;
    std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> list(raw, &freeifaddrs);
    const bool any = device == "any";
    for (ifaddrs* ifa = raw; ifa; ifa = ifa->ifa_next) {
        if (!ifa->ifa_addr || !ifa->ifa_name)
            continue;
        if (any ? (ifa->ifa_flags & IFF_LOOPBACK) != 0 : device != ifa->ifa_name)
            continue;
        const socklen_t len = ifa->ifa_addr->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
        auto sa = SocketAddress::from_sockaddr(ifa->ifa_addr, len);
        if (!sa)
            continue;
        IpAddress ip = sa->ip();
        // Link-local IPv6 needs a scope id that SDP cannot carry.
        if (ip.is_v6() && IN6_IS_ADDR_LINKLOCAL(&ip.v6()))
            continue;
        if (std::find(result.begin(), result.end(), ip) == result.end())
            result.push_back(ip);
    }
    return result;
}

}  // namespace

InterfaceParseResult parse_interface(std::string_view text) {
    InterfaceParseResult r;
    std::string name = "default";
    std::string_view rest = text;
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        name = std::string(rest.substr(0, slash));
        rest = rest.substr(slash + 1);
        if (!valid_name(name)) {
            r.error = "invalid interface name";
            return r;
        }
    }

    std::optional<IpAddress> advertised;
    if (auto bang = rest.find('!'); bang != std::string_view::npos) {
        advertised = IpAddress::parse(rest.substr(bang + 1));
        rest = rest.substr(0, bang);
        if (!advertised) {
            r.error = "invalid advertised address";
            return r;
        }
    }
    if (rest.empty()) {
        r.error = "missing address";
        return r;
    }

    std::vector<IpAddress> locals;
    if (auto ip = IpAddress::parse(rest)) {
        if (ip->is_unspecified()) {
            r.error = "the wildcard address cannot be a media interface (use 'any')";
            return r;
        }
        locals.push_back(*ip);
    } else {
        locals = device_addresses(rest);
        if (locals.empty()) {
            r.error = "not an IP address, nor a network device with addresses";
            return r;
        }
    }

    for (const auto& local : locals) {
        if (advertised && advertised->family() != local.family())
            continue;
        r.interfaces.push_back({name, local, advertised.value_or(local)});
    }
    if (r.interfaces.empty())
        r.error = "advertised address family differs from the local address";
    return r;
}

}  // namespace rtpe::net
