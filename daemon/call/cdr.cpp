#include "daemon/call/cdr.hpp"

#include <cstdio>

#include "util/appendf.hpp"

namespace rtpe::call {

namespace {

void append_stream(std::string& out, const std::string& prefix, const MediaSide& m, bool rtcp, int64_t never) {
    const media::PacketStream* stream = rtcp ? m.rtcp.get() : m.rtp.get();
    // As in query replies: the learned endpoint once the workers reported one, else the SDP's.
    const net::SocketAddress& sdp = rtcp ? m.sdp_rtcp : m.sdp_rtp;
    const net::SocketAddress& endpoint =
        stream && stream->published.learned.port() ? stream->published.learned : sdp;
    const char* kind = rtcp ? "rtcp" : "rtp";
    const std::string endpoint_ip = m.sdp_filled || endpoint.port() ? endpoint.ip().to_string() : "";
    appendf(out, "%s_%s_endpoint_ip=%s, %s_%s_endpoint_port=%u, ", prefix.c_str(), kind, endpoint_ip.c_str(),
            prefix.c_str(), kind, static_cast<unsigned>(endpoint.port()));
    const std::string local_ip = m.sockets ? m.sockets->address().local.to_string() : "0.0.0.0";
    const unsigned local_port = m.sockets ? m.sockets->rtp_port() + (rtcp ? 1u : 0u) : 0u;
    appendf(out, "%s_%s_local_relay_ip=%s, %s_%s_local_relay_port=%u, ", prefix.c_str(), kind, local_ip.c_str(),
            prefix.c_str(), kind, local_port);
    unsigned long long packets = 0, bytes = 0, errors = 0;
    long long last = never;
    if (stream) {
        const auto& c = stream->counters();
        packets = c.packets();
        bytes = c.bytes();
        errors = c.errors();
        if (const int64_t l = c.last_packet())
            last = l;
    }
    appendf(out, "%s_%s_relayed_packets=%llu, %s_%s_relayed_bytes=%llu, %s_%s_relayed_errors=%llu, ",
            prefix.c_str(), kind, packets, prefix.c_str(), kind, bytes, prefix.c_str(), kind, errors);
    // The relay does not read incoming TOS bytes; upstream shows 0 when it has none.
    appendf(out, "%s_%s_last_packet=%lld, %s_%s_in_tos_tclass=0, ", prefix.c_str(), kind, last, prefix.c_str(),
            kind);
}

}  // namespace

const char* cdr_termination(stats::EndReason reason) {
    switch (reason) {
    case stats::EndReason::regular:
        return "REGULAR";
    case stats::EndReason::forced:
        return "FORCED";
    case stats::EndReason::timeout:
        return "TIMEOUT";
    case stats::EndReason::silent_timeout:
        return "SILENT_TIMEOUT";
    case stats::EndReason::final_timeout:
        return "FINAL_TIMEOUT";
    case stats::EndReason::offer_timeout:
        return "OFFER_TIMEOUT";
    }
    return "REGULAR";
}

std::string format_cdr(const Call& call, const char* termination, const timeval& ended) {
    std::string out;
    appendf(out, "ci=%s, created_from=%s, last_signal=%lld, tos=%u, ", call.id().c_str(), call.created_from.c_str(),
            static_cast<long long>(call.last_signal), static_cast<unsigned>(call.tos.value_or(0)));
    const auto& participants = call.participants();
    for (std::size_t i = 0; i < participants.size(); ++i) {
        const Participant& p = *participants[i];
        long long seconds = ended.tv_sec - p.created;
        long long micros = ended.tv_usec - p.created_us;
        if (micros < 0) {
            micros += 1000000;
            --seconds;
        }
        appendf(out, "ml%zu_start_time=%lld.%06lld, ml%zu_end_time=%lld.%06lld, ml%zu_duration=%lld.%06lld, ", i,
                static_cast<long long>(p.created), static_cast<long long>(p.created_us), i,
                static_cast<long long>(ended.tv_sec), static_cast<long long>(ended.tv_usec), i, seconds, micros);
        const char* tag_type = p.tag.empty() ? "UNKNOWN" : i == 0 ? "FROM_TAG" : "TO_TAG";
        appendf(out, "ml%zu_termination=%s, ml%zu_local_tag=%s, ml%zu_local_tag_type=%s, ", i, termination, i,
                p.tag.c_str(), i, tag_type);
        if (p.peer)
            appendf(out, "ml%zu_remote_tag=%s, ", i, p.peer->tag.c_str());
        // Codecs are not negotiated by this daemon, so no payload type is known; upstream
        // writes this key without the ml prefix, and so do we.
        out += "payload_type=unknown, ";
        for (const auto& m : p.medias) {
            const std::string prefix = "ml" + std::to_string(i) + "_midx" + std::to_string(m->index);
            append_stream(out, prefix, *m, false, call.created_s);
            append_stream(out, prefix, *m, true, call.created_s);
        }
    }
    return out;
}

}  // namespace rtpe::call
