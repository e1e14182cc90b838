#pragma once
// A copy of every relayed RTCP packet for an observer outside the media plane (Homer, and
// later recording). Called on the worker that received the packet, for every RTCP packet:
// an observer must not block, and must copy what it keeps (the bytes live until the batch
// has been sent).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/address.hpp"

namespace rtpe::media {

struct RtcpCapture {
    std::string_view call_id;
    net::SocketAddress source;       // who sent it
    net::SocketAddress destination;  // the local socket it arrived on
    int64_t wall_us = 0;             // when it arrived (wall clock)
    const uint8_t* data = nullptr;
    std::size_t length = 0;
};

class RtcpTap {
public:
    virtual ~RtcpTap() = default;
    virtual void on_rtcp(const RtcpCapture& capture) = 0;
};

// Set once at startup, before any media socket exists (null: no tap); read by workers.
void set_rtcp_tap(RtcpTap* tap);
RtcpTap* rtcp_tap();

}  // namespace rtpe::media
