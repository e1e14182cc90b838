#pragma once
// The packet path: what a worker does when a media socket becomes readable.

#include "daemon/media/packet_stream.hpp"

namespace rtpe::media {

// Reads what is queued on stream's socket (in batches) and forwards each packet through
// stream.sink. Never allocates, never blocks, never throws; drops are counted as errors.
void relay_readable(PacketStream& stream);

// Plain recvmsg/sendmsg, one packet per call, instead of recvmmsg/sendmmsg batches: what
// strace, LD_PRELOAD shims and other debugging tools understand. Set from the environment
// variable RTPENGINE_PLAIN_IO=1 at startup.
void set_plain_io(bool plain);

// The endpoint-learning decision for one packet from source; exposed for unit tests.
// Returns false when the packet must be dropped (strict source mismatch).
bool learn_source(PacketStream& stream, const net::SocketAddress& source, int64_t now_ms);

}  // namespace rtpe::media
