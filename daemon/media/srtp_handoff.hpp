#pragma once
// The worker's side of handing a stream's SRTP to the kernel and taking it back. The SRTP
// contexts belong to the stream's worker, so the control thread asks there: where each
// SSRC is (the index received from the sender, the index sent on to the peer, the SRTCP
// indices) goes up as events before the kernel takes over, and what the kernel reached
// comes down when the stream returns to userspace, so that neither side reuses an index
// the receiver has seen or loses track of a rollover.

#include <vector>

#include "srtp/context.hpp"

namespace rtpe::media {

class PacketStream;

// On from's worker: one srtp_progress event per SSRC the stream has seen, with the
// received_* fields of from's incoming context and the sent_index and next_srtcp_index of
// the context that protects what it forwards (the peer's outgoing one).
void report_srtp_progress(PacketStream& from);

// On from's worker: the kernel's progress (same fields as above) taken into those contexts
// where it is ahead of theirs.
void take_srtp_progress(PacketStream& from, const std::vector<srtp::StreamState>& progress);

}  // namespace rtpe::media
