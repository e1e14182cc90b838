#pragma once
// The packet path: what a worker does when a media socket becomes readable. See "The media
// pipeline" in docs/architecture.md.

#include "daemon/media/packet_stream.hpp"

namespace rtpe::media {

// Reads what is queued on stream's socket (in batches), passes each datagram through
// ingress (classification, per-SSRC and payload-type accounting) to the stream's sinks,
// and sends what they queued. Never allocates, never blocks, never throws; drops are
// counted as errors.
void relay_readable(PacketStream& stream);

// Plain recvmsg/sendmsg, one packet per call, instead of recvmmsg/sendmmsg batches: what
// strace, LD_PRELOAD shims and other debugging tools understand. Set from the environment
// variable RTPENGINE_PLAIN_IO=1 at startup.
void set_plain_io(bool plain);

// How long delayed learning waits for a packet from the SDP address before settling on
// the first source seen (upstream waits 3 seconds).
constexpr int64_t kDelayedLearningMs = 3000;

// The endpoint-learning decision for one packet from source; exposed for unit tests.
// Returns false when the packet must be dropped (strict source mismatch).
bool learn_source(PacketStream& stream, const net::SocketAddress& source, int64_t now_ms);

// ICE decides where a participant speaking ICE is: the selected pair's remote address
// becomes the stream's endpoint (learning is over) and the control thread hears of it.
void take_ice_endpoint(PacketStream& stream, const net::SocketAddress& selected);
// Consent expired (RFC 7675): nothing more goes to the participant until ICE selects again.
void lose_ice_consent(PacketStream& stream);

// Ends delayed learning on the first source seen once its time is up, packet or not (the
// stream's learning timer calls it). True when that settled the endpoint.
bool settle_learning(PacketStream& stream, int64_t now_ms);

}  // namespace rtpe::media
