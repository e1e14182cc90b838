#include "daemon/control/call_report.hpp"

namespace rtpe::control {

namespace {

using bencode::Value;

Value endpoint_value(const net::SocketAddress& address) {
    Value v = Value::dictionary(3);
    v.append("family", address.family() == AF_INET6 ? "IPv6" : "IPv4");
    v.append("address", address.ip().to_string());
    v.append_integer("port", address.port());
    return v;
}

struct Totals {
    uint64_t packets = 0, bytes = 0, errors = 0;
    void add(const media::StreamCounters& c) {
        packets += c.packets.load(std::memory_order_relaxed);
        bytes += c.bytes.load(std::memory_order_relaxed);
        errors += c.errors.load(std::memory_order_relaxed);
    }
    Value value() const {
        Value v = Value::dictionary(3);
        v.append_integer("packets", static_cast<int64_t>(packets));
        v.append_integer("bytes", static_cast<int64_t>(bytes));
        v.append_integer("errors", static_cast<int64_t>(errors));
        return v;
    }
};

// The relay's worker owns endpoint state; reading it here is a benign snapshot that the
// worker may be updating (addresses are written whole only while learning). A stream of a
// rejected m= line has no socket and shows no local port, as upstream shows it.
Value stream_value(const media::PacketStream* stream, bool rtcp, const call::MediaSide& media,
                   const net::SocketAddress& sdp, int64_t call_created) {
    Value s = Value::dictionary(8);
    if (media.sockets) {
        s.append_integer("local port", media.sockets->rtp_port() + (rtcp ? 1 : 0));
        s.append("local address", media.local->local.to_string());
        s.append("family", media.local->local.is_v6() ? "IPv6" : "IPv4");
    }
    // An endpoint nobody has told us about yet is an empty dictionary.
    const bool known = media.sdp_filled;
    // Until the worker has taken in the latest SDP (its advertised address still differs),
    // what it learned belongs to the previous one.
    const bool caught_up = stream && stream->advertised == sdp && stream->endpoint.port();
    const net::SocketAddress& current = caught_up ? stream->endpoint : sdp;
    s.append("endpoint", known ? endpoint_value(current) : Value::dictionary());
    s.append("advertised endpoint", known ? endpoint_value(sdp) : Value::dictionary());
    const int64_t last = stream ? stream->counters().last_packet.load(std::memory_order_relaxed) : 0;
    s.append_integer("last packet", last ? last : call_created);
    Value flags = Value::list();
    flags.push_back(Value::string(rtcp ? "RTCP" : "RTP"));
    if (known)
        flags.push_back(Value::string("filled"));
    s.append("flags", std::move(flags));
    Totals t;
    if (stream)
        t.add(stream->counters());
    s.append("stats", t.value());
    return s;
}

}  // namespace

void report_call(const call::Call& call, bencode::Value& reply) {
    reply.append_integer("created", call.created_s);
    reply.append_integer("created_us", call.created_us);
    reply.append_integer("last signal", call.last_signal);
    reply.append("SSRC", Value::dictionary());

    Totals rtp, rtcp;
    Value tags = Value::dictionary();
    int untagged = 0;
    for (const auto& p : call.participants()) {
        Value t = Value::dictionary();
        t.append("tag", p->tag);
        if (!p->label.empty())
            t.append("label", p->label);
        t.append_integer("created", p->created);
        Value peers = Value::list();
        if (p->peer) {
            Value peer = Value::dictionary();
            peer.append("tag", p->peer->tag);
            peer.append("type", "offer/answer");
            peers.push_back(std::move(peer));
        }
        t.append("subscriptions", peers);
        t.append("subscribers", std::move(peers));
        Value medias = Value::list();
        for (const auto& m : p->medias) {
            Value mv = Value::dictionary();
            mv.append_integer("index", m->index);
            mv.append("type", m->type);
            mv.append("protocol", m->protocol);
            Value streams = Value::list();
            streams.push_back(stream_value(m->rtp.get(), false, *m, m->sdp_rtp, call.created_s));
            streams.push_back(stream_value(m->rtcp.get(), true, *m, m->sdp_rtcp, call.created_s));
            mv.append("streams", std::move(streams));
            Value flags = Value::list();
            if (p->sdp_seen)
                flags.push_back(Value::string("initialized"));
            if (m->send)
                flags.push_back(Value::string("send"));
            if (m->recv)
                flags.push_back(Value::string("recv"));
            if (m->ice_controlling)
                flags.push_back(Value::string("ICE controlling"));
            mv.append("flags", std::move(flags));
            medias.push_back(std::move(mv));
            if (m->rtp) {
                rtp.add(m->rtp->counters());
                rtcp.add(m->rtcp->counters());
            }
        }
        t.append("medias", std::move(medias));
        // A participant whose tag is not known yet is listed as upstream lists it.
        tags.append(p->tag.empty() ? "<untagged " + std::to_string(++untagged) + ">" : p->tag, std::move(t));
    }
    reply.append("tags", std::move(tags));
    Value totals = Value::dictionary();
    totals.append("RTP", rtp.value());
    totals.append("RTCP", rtcp.value());
    reply.append("totals", std::move(totals));
}

}  // namespace rtpe::control
