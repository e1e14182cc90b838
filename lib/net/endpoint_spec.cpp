#include "net/endpoint_spec.hpp"

#include <netdb.h>

#include <algorithm>
#include <memory>

#include "util/parse.hpp"

namespace rtpe::net {

namespace {

bool parse_port(std::string_view text, uint16_t& port) {
    if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    auto value = parse_int(text);
    if (!value || *value < 1 || *value > 65535)
        return false;
    port = static_cast<uint16_t>(*value);
    return true;
}

std::vector<IpAddress> resolve_host(const std::string& host) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* raw = nullptr;
    std::vector<IpAddress> result;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &raw) != 0)
        return result;
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(raw, &freeaddrinfo);
    for (addrinfo* ai = raw; ai; ai = ai->ai_next) {
        auto sa = SocketAddress::from_sockaddr(ai->ai_addr, ai->ai_addrlen);
        if (!sa)
            continue;
        IpAddress ip = sa->ip();
        if (std::find(result.begin(), result.end(), ip) == result.end())
            result.push_back(ip);
    }
    return result;
}

}  // namespace

EndpointParseResult parse_endpoint(std::string_view text) {
    EndpointParseResult r;
    uint16_t port = 0;
    if (parse_port(text, port)) {
        r.addresses.emplace_back(IpAddress::any(AF_INET), port);
        r.addresses.emplace_back(IpAddress::any(AF_INET6), port);
        return r;
    }

    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        r.error = "expected [IP46|HOSTNAME:]PORT";
        return r;
    }
    const std::string_view host = text.substr(0, colon);
    if (!parse_port(text.substr(colon + 1), port)) {
        r.error = "invalid port";
        return r;
    }
    if (auto ip = IpAddress::parse(host)) {
        // An unbracketed IPv6 address would have lost its last group to the port split.
        if (ip->is_v6() && host.front() != '[') {
            r.error = "IPv6 addresses must be written in brackets, like [::1]:2223";
            return r;
        }
        r.addresses.emplace_back(*ip, port);
        return r;
    }
    if (host.front() == '[' || host.find(':') != std::string_view::npos) {
        r.error = "invalid IP address";
        return r;
    }
    for (const auto& ip : resolve_host(std::string(host)))
        r.addresses.emplace_back(ip, port);
    if (r.addresses.empty())
        r.error = "cannot resolve host name '" + std::string(host) + "'";
    return r;
}

}  // namespace rtpe::net
