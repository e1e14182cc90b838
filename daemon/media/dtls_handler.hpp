#pragma once
// Where a stream whose participant speaks DTLS-SRTP with us hands the DTLS records it
// receives (RFC 7983: first byte 20-63): that side's DTLS endpoint (daemon/dtls). The relay
// calls it on the worker.

#include <cstddef>
#include <cstdint>

#include "net/address.hpp"

namespace rtpe::media {

class PacketStream;

class DtlsHandler {
public:
    virtual ~DtlsHandler() = default;
    virtual void on_dtls(PacketStream& stream, const uint8_t* data, std::size_t length,
                         const net::SocketAddress& source) = 0;
    // The streams are going: nothing may run for them any more (timers cancelled).
    virtual void stop() = 0;
};

}  // namespace rtpe::media
