#pragma once
// The consumers of what a stream receives. Every step after ingress (forwarding to the
// peer, fan-out to subscribers, and later SRTP, transcoding, recording and kernel offload)
// is a Sink; a stream hands each accepted packet to every sink of its SinkSet.
//
// Sinks run on the worker that owns the stream, for every packet: they never block,
// allocate or throw. What they send goes into the batch's Egress.

#include <array>
#include <cstddef>
#include <cstdint>

#include "net/address.hpp"
#include "rtp/header.hpp"

namespace rtpe::media {

class Egress;
class PacketStream;

// One received datagram as the sinks see it.
struct Packet {
    const uint8_t* data = nullptr;
    std::size_t length = 0;
    PacketStream* ingress = nullptr;  // the stream it arrived on
    rtp::Demux demux = rtp::Demux::other;
    bool is_rtp = false;              // a well-formed RTP packet; header is valid
    bool is_rtcp = false;             // a well-formed RTCP compound
    rtp::RtpHeader header;
    // SRTP passthrough: the packet as it arrived, before it was unprotected (data holds the
    // clear form); set only when ingress->srtp_passthrough_out is.
    const uint8_t* protected_data = nullptr;
    std::size_t protected_length = 0;
};

class Sink {
public:
    virtual ~Sink() = default;
    virtual void consume(const Packet& packet, Egress& egress) = 0;
};

// The sinks of one stream: a small fixed list of pointers (the graph's edges); the sinks
// themselves are owned elsewhere (by the stream, or by the graph the control thread built).
class SinkSet {
public:
    static constexpr std::size_t kMax = 8;

    bool add(Sink* sink) {
        if (count_ == kMax)
            return false;
        sinks_[count_++] = sink;
        return true;
    }
    void clear() { count_ = 0; }
    bool empty() const { return count_ == 0; }
    std::size_t size() const { return count_; }
    Sink* const* begin() const { return sinks_.data(); }
    Sink* const* end() const { return sinks_.data() + count_; }

private:
    std::array<Sink*, kMax> sinks_{};
    std::size_t count_ = 0;
};

}  // namespace rtpe::media
