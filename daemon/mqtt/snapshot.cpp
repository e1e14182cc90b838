#include "daemon/mqtt/snapshot.hpp"

#include <sys/time.h>

#include "daemon/media/counter.hpp"
#include "daemon/stats/report.hpp"
#include "rtp/payload_types.hpp"
#include "util/parse.hpp"

namespace rtpe::mqtt {

namespace {

// The name a payload type has for this media: its participant's SDP first, then the
// other side's, then RFC 3551's static table.
std::optional<std::string> rtpmap_of(uint8_t pt, const call::MediaSide& media, const call::MediaSide* other) {
    if (auto it = media.codec_names.find(pt); it != media.codec_names.end())
        return it->second;
    if (other)
        if (auto it = other->codec_names.find(pt); it != other->codec_names.end())
            return it->second;
    if (auto known = rtp::static_rtpmap(std::to_string(pt)))
        return std::string(*known);
    return std::nullopt;
}

// The SSRC last received on the RTP stream of source (the participant's sending side),
// its codec named for the media it is reported under.
std::optional<SsrcView> received(const call::MediaSide& source, const call::MediaSide& named_for,
                                 const call::MediaSide* other) {
    const media::PacketStream* stream = source.rtp.get();
    if (!stream || !media::peek(stream->counters().ssrc_seen))
        return std::nullopt;
    const uint32_t ssrc = media::peek(stream->counters().last_ssrc);
    const media::SsrcFigures* figures = stream->ssrcs().find(ssrc);
    if (!figures)
        return std::nullopt;
    SsrcView v;
    v.ssrc = ssrc;
    v.packets = media::peek(figures->packets);
    v.bytes = media::peek(figures->bytes);
    v.lost = figures->lost();
    v.duplicates = media::peek(figures->duplicates);
    v.jitter = media::peek(figures->jitter);
    auto pt = stream->payloads().most_used();
    if (!pt)
        pt = media::peek(figures->payload_type);
    if (auto rtpmap = rtpmap_of(*pt, named_for, other))
        apply_rtpmap(v, *rtpmap);
    return v;
}

const call::MediaSide* peer_media(const call::Participant& p, int index) {
    if (!p.peer)
        return nullptr;
    for (const auto& m : p.peer->medias)
        if (m->index == index)
            return m.get();
    return nullptr;
}

}  // namespace

void apply_rtpmap(SsrcView& view, std::string_view rtpmap) {
    const auto slash = rtpmap.find('/');
    view.codec = std::string(rtpmap.substr(0, slash));
    view.clock_rate = 0;
    view.codec_params.clear();
    if (slash == std::string_view::npos)
        return;
    std::string_view rest = rtpmap.substr(slash + 1);
    const auto second = rest.find('/');
    if (auto rate = parse_int(std::string(rest.substr(0, second))); rate && *rate > 0 && *rate <= UINT32_MAX)
        view.clock_rate = static_cast<uint32_t>(*rate);
    if (second != std::string_view::npos)
        view.codec_params = std::string(rest.substr(second + 1));
}

CallView call_view(const call::Call& call) {
    CallView c;
    c.call_id = call.id();
    for (const auto& p : call.participants()) {
        LegView leg;
        leg.tag = p->tag;
        leg.label = p->label;
        for (const auto& m : p->medias) {
            MediaView v;
            v.index = m->index;
            v.type = m->type;
            v.protocol = m->protocol;
            v.send = m->send;
            v.recv = m->recv;
            if (m->local)
                v.interface = m->local->interface_name;
            if (m->sockets && m->local) {
                v.address = m->local->local.to_string();
                v.port = m->sockets->rtp_port();
            }
            const call::MediaSide* peer = peer_media(*p, m->index);
            v.ingress = received(*m, *m, peer);
            if (peer)
                v.egress = received(*peer, *m, peer);
            leg.medias.push_back(std::move(v));
        }
        c.legs.push_back(std::move(leg));
    }
    return c;
}

Snapshot take_snapshot(const call::CallRegistry& calls, const stats::Statistics& statistics,
                       const media::LocalInterfaces& interfaces) {
    Snapshot s;
    timeval now{};
    gettimeofday(&now, nullptr);
    s.timestamp = static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_usec) / 1e6;
    s.statistics = stats::ng_statistics(statistics, interfaces);
    for (const auto& call : calls.snapshot()) {
        std::lock_guard lock(call->mutex());
        s.calls.push_back(call_view(*call));
    }
    return s;
}

}  // namespace rtpe::mqtt
