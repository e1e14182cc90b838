#include "daemon/control/call_report.hpp"

#include "bencode/writer.hpp"

namespace rtpe::control {

namespace {

using bencode::Value;
using bencode::Writer;

bool known_protocol(std::string_view protocol) {
    static constexpr std::string_view kKnown[] = {
        "RTP/AVP",          "RTP/SAVP",          "RTP/AVPF",         "RTP/SAVPF",
        "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF", "udptl",            "UDP/TLS/RTP/AVP",
        "UDP/TLS/RTP/AVPF", "DTLS/SCTP",         "UDP/DTLS/SCTP",    "TCP/DTLS/SCTP"};
    for (auto k : kKnown)
        if (k == protocol)
            return true;
    return false;
}

void write_endpoint(Writer& w, const net::SocketAddress& address) {
    w.dict()
        .entry("family", address.family() == AF_INET6 ? "IPv6" : "IPv4")
        .entry("address", address.ip().to_string())
        .integer_entry("port", address.port())
        .end();
}

struct Totals {
    uint64_t packets = 0, bytes = 0, errors = 0;
    void add(const media::StreamCounters& c) {
        packets += c.packets();
        bytes += c.bytes();
        errors += c.errors();
    }
    void write(Writer& w) const {
        w.dict()
            .integer_entry("packets", static_cast<int64_t>(packets))
            .integer_entry("bytes", static_cast<int64_t>(bytes))
            .integer_entry("errors", static_cast<int64_t>(errors))
            .end();
    }
};

// Also ours: what arrived that was not plain RTP/RTCP (RFC 7983 classes), and what was
// dropped for failing SRTP authentication; where a WebRTC leg's media went.
void write_classified(Writer& w, const media::PacketStream& stream) {
    const auto& c = stream.counters();
    w.key("classified")
        .dict()
        .integer_entry("STUN", static_cast<int64_t>(media::peek(c.stun)))
        .integer_entry("DTLS", static_cast<int64_t>(media::peek(c.dtls)))
        .integer_entry("malformed", static_cast<int64_t>(media::peek(c.malformed)))
        .integer_entry("other", static_cast<int64_t>(media::peek(c.other)))
        .integer_entry("SRTP failures", static_cast<int64_t>(media::peek(c.srtp_failures)))
        .end();
}

// What a worker learned comes from its events (CallService::apply_media_events, run by the
// caller first); nothing here reads worker state. A stream of a rejected m= line has no
// socket and shows no local port, as upstream shows it.
// Our addition to query: where endpoint learning stands, how often it changed its mind,
// and how many packets strict-source refused; enough to tell why audio is one-way.
void write_learning(Writer& w, const media::PacketStream& stream) {
    const auto& c = stream.counters();
    w.key("learning")
        .dict()
        .entry("state", media::learning_state_name(media::peek(stream.learning_state)))
        .integer_entry("candidates", static_cast<int64_t>(media::peek(c.learning_candidates)))
        .integer_entry("refused sources", static_cast<int64_t>(media::peek(c.refused_sources)))
        .end();
}

// Ours too: what the clocked stages of the media's codec chains (every chain it had) did to
// the RTP it received; only where one has a clocked stage.
void write_playout(Writer& w, const call::MediaSide& media) {
    media::Transcoder::PlayoutFigures total;
    bool clocked = false;
    for (const auto& t : media.transcoders) {
        if (!t->clocked())
            continue;
        clocked = true;
        total += t->playout_figures();
    }
    if (!clocked)
        return;
    w.key("playout")
        .dict()
        .integer_entry("late", static_cast<int64_t>(total.late))
        .integer_entry("duplicates", static_cast<int64_t>(total.duplicates))
        .integer_entry("lost", static_cast<int64_t>(total.lost))
        .integer_entry("filled", static_cast<int64_t>(total.filled))
        .integer_entry("dropped", static_cast<int64_t>(total.dropped))
        .integer_entry("shifted forward", static_cast<int64_t>(total.shifted_forward))
        .integer_entry("shifted back", static_cast<int64_t>(total.shifted_back))
        .end();
}

// The SDES suite query shows for a media: the one in use; or, as upstream shows it, the
// first one we offered a participant that took DTLS-SRTP instead.
const srtp::CryptoSuite* shown_sdes_suite(const call::MediaSide& media) {
    if (media.sdes.active())
        return media.sdes.out->suite;
    if (media.dtls.active && !media.sdes.offered_to.empty())
        return media.sdes.offered_to.front().suite;
    return nullptr;
}

// ports: the side whose sockets carry the stream (a BUNDLE member's are its transport's).
void write_stream(Writer& w, const media::PacketStream* stream, bool rtcp, const call::MediaSide& media,
                  const call::MediaSide& ports, const net::SocketAddress& sdp, int64_t call_created,
                  ReportDetail detail) {
    w.dict();
    if (ports.sockets) {
        const bool unused = rtcp && ports.rtcp_port_unused;
        w.integer_entry("local port", unused ? 0 : ports.sockets->rtp_port() + (rtcp ? 1 : 0))
            .entry("local address", ports.local->local.to_string())
            .entry("family", ports.local->local.is_v6() ? "IPv6" : "IPv4");
    }
    // An endpoint nobody has told us about yet is an empty dictionary.
    const bool known = media.sdp_filled;
    // What was learned against an older SDP address belongs to that one.
    const bool learned = stream && stream->published.advertised == sdp && stream->published.learned.port();
    const net::SocketAddress& current = learned ? stream->published.learned : sdp;
    w.key("endpoint");
    known ? write_endpoint(w, current) : void(w.dict().end());
    w.key("advertised endpoint");
    known ? write_endpoint(w, sdp) : void(w.dict().end());
    if (const srtp::CryptoSuite* suite = shown_sdes_suite(media))
        w.entry("crypto suite", std::string(suite->name));
    const int64_t last = stream ? stream->counters().last_packet() : 0;
    w.integer_entry("last packet", last ? last : call_created);
    // A multiplexing participant's RTP port carries RTCP too; its RTCP port is a fallback.
    w.key("flags").list().string(rtcp ? "RTCP" : "RTP");
    if (media.rtcp_mux)
        w.string(rtcp ? "fallback RTCP" : "RTCP");
    if (known)
        w.string("filled");
    if (stream && stream->published.dtls_verified)
        w.string("DTLS fingerprint verified");
    if (media.ice.enabled)
        w.string("ICE");
    w.end();
    if (stream && media::peek(stream->counters().ssrc_seen))
        w.integer_entry("SSRC", media::peek(stream->counters().last_ssrc));
    if (stream && detail == ReportDetail::diagnostics) {
        write_learning(w, *stream);
        write_classified(w, *stream);
        if (!rtcp)
            write_playout(w, media);
    }
    Totals t;
    if (stream)
        t.add(stream->counters());
    w.key("stats");
    t.write(w);
    w.end();
}

// One MOS figure set as upstream lists it; reported_at only for single samples.
void write_quality(Writer& w, const media::QualitySample& q, bool with_time) {
    w.integer_entry("MOS", q.mos_x10)
        .integer_entry("round-trip time", static_cast<int64_t>(q.rtt_us))
        .integer_entry("round-trip time leg", static_cast<int64_t>(q.rtt_leg_us))
        .integer_entry("jitter", q.jitter_ms)
        .integer_entry("packet loss", q.packet_loss);
    if (with_time)
        w.integer_entry("reported at", q.reported_at);
}

// The call's SSRCs with MOS samples: averages, extremes, and about ten samples spread over
// the time they cover.
void write_ssrc_quality(Writer& w, const media::QualityLog& log) {
    w.dict();
    for (const auto& [ssrc, e] : log.by_ssrc()) {
        if (!e.count)
            continue;
        w.key(std::to_string(ssrc)).dict().integer_entry("cumulative loss", e.cumulative_lost);
        const auto n = static_cast<int64_t>(e.count);
        w.key("average MOS")
            .dict()
            .integer_entry("MOS", static_cast<int64_t>(e.sum_mos) / n)
            .integer_entry("round-trip time", static_cast<int64_t>(e.sum_rtt) / n)
            .integer_entry("round-trip time leg", static_cast<int64_t>(e.sum_rtt_leg) / n)
            .integer_entry("jitter", static_cast<int64_t>(e.sum_jitter) / n)
            .integer_entry("packet loss", static_cast<int64_t>(e.sum_loss) / n)
            .integer_entry("samples", n)
            .end();
        w.key("lowest MOS").dict();
        write_quality(w, *e.lowest, true);
        w.end().key("highest MOS").dict();
        write_quality(w, *e.highest, true);
        w.end();
        const int64_t interval = (e.samples.back().reported_at - e.samples.front().reported_at) / 10;
        w.key("MOS progression").dict().integer_entry("interval", interval).key("entries").list();
        int64_t next_step = e.samples.front().reported_at;
        for (const auto& sample : e.samples) {
            if (sample.reported_at < next_step)
                continue;
            next_step += interval;
            w.dict();
            write_quality(w, sample, true);
            w.end();
        }
        w.end().end().end();
    }
    w.end();
}

void write_participant(Writer& w, const call::Participant& p, int64_t call_created, ReportDetail detail) {
    w.dict().entry("tag", p.tag);
    if (!p.via_branch.empty())
        w.entry("via-branch", p.via_branch);
    if (!p.label.empty())
        w.entry("label", p.label);
    w.integer_entry("created", p.created);
    // The offer/answer peer first, then publish/subscribe links in the order they were made.
    for (const auto* links : {&p.subscriptions, &p.subscribers}) {
        w.key(links == &p.subscriptions ? "subscriptions" : "subscribers").list();
        if (p.peer)
            w.dict().entry("tag", p.peer->tag).entry("type", "offer/answer").end();
        for (const call::Participant* other : *links)
            w.dict().entry("tag", other->tag).entry("type", "pub/sub").end();
        w.end();
    }
    w.key("medias").list();
    for (const auto& m : p.medias) {
        w.dict().integer_entry("index", m->index).entry("type", m->type);
        // Upstream names only the transport protocols it knows (not UDP/BFCP, TCP/MSRP, ...).
        if (known_protocol(m->protocol))
            w.entry("protocol", m->protocol);
        if (auto codec = call::shown_codec(*m))
            w.entry("codec", *codec);
        w.key("streams").list();
        const std::size_t i = static_cast<std::size_t>(m->index - 1);
        const call::MediaSide& ports =
            p.bundle && p.bundle->secondary(i) && p.bundle->primary() < p.medias.size() ? *p.medias[p.bundle->primary()]
                                                                                        : *m;
        write_stream(w, m->rtp.get(), false, *m, ports, m->sdp_rtp, call_created, detail);
        write_stream(w, m->rtcp.get(), true, *m, ports, m->sdp_rtcp, call_created, detail);
        w.end();
        w.key("flags").list();
        if (p.sdp_seen)
            w.string("initialized");
        if (m->send)
            w.string("send");
        if (m->recv)
            w.string("recv");
        if (m->rtcp_mux)
            w.string("rtcp-mux");
        if (m->ice.passthrough)
            w.string("passthrough");
        if (m->dtls.active)
            w.string("DTLS-SRTP");
        if (m->dtls_active)
            w.string("DTLS role active");
        if (m->dtls_passive)
            w.string("DTLS role passive");
        // As upstream: SDES once either side named keys (offered to it, or in its answer).
        if (shown_sdes_suite(*m) || !m->sdes.offered_to.empty() || m->sdes.answered_crypto)
            w.string("SDES");
        if (m->ice.enabled)
            w.string("ICE");
        if (m->ice.trickle)
            w.string("trickle ICE");
        if (m->ice_controlling)
            w.string("ICE controlling");
        if (m->ice.lite_peer)
            w.string("ICE-lite peer");
        if (m->transcoding)
            w.string("transcoding");
        w.end().end();
    }
    w.end().end();
}

}  // namespace

void report_call(const call::Call& call, bencode::Value& reply, ReportDetail detail) {
    reply.append_integer("created", call.created_s);
    reply.append_integer("created_us", call.created_us);
    reply.append_integer("last signal", call.last_signal);
    std::string ssrcs;
    {
        Writer w(ssrcs);
        write_ssrc_quality(w, call.quality);
    }
    reply.append("SSRC", Value::encoded(std::move(ssrcs)));

    // Written as text directly: this is the bulk of every delete reply.
    Totals rtp, rtcp;
    std::string tags;
    {
        Writer w(tags);
        w.dict();
        int untagged = 0;
        for (const auto& p : call.participants()) {
            // A participant whose tag is not known yet is listed as upstream lists it.
            w.key(p->tag.empty() ? "<untagged " + std::to_string(++untagged) + ">" : p->tag);
            write_participant(w, *p, call.created_s, detail);
            for (const auto& m : p->medias)
                if (m->rtp) {
                    rtp.add(m->rtp->counters());
                    rtcp.add(m->rtcp->counters());
                }
        }
        w.end();
    }
    reply.append("tags", Value::encoded(std::move(tags)));

    std::string totals;
    {
        Writer w(totals);
        w.dict().key("RTP");
        rtp.write(w);
        w.key("RTCP");
        rtcp.write(w);
        w.end();
    }
    reply.append("totals", Value::encoded(std::move(totals)));
}

}  // namespace rtpe::control
