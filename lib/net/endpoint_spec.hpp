#pragma once
// Listening addresses as operators write them: PORT, IP:PORT, [IPv6]:PORT or HOSTNAME:PORT.

#include <string>
#include <string_view>
#include <vector>

#include "net/address.hpp"

namespace rtpe::net {

struct EndpointParseResult {
    std::vector<SocketAddress> addresses;  // empty on error
    std::string error;
};

// A bare port means every address: 0.0.0.0 and [::]. A host name yields each address it
// resolves to, so "localhost:2223" serves both 127.0.0.1 and ::1.
EndpointParseResult parse_endpoint(std::string_view text);

}  // namespace rtpe::net
