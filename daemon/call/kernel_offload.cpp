#include "daemon/call/kernel_offload.hpp"

#include <algorithm>
#include <utility>

#include "daemon/call/call.hpp"
#include "daemon/media/srtp_handoff.hpp"
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

// The side's SDES contexts, when it speaks SDES with us; null otherwise.
const SideSrtp* sdes_of(const MediaSide& m) {
    return m.sdes.active() && !m.srtp.empty() ? m.srtp.back().get() : nullptr;
}

// The module's form of one direction's SDES parameters; nullopt for what it does not do
// (F8, GCM, session parameters, several keys, a key derivation rate).
std::optional<kernel::KernelCrypto> kernel_crypto(const srtp::SdesCrypto& c) {
    if (!c.suite || c.keys.size() != 1 || c.unencrypted_srtp || c.unencrypted_srtcp || c.unauthenticated_srtp ||
        (c.kdr && *c.kdr != 0))
        return std::nullopt;
    const srtp::SdesKey& k = c.keys.front();
    return kernel::kernel_crypto_for_suite(c.suite->name, k.key, k.salt, k.mki_bytes());
}

// SRTP the kernel can do on this side: none, or SDES in a form the module takes.
bool kernel_can_secure(const MediaSide& m) {
    if (m.dtls.active || (!m.srtp.empty() && m.srtp.back() && !m.sdes.active()))
        return false;
    const SideSrtp* sdes = sdes_of(m);
    return !sdes || (kernel_crypto(sdes->in_params) && kernel_crypto(sdes->out_params));
}

// What the worker learned about the participant's source, when learned for the SDP address
// the side has now (after a re-INVITE moved it, the old one is no news about the new one).
bool learned_for(const media::PacketStream& s, const net::SocketAddress& sdp) {
    return s.published.learned.port() && s.published.advertised == sdp;
}

// Where the side's participant is reached: the source learned from it, else its SDP's.
net::SocketAddress reach(const media::PacketStream& s, const net::SocketAddress& sdp) {
    return learned_for(s, sdp) ? s.published.learned : sdp;
}

// Both ends such that the kernel can do all of it.
bool offloadable(const Participant& sender, const MediaSide& a, const MediaSide& b) {
    return a.rtp && b.rtp && a.active && b.active && kernel_can_secure(a) && kernel_can_secure(b) &&
           !a.ice.enabled && !b.ice.enabled && a.bundle_routes.empty() && b.bundle_routes.empty() &&
           !a.transcoding && !b.transcoding && !a.t38_gateway && !b.t38_gateway && !a.filtered && !b.filtered &&
           sender.subscribers.empty() && !a.rtp->policy.media_handover &&
           !a.rtp->policy.asymmetric;
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

// The target of what arrives at from for to, without SRTP; nullopt until from's source
// is settled and to's address known.
std::optional<kernel::KernelTarget> plain_target(const media::PacketStream& from, const net::SocketAddress& from_sdp,
                                                 const media::PacketStream& to, const net::SocketAddress& to_sdp,
                                                 bool rtcp, const std::vector<uint8_t>& types, int tos) {
    const net::SocketAddress source = from.published.learned;
    const net::SocketAddress destination = reach(to, to_sdp);
    if (!settled(from) || !learned_for(from, from_sdp) || !destination.port() || destination.ip().is_unspecified() ||
        source.family() != from.local_address().family() || destination.family() != to.local_address().family())
        return std::nullopt;
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
    return t;
}

// The SSRCs the stream has seen, as the control thread may read them.
std::vector<uint32_t> seen_ssrcs(const media::PacketStream& s) {
    std::vector<uint32_t> out;
    for (const auto& f : s.ssrcs().figures())
        if (f.in_use.load(std::memory_order_relaxed))
            out.push_back(f.ssrc.load(std::memory_order_relaxed));
    return out;
}

uint32_t roc_of(const std::optional<uint64_t>& index) {
    return index ? static_cast<uint32_t>(*index >> 16) : 0;
}

uint64_t userspace_packets(const media::PacketStream& s) {
    return media::peek(s.counters().user_packets);
}
// Packets per tick that reach userspace for kernelized streams before that is called a
// missing rule rather than a few strays (a new SSRC, a payload type no SDP named).
constexpr uint64_t kBypassPackets = 10;
// A report older than this is asked for again: userspace went on meanwhile.
constexpr auto kProgressFreshFor = std::chrono::seconds(2);
// The kernel's first SRTCP index is this far past what userspace last said it used, for
// the packets userspace may have protected between that report and the kernel taking
// over. RFC 3711 wants indices never reused, not consecutive.
constexpr uint32_t kSrtcpIndexMargin = 64;

}  // namespace

struct KernelOffload::Wanted {
    media::PacketStream* stream;
    std::size_t worker;
    kernel::KernelTarget target;
};

bool KernelOffload::add_crypto(kernel::KernelTarget& t, const MediaSide& a, const MediaSide& b,
                               std::vector<WorkerTask>& tasks) {
    const SideSrtp* in = sdes_of(a);
    const SideSrtp* out = sdes_of(b);
    if (!in && !out)
        return true;
    const std::vector<uint32_t> ssrcs = seen_ssrcs(*a.rtp);
    if (ssrcs.empty() || ssrcs.size() > kernel::kKernelSsrcSlots)
        return false;  // nothing to start from yet, or more than the module keeps
    SrtpProgress& progress = srtp_progress_[a.rtp.get()];
    const auto now = std::chrono::steady_clock::now();
    const bool fresh = now - progress.received < kProgressFreshFor;
    auto state_of = [&](uint32_t ssrc) -> const srtp::StreamState* {
        for (const auto& s : progress.ssrcs)
            if (s.ssrc == ssrc)
                return &s;
        return nullptr;
    };
    if (!fresh || !std::all_of(ssrcs.begin(), ssrcs.end(), state_of)) {
        if (!progress.asked || now - progress.asked_at > kProgressFreshFor) {
            progress.asked = true;
            progress.asked_at = now;
            media::PacketStream* rtp = a.rtp.get();
            tasks.push_back({a.worker, [rtp] { media::report_srtp_progress(*rtp); }});
        }
        return false;
    }
    if (in)
        t.decrypt = *kernel_crypto(in->in_params);
    if (out)
        t.encrypt = *kernel_crypto(out->out_params);
    // An update keeps the kernel's state for an SSRC in the same slot: keep the order.
    std::vector<uint32_t> order;
    if (auto it = installed_.find(t.local.to_string()); it != installed_.end())
        for (uint32_t ssrc : it->second.target.ssrcs)
            if (std::find(ssrcs.begin(), ssrcs.end(), ssrc) != ssrcs.end())
                order.push_back(ssrc);
    for (uint32_t ssrc : ssrcs)
        if (std::find(order.begin(), order.end(), ssrc) == order.end())
            order.push_back(ssrc);
    uint32_t next_srtcp = 0;
    for (std::size_t slot = 0; slot < order.size(); ++slot) {
        const srtp::StreamState& s = *state_of(order[slot]);
        if (!t.rtcp && in)
            t.decrypt.roc[slot] = roc_of(s.received_index);
        // Relayed as they came (passthrough), the peer followed the sender's rollovers.
        if (!t.rtcp && out)
            t.encrypt.roc[slot] = roc_of(s.sent_index ? s.sent_index : s.received_index);
        next_srtcp = std::max({next_srtcp, s.next_srtcp_index, s.received_srtcp ? *s.received_srtcp + 1 : 0u});
    }
    if (t.rtcp) {
        // SRTCP arrives on any SSRC (no SSRC check on an RTCP port): the kernel's decrypt
        // side starts with empty replay lists; its encrypt side past every index used.
        if (out)
            t.encrypt.srtcp_index[0] = next_srtcp + kSrtcpIndexMargin;
    } else {
        t.ssrcs = order;
        t.ssrc_check = true;  // the ROC of another SSRC is not known here: userspace's
    }
    return true;
}

void KernelOffload::report(const kernel::KernelStatus& status) {
    // One line, not one per stream per second: what to do is the same for all.
    if (reported_failure_)
        return;
    reported_failure_ = true;
    RTPE_LOG(core, log::kWarning, "Kernel forwarding failed, those streams stay in userspace: %s",
             status.message().c_str());
}

namespace {

// What the kernel's SRTP reached, per SSRC, in userspace's terms (media/srtp_handoff.hpp).
std::vector<srtp::StreamState> kernel_progress(const kernel::KernelTargetStats& record) {
    const kernel::KernelTarget& t = record.target;
    std::vector<srtp::StreamState> out;
    for (const auto& c : record.ssrcs) {
        srtp::StreamState s{c.ssrc};
        if (!t.rtcp && c.srtp_seq) {
            if (!t.decrypt.plain())
                s.received_index = uint64_t{t.decrypt.roc[c.slot]} << 16 | *c.srtp_seq;
            if (!t.encrypt.plain())
                s.sent_index = uint64_t{t.encrypt.roc[c.slot]} << 16 | *c.srtp_seq;
        }
        if (t.rtcp && !t.decrypt.plain() && t.decrypt.srtcp_index[c.slot])
            s.received_srtcp = static_cast<uint32_t>(t.decrypt.srtcp_index[c.slot]);
        if (t.rtcp && !t.encrypt.plain())
            s.next_srtcp_index = static_cast<uint32_t>(t.encrypt.srtcp_index[0]);
        out.push_back(s);
    }
    return out;
}

}  // namespace

void KernelOffload::fold(Installed& e, const kernel::KernelTargetStats& s) {
    // The module's counters only grow; a target re-added starts again from 0.
    auto more = [](uint64_t now, uint64_t& folded) {
        const uint64_t d = now >= folded ? now - folded : now;
        folded = now;
        return d;
    };
    const uint64_t packets = more(s.packets, e.packets);
    const uint64_t bytes = more(s.bytes, e.bytes);
    const uint64_t errors = more(s.errors, e.errors);
    e.stream->counters().fold_kernel(packets, bytes, errors, static_cast<int64_t>(s.last_packet_us / 1000000));
    forwarded_since_check_ += packets;
}

void KernelOffload::remove(const std::string& key, std::vector<WorkerTask>* hand_back) {
    auto it = installed_.find(key);
    if (it == installed_.end())
        return;
    Installed& e = it->second;
    std::optional<kernel::KernelTargetStats> last;
    if (auto status = table_.remove(e.target.local, &last); !status && status.error() != ENOENT)
        report(status);
    if (last) {
        fold(e, *last);  // what it forwarded since the last tick counts too
        if (hand_back && (!e.target.decrypt.plain() || !e.target.encrypt.plain())) {
            media::PacketStream* stream = e.stream;
            hand_back->push_back({e.worker, [stream, progress = kernel_progress(*last)] {
                                      media::take_srtp_progress(*stream, progress);
                                  }});
        }
    }
    if (auto owned = keys_by_call_.find(e.call); owned != keys_by_call_.end()) {
        std::erase(owned->second, key);
        if (owned->second.empty())
            keys_by_call_.erase(owned);  // a freed call's address may come back as another call's
    }
    installed_.erase(it);
}

std::vector<KernelOffload::Wanted> KernelOffload::wanted_targets(const Call& call, int tos,
                                                                  std::vector<WorkerTask>& tasks) {
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
            auto rtp = plain_target(*a.rtp, a.sdp_rtp, *b.rtp, b.sdp_rtp, false, types, tos);
            if (rtp && add_crypto(*rtp, a, b, tasks))
                wanted.push_back({a.rtp.get(), a.worker, std::move(*rtp)});
            // RFC 5761: RTCP a multiplexing sender puts on its RTP port is not RTP to the
            // kernel and reaches userspace; RTCP to a multiplexing receiver goes to its RTP
            // port, from ours, as userspace sends it.
            if (a.rtcp_mux)
                continue;
            const media::PacketStream& rtcp_to = b.rtcp_mux ? *b.rtp : *b.rtcp;
            auto rtcp = plain_target(*a.rtcp, a.sdp_rtcp, rtcp_to, b.rtcp_mux ? b.sdp_rtp : b.sdp_rtcp, true, types, tos);
            if (rtcp && add_crypto(*rtcp, a, b, tasks))
                wanted.push_back({a.rtcp.get(), a.worker, std::move(*rtcp)});
        }
    }
    return wanted;
}

std::vector<KernelOffload::WorkerTask> KernelOffload::sync(const Call& call, int default_tos) {
    std::vector<WorkerTask> tasks;
    const std::vector<Wanted> wanted = wanted_targets(call, call.tos.value_or(default_tos), tasks);
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
            remove(key, &tasks);
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
                remove(key, &tasks);
            continue;
        }
        if (!update) {
            RTPE_LOG(core, log::kDebug, "Kernelized %s -> %s%s", key.c_str(), target.destination.to_string().c_str(),
                     target.decrypt.plain() && target.encrypt.plain() ? "" : " (SRTP)");
            keys_by_call_[&call].push_back(key);
        }
        Installed& entry = installed_[key];
        if (!update)
            entry.userspace_packets = userspace_packets(*stream);
        entry.target = target;
        entry.stream = stream;
        entry.worker = worker;
        entry.call = &call;
    }
    return tasks;
}

void KernelOffload::release(const MediaSide& side) {
    for (const auto* s : {side.rtp.get(), side.rtcp.get()})
        if (s) {
            remove(s->local_address().to_string());
            srtp_progress_.erase(s);
        }
}

void KernelOffload::take_srtp_progress(const media::PacketStream* stream, const srtp::StreamState& state) {
    auto it = srtp_progress_.find(stream);
    if (it == srtp_progress_.end())
        return;  // not asked about (or released since)
    SrtpProgress& p = it->second;
    const auto now = std::chrono::steady_clock::now();
    if (p.asked) {
        // the first event of a new report: the last one's SSRCs are old news
        p.ssrcs.clear();
        p.asked = false;
    }
    p.received = now;
    std::erase_if(p.ssrcs, [&](const srtp::StreamState& s) { return s.ssrc == state.ssrc; });
    p.ssrcs.push_back(state);
}

void KernelOffload::collect() {
    if (installed_.empty())
        return;
    std::vector<kernel::KernelTargetStats> stats;
    if (auto status = table_.read_stats(stats); !status) {
        report(status);
        return;
    }
    for (const auto& s : stats)
        if (auto it = installed_.find(s.target.local.to_string()); it != installed_.end())
            fold(it->second, s);
    check_bypass(std::exchange(forwarded_since_check_, 0));
}

void KernelOffload::check_bypass(uint64_t kernel_packets) {
    uint64_t bypassed = 0;
    for (auto& [key, e] : installed_) {
        const uint64_t now = userspace_packets(*e.stream);
        bypassed += now - std::min(now, e.userspace_packets);
        e.userspace_packets = now;
    }
    if (kernel_packets == 0 && bypassed >= kBypassPackets && !reported_bypass_) {
        reported_bypass_ = true;
        RTPE_LOG(core, log::kWarning,
                 "Kernel forwarding table %u forwards nothing while %llu packets of its streams reached userspace: "
                 "is the firewall rule 'iptables -I INPUT -p udp -j RTPENGINE --id %u' (and ip6tables) in place? "
                 "Relaying them in userspace meanwhile",
                 table_.id(), static_cast<unsigned long long>(bypassed), table_.id());
    } else if (kernel_packets > 0 && reported_bypass_) {
        reported_bypass_ = false;
        RTPE_LOG(core, log::kInfo, "Kernel forwarding table %u forwards again", table_.id());
    }
}

}  // namespace rtpe::call
