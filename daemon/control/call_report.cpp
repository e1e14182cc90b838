#include "daemon/control/call_report.hpp"

namespace rtpe::control {

namespace {

using bencode::Value;

Value endpoint_value(const net::SocketAddress& address) {
    Value v = Value::dictionary();
    v.set("family", address.family() == AF_INET6 ? "IPv6" : "IPv4");
    v.set("address", address.ip().to_string());
    v.set_integer("port", address.port());
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
        Value v = Value::dictionary();
        v.set_integer("packets", static_cast<int64_t>(packets));
        v.set_integer("bytes", static_cast<int64_t>(bytes));
        v.set_integer("errors", static_cast<int64_t>(errors));
        return v;
    }
};

// The relay's worker owns endpoint state; reading it here is a benign snapshot that the
// worker may be updating (addresses are written whole only while learning).
Value stream_value(const media::PacketStream& stream, const call::MediaSide& media, const net::SocketAddress& sdp,
                   int64_t call_created) {
    Value s = Value::dictionary();
    const uint16_t port = static_cast<uint16_t>(media.sockets->rtp_port() + (stream.is_rtcp() ? 1 : 0));
    s.set_integer("local port", port);
    s.set("local address", media.local->local.to_string());
    s.set("family", media.local->local.is_v6() ? "IPv6" : "IPv4");
    s.set("endpoint", endpoint_value(stream.endpoint.port() ? stream.endpoint : sdp));
    s.set("advertised endpoint", endpoint_value(sdp));
    const int64_t last = stream.counters().last_packet.load(std::memory_order_relaxed);
    s.set_integer("last packet", last ? last : call_created);
    Value flags = Value::list();
    flags.push_back(Value::string(stream.is_rtcp() ? "RTCP" : "RTP"));
    if (sdp.port())
        flags.push_back(Value::string("filled"));
    s.set("flags", std::move(flags));
    Totals t;
    t.add(stream.counters());
    s.set("stats", t.value());
    return s;
}

}  // namespace

void report_call(const call::Call& call, bencode::Value& reply) {
    reply.set_integer("created", call.created_s);
    reply.set_integer("created_us", call.created_us);
    reply.set_integer("last signal", call.last_signal);
    reply.set("SSRC", Value::dictionary());

    Totals rtp, rtcp;
    Value tags = Value::dictionary();
    for (const auto& p : call.participants()) {
        if (p->tag.empty())
            continue;
        Value t = Value::dictionary();
        t.set("tag", p->tag);
        if (!p->label.empty())
            t.set("label", p->label);
        t.set_integer("created", p->created);
        Value peers = Value::list();
        if (p->peer && !p->peer->tag.empty()) {
            Value peer = Value::dictionary();
            peer.set("tag", p->peer->tag);
            peer.set("type", "offer/answer");
            peers.push_back(std::move(peer));
        }
        t.set("subscriptions", peers);
        t.set("subscribers", std::move(peers));
        Value medias = Value::list();
        for (const auto& m : p->medias) {
            if (!m->rtp)
                continue;
            Value mv = Value::dictionary();
            mv.set_integer("index", m->index);
            mv.set("type", m->type);
            mv.set("protocol", m->protocol);
            Value streams = Value::list();
            streams.push_back(stream_value(*m->rtp, *m, m->sdp_rtp, call.created_s));
            streams.push_back(stream_value(*m->rtcp, *m, m->sdp_rtcp, call.created_s));
            mv.set("streams", std::move(streams));
            Value flags = Value::list();
            flags.push_back(Value::string("initialized"));
            if (m->send)
                flags.push_back(Value::string("send"));
            if (m->recv)
                flags.push_back(Value::string("recv"));
            mv.set("flags", std::move(flags));
            medias.push_back(std::move(mv));
            rtp.add(m->rtp->counters());
            rtcp.add(m->rtcp->counters());
        }
        t.set("medias", std::move(medias));
        tags.set(p->tag, std::move(t));
    }
    reply.set("tags", std::move(tags));
    Value totals = Value::dictionary();
    totals.set("RTP", rtp.value());
    totals.set("RTCP", rtcp.value());
    reply.set("totals", std::move(totals));
}

}  // namespace rtpe::control
