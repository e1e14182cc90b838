#pragma once
// The last step of every sink: a packet leaves through the socket of a participant-facing
// stream, to that participant, protected with its SRTP context when we speak SRTP with it
// (RFC 3711; a copy in the egress's scratch, so other destinations get their own).

#include "daemon/media/egress.hpp"
#include "daemon/media/sink.hpp"

namespace rtpe::media {

void deliver(PacketStream& to, const Packet& packet, Egress& egress);

}  // namespace rtpe::media
