#pragma once
// Where a stream whose participant speaks ICE hands the STUN it receives: that media
// side's ICE agent (daemon/ice implements it). The relay calls it on the worker; the media
// layer knows nothing of ICE beyond this.

#include <cstddef>
#include <cstdint>

#include "net/address.hpp"

namespace rtpe::media {

class PacketStream;

class IceEndpoint {
public:
    virtual ~IceEndpoint() = default;
    // A STUN datagram from source arrived on stream (the side's RTP or RTCP stream).
    virtual void on_stun(PacketStream& stream, const uint8_t* data, std::size_t length,
                         const net::SocketAddress& source) = 0;
    // The streams are going: nothing may run for them any more (timers cancelled).
    virtual void stop() = 0;
};

}  // namespace rtpe::media
