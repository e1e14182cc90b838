#include "daemon/call/call_samples.hpp"

#include <sys/time.h>

#include <algorithm>

namespace rtpe::call {

namespace {

stats::Relayed relayed_by(const Call& call) {
    stats::Relayed r;
    for (const auto& p : call.participants())
        for (const auto& m : p->medias) {
            for (const auto* stream : {m->rtp.get(), m->rtcp.get()})
                if (stream) {
                    r.packets += stream->counters().packets();
                    r.bytes += stream->counters().bytes();
                    r.errors += stream->counters().errors();
                    r.stun += stream->counters().stun.load(std::memory_order_relaxed);
                    r.dtls += stream->counters().dtls.load(std::memory_order_relaxed);
                    r.malformed += stream->counters().malformed.load(std::memory_order_relaxed);
                    r.srtp_failures += stream->counters().srtp_failures.load(std::memory_order_relaxed);
                    r.kernel_packets += stream->counters().kernel_packets.load(std::memory_order_relaxed);
                    r.kernel_bytes += stream->counters().kernel_bytes.load(std::memory_order_relaxed);
                    r.kernel_errors += stream->counters().kernel_errors.load(std::memory_order_relaxed);
                }
            media::Transcoder::PlayoutFigures f;
            for (const auto& t : m->transcoders)
                f += t->playout_figures();
            r.playout_late += f.late;
            r.playout_duplicates += f.duplicates;
            r.playout_lost += f.lost;
            r.playout_filled += f.filled;
            r.playout_dropped += f.dropped;
            r.playout_shifted_forward += f.shifted_forward;
            r.playout_shifted_back += f.shifted_back;
        }
    return r;
}

stats::QualityFigures quality_of(const Call& call) {
    stats::QualityFigures q;
    for (const auto& [ssrc, e] : call.quality.by_ssrc()) {
        if (!e.count)
            continue;
        stats::QualityFigures one;
        one.samples = e.count;
        one.mos_x10 = e.sum_mos;
        one.mos_x10_squared = e.sum_mos_squared;
        one.lowest_mos_x10 = e.lowest ? e.lowest->mos_x10 : 0;
        one.highest_mos_x10 = e.highest ? e.highest->mos_x10 : 0;
        one.jitter_ms = e.sum_jitter;
        one.rtt_us = e.sum_rtt;
        one.packet_loss = e.sum_loss;
        q += one;
    }
    return q;
}

// What the call's codec chains carried: every chain it had (a re-INVITE may have replaced
// some), and, with running, how many run now.
stats::Chains chains_of(const Call& call, bool running) {
    stats::Chains out;
    for (const auto& p : call.participants())
        for (const auto& m : p->medias)
            for (const auto& t : m->transcoders)
                for (std::size_t input = 0; input < t->inputs(); ++input) {
                    stats::ChainFigures& f = out[t->name(input)];
                    f.packets += t->packets(input);
                    f.bytes += t->bytes(input);
                    f.samples += t->samples(input);
                    if (running && m->transcoding && t == m->transcoders.back())
                        ++f.transcoders;
                }
    return out;
}

}  // namespace

stats::EndedCallSample ended_call_sample(const Call& call, stats::EndReason reason) {
    stats::EndedCallSample s;
    s.reason = reason;
    s.relayed = relayed_by(call);
    s.quality = quality_of(call);
    s.chains = chains_of(call, false);
    timeval now{};
    gettimeofday(&now, nullptr);
    s.duration = static_cast<double>(now.tv_sec - call.created_s) +
                 static_cast<double>(now.tv_usec - call.created_us) / 1e6;
    // Each media line pairs the first participant's stream with its peer's.
    const auto& parts = call.participants();
    if (parts.empty())
        return s;
    const Participant& first = *parts.front();
    const Participant* peer = first.peer;
    if (!peer && parts.size() > 1)
        peer = parts[1].get();
    auto received = [](const Participant* p, std::size_t i) -> uint64_t {
        if (!p || i >= p->medias.size() || !p->medias[i]->rtp)
            return 0;
        return p->medias[i]->rtp->counters().packets();
    };
    for (std::size_t i = 0; i < first.medias.size(); ++i) {
        const bool here = received(&first, i) != 0, there = received(peer, i) != 0;
        if (!here && !there)
            ++s.streams_without_packets;
        else if (here != there)
            ++s.one_way_streams;
    }
    return s;
}

stats::RunningCalls running_calls(const CallRegistry& registry) {
    stats::RunningCalls c;
    for (const auto& call : registry.snapshot()) {
        std::lock_guard lock(call->mutex());
        ++c.sessions;
        c.relayed += relayed_by(*call);
        c.quality += quality_of(*call);
        for (const auto& [name, figures] : chains_of(*call, true))
            c.chains[name] += figures;
        bool v4 = false, v6 = false;
        for (const auto& p : call->participants())
            for (const auto& m : p->medias) {
                if (m->sdp_filled)
                    (m->sdp_rtp.family() == AF_INET6 ? v6 : v4) = true;
                // As upstream counts them: every RTP stream that has received a packet, by
                // who forwarded it.
                if (!m->rtp)
                    continue;
                const uint64_t all = m->rtp->counters().packets();
                const uint64_t kernel = m->rtp->counters().kernel_packets.load(std::memory_order_relaxed);
                if (all && !kernel)
                    ++c.media_streams;
                else if (all && kernel == all)
                    ++c.media_kernel;
                else if (all)
                    ++c.media_mixed;
            }
        // Like upstream, a call counts by address family once both sides are known.
        if (!call->answered)
            continue;
        if (v4 && v6)
            ++c.mixed;
        else if (v4)
            ++c.v4;
        else if (v6)
            ++c.v6;
    }
    return c;
}

}  // namespace rtpe::call
