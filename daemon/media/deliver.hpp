#pragma once
// The last step of every sink: a packet leaves through the socket of a participant-facing
// stream, to that participant, protected with its SRTP context when we speak SRTP with it
// (RFC 3711; a copy in the egress's scratch, so other destinations get their own).

#include "daemon/media/egress.hpp"
#include "daemon/media/sink.hpp"

namespace rtpe::media {

void deliver(PacketStream& to, const Packet& packet, Egress& egress);

// A packet of our own (the transcoder's, a media player's): the 12-byte RTP header of h
// (version 2, no padding, extension or CSRC) and the payload, written into buffer (an
// egress's scratch); length 0 when it does not fit. ingress: the stream whose counters
// take its failures.
Packet build_rtp(std::span<uint8_t> buffer, const rtp::RtpHeader& h, std::span<const uint8_t> payload,
                 PacketStream* ingress);

}  // namespace rtpe::media
