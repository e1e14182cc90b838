#include "daemon/media/srtp_handoff.hpp"

#include <algorithm>

#include "daemon/media/packet_stream.hpp"
#include "daemon/media/worker_context.hpp"

namespace rtpe::media {

namespace {

// Where what from forwards is protected: the peer-facing stream's outgoing context.
srtp::Context* egress_context(const PacketStream& from) {
    const PacketStream* to = from.is_rtcp() ? from.forwarder.rtcp_target() : from.forwarder.target();
    return to ? to->srtp_out : nullptr;
}

template <typename T>
void take_max(std::optional<T>& mine, const std::optional<T>& theirs) {
    if (theirs && (!mine || *theirs > *mine))
        mine = theirs;
}

}  // namespace

void report_srtp_progress(PacketStream& from) {
    EventOutbox* outbox = this_worker().events;
    if (!outbox)
        return;
    const srtp::Context* egress = egress_context(from);
    for (const SsrcFigures& f : from.ssrcs().figures()) {
        if (!f.in_use.load(std::memory_order_relaxed))
            continue;
        const uint32_t ssrc = f.ssrc.load(std::memory_order_relaxed);
        MediaEvent e;
        e.kind = MediaEvent::Kind::srtp_progress;
        e.stream = &from;
        e.ssrc = ssrc;
        e.srtp.ssrc = ssrc;
        if (from.srtp_in)
            if (auto in = from.srtp_in->stream(ssrc)) {
                e.srtp.received_index = in->received_index;
                e.srtp.received_srtcp = in->received_srtcp;
            }
        if (egress)
            if (auto out = egress->stream(ssrc)) {
                e.srtp.sent_index = out->sent_index;
                e.srtp.next_srtcp_index = out->next_srtcp_index;
            }
        outbox->post(e);
    }
}

void take_srtp_progress(PacketStream& from, const std::vector<srtp::StreamState>& progress) {
    srtp::Context* egress = egress_context(from);
    for (const srtp::StreamState& p : progress) {
        // (a restored state starts its replay windows afresh: only when the kernel got further)
        if (from.srtp_in) {
            const auto before = from.srtp_in->stream(p.ssrc);
            srtp::StreamState s = before.value_or(srtp::StreamState{p.ssrc});
            take_max(s.received_index, p.received_index);
            take_max(s.received_srtcp, p.received_srtcp);
            if (s != before)
                from.srtp_in->restore_stream(s);
        }
        if (egress) {
            const auto before = egress->stream(p.ssrc);
            srtp::StreamState s = before.value_or(srtp::StreamState{p.ssrc});
            take_max(s.sent_index, p.sent_index);
            s.next_srtcp_index = std::max(s.next_srtcp_index, p.next_srtcp_index);
            if (s != before)
                egress->restore_stream(s);
        }
    }
}

}  // namespace rtpe::media
