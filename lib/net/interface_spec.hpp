#pragma once
// Media interfaces as --interface writes them: [NAME/]IP[!ADVERTISED].

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/address.hpp"

namespace rtpe::net {

struct InterfaceSpec {
    std::string name;        // logical interface name; "default" when not given
    IpAddress local;         // address media sockets bind to
    IpAddress advertised;    // address written into SDP; equals local when not given
};

struct InterfaceParseResult {
    std::vector<InterfaceSpec> interfaces;  // empty on error
    std::string error;
};

// IP may be a literal IPv4/IPv6 address, the name of a network device (each of its
// addresses becomes one entry), or "any" for every address of every device except
// loopback. The local address need not be configured on the host when given literally.
InterfaceParseResult parse_interface(std::string_view text);

}  // namespace rtpe::net
