#pragma once
// What one m= line of a participant's SDP says to the media plane: where its RTP and RTCP
// go, which payload types it names (with clock rates and names), and how a stream takes in
// a new advertised address.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "daemon/media/packet_stream.hpp"
#include "net/address.hpp"
#include "sdp/session.hpp"

namespace rtpe::call {

int family_of(const std::string& addr_type);

// Where one m= line of an SDP says media is to be sent: RTP, and RTCP (RFC 3605 or port+1).
struct SdpEndpoints {
    net::SocketAddress rtp;
    net::SocketAddress rtcp;
    int family = AF_INET;
};

SdpEndpoints endpoints_of(const sdp::Session& session, std::size_t index);

// What the relay learns from a fresh SDP: the advertised address, and a new starting
// point for learning when the address changed (re-INVITE to another host). Worker side.
void apply_sdp_address(media::PacketStream& stream, const net::SocketAddress& advertised,
                       const media::RelayPolicy& policy);

// The RTP payload types an m= line names, with their clock rates (for jitter), and their
// names as query shows them ("encoding/clock[/channels]", into names).
std::vector<media::AllowedPayload> payloads_of(const sdp::MediaSection& section,
                                               const std::vector<std::string>& formats,
                                               std::map<uint8_t, std::string>& names);

}  // namespace rtpe::call
