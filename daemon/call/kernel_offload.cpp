#include "daemon/call/kernel_offload.hpp"

#include <algorithm>

#include "daemon/call/call.hpp"
#include "util/log.hpp"
#include "util/parse.hpp"

namespace rtpe::call {

namespace {

bool settled(const media::PacketStream& s) {
    switch (media::peek(s.learning_state)) {
    case media::LearningState::sdp_address:
    case media::LearningState::other_address:
        return true;
    default:
        return false;
    }
}

bool speaks_srtp(const MediaSide& m) {
    return m.dtls.active || m.sdes.active() || (!m.srtp.empty() && m.srtp.back());
}

// Where the side's participant is reached: the source learned from it, else its SDP's.
net::SocketAddress reach(const media::PacketStream& s, const net::SocketAddress& sdp) {
    return s.published.learned.port() ? s.published.learned : sdp;
}

// Both ends plain, nothing in userspace's way.
bool offloadable(const Participant& sender, const MediaSide& a, const MediaSide& b) {
    return a.rtp && b.rtp && a.active && b.active && !speaks_srtp(a) && !speaks_srtp(b) && !a.ice.enabled &&
           !b.ice.enabled && !a.rtcp_mux && !b.rtcp_mux && a.bundle_routes.empty() && b.bundle_routes.empty() &&
           sender.subscribers.empty() && !a.rtp->policy.media_handover && !a.rtp->policy.asymmetric;
}

std::vector<uint8_t> payload_types(const MediaSide& a, const MediaSide& b) {
    std::vector<uint8_t> out;
    for (const auto* formats : {&a.negotiated, &b.negotiated})
        for (const auto& f : *formats)
            if (auto pt = parse_int(f); pt && *pt >= 0 && *pt < 128 &&
                std::find(out.begin(), out.end(), static_cast<uint8_t>(*pt)) == out.end())
                out.push_back(static_cast<uint8_t>(*pt));
    return out;
}

struct Wanted {
    media::PacketStream* stream;
    std::size_t worker;
    kernel::KernelTarget target;
};

void add_target(std::vector<Wanted>& out, std::size_t worker, media::PacketStream& from,
                const media::PacketStream& to, const net::SocketAddress& to_sdp, bool rtcp,
                const std::vector<uint8_t>& types, int tos) {
    const net::SocketAddress source = from.published.learned;
    const net::SocketAddress destination = reach(to, to_sdp);
    if (!settled(from) || !source.port() || !destination.port() || destination.ip().is_unspecified() ||
        source.family() != from.local_address().family() || destination.family() != to.local_address().family())
        return;
    kernel::KernelTarget t;
    t.local = from.local_address();
    t.expected_source = source;
    t.send_from = to.local_address();
    t.destination = destination;
    t.rtcp = rtcp;
    if (!rtcp) {
        t.rtp_only = true;  // STUN, RTCP on the RTP port, garbage: userspace
        if (!types.empty() && types.size() <= 32) {
            t.payload_types = types;
            t.payload_type_filter = true;  // other types: userspace counts them, as before
        }
    }
    t.tos = static_cast<uint8_t>(tos < 0 ? 0 : tos);
    out.push_back({&from, worker, std::move(t)});
}

}  // namespace

void KernelOffload::report(const kernel::KernelStatus& status) {
    // One line, not one per stream per second: what to do is the same for all.
    if (reported_failure_)
        return;
    reported_failure_ = true;
    RTPE_LOG(core, log::kWarning, "Kernel forwarding failed, those streams stay in userspace: %s",
             status.message().c_str());
}

void KernelOffload::remove(const std::string& key) {
    auto it = installed_.find(key);
    if (it == installed_.end())
        return;
    if (auto status = table_.remove(it->second.target.local); !status && status.error() != ENOENT)
        report(status);
    if (auto owned = keys_by_call_.find(it->second.call); owned != keys_by_call_.end()) {
        std::erase(owned->second, key);
        if (owned->second.empty())
            keys_by_call_.erase(owned);  // a freed call's address may come back as another call's
    }
    installed_.erase(it);
}

void KernelOffload::sync(const Call& call, int default_tos) {
    const int tos = call.tos.value_or(default_tos);
    std::vector<Wanted> wanted;
    for (const auto& p : call.participants()) {
        const Participant* q = p->peer;
        if (!q)
            continue;
        for (std::size_t i = 0; i < p->medias.size() && i < q->medias.size(); ++i) {
            const MediaSide& a = *p->medias[i];
            const MediaSide& b = *q->medias[i];
            if (!offloadable(*p, a, b))
                continue;
            const auto types = payload_types(a, b);
            add_target(wanted, a.worker, *a.rtp, *b.rtp, b.sdp_rtp, false, types, tos);
            add_target(wanted, a.worker, *a.rtcp, *b.rtcp, b.sdp_rtcp, true, types, tos);
        }
    }
    std::vector<std::string> wanted_keys;
    for (const Wanted& w : wanted)
        wanted_keys.push_back(w.target.local.to_string());
    // What this call had and no longer wants goes first: its port may now be another's.
    if (auto owned = keys_by_call_.find(&call); owned != keys_by_call_.end()) {
        std::vector<std::string> stale;
        for (const auto& key : owned->second)
            if (std::find(wanted_keys.begin(), wanted_keys.end(), key) == wanted_keys.end())
                stale.push_back(key);
        for (const auto& key : stale)
            remove(key);
    }
    for (std::size_t n = 0; n < wanted.size(); ++n) {
        const auto& [stream, worker, target] = wanted[n];
        const std::string& key = wanted_keys[n];
        auto it = installed_.find(key);
        if (it != installed_.end() && it->second.target == target)
            continue;
        const bool update = it != installed_.end();
        const auto status = update ? table_.update(target) : table_.add(target);
        if (!status) {
            report(status);
            if (update)
                remove(key);
            continue;
        }
        if (!update) {
            RTPE_LOG(core, log::kDebug, "Kernelized %s -> %s", key.c_str(), target.destination.to_string().c_str());
            keys_by_call_[&call].push_back(key);
        }
        Installed& entry = installed_[key];
        entry.target = target;
        entry.stream = stream;
        entry.worker = worker;
        entry.call = &call;
    }
}

void KernelOffload::release(const MediaSide& side) {
    for (const auto* s : {side.rtp.get(), side.rtcp.get()})
        if (s)
            remove(s->local_address().to_string());
}

std::vector<KernelOffload::Delta> KernelOffload::collect() {
    std::vector<Delta> out;
    if (installed_.empty())
        return out;
    std::vector<kernel::KernelTargetStats> stats;
    if (auto status = table_.read_stats(stats); !status) {
        report(status);
        return out;
    }
    for (const auto& s : stats) {
        auto it = installed_.find(s.target.local.to_string());
        if (it == installed_.end())
            continue;
        Installed& e = it->second;
        Delta d;
        d.stream = e.stream;
        d.worker = e.worker;
        // The module's counters only grow; a target re-added starts again from 0.
        d.packets = s.packets >= e.packets ? s.packets - e.packets : s.packets;
        d.bytes = s.bytes >= e.bytes ? s.bytes - e.bytes : s.bytes;
        d.errors = s.errors >= e.errors ? s.errors - e.errors : s.errors;
        d.last_packet_s = static_cast<int64_t>(s.last_packet_us / 1000000);
        e.packets = s.packets;
        e.bytes = s.bytes;
        e.errors = s.errors;
        if (d.packets || d.errors)
            out.push_back(d);
    }
    return out;
}

}  // namespace rtpe::call
