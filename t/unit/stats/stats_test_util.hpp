// Shared by the stats unit tests.
#pragma once

#include "daemon/media/local_interfaces.hpp"
#include "net/interface_spec.hpp"

namespace rtpe::stats::test {

// One local interface, 127.0.0.1, with a ten-port media range.
inline media::LocalInterfaces one_interface() {
    auto parsed = net::parse_interface("127.0.0.1");
    return media::LocalInterfaces(parsed.interfaces, 47300, 47309);
}

}  // namespace rtpe::stats::test
