#include "daemon/stats/statistics.hpp"

#include <sys/time.h>

#include <algorithm>

namespace rtpe::stats {

namespace {

Relayed relayed_by(const call::Call& call) {
    Relayed r;
    for (const auto& p : call.participants())
        for (const auto& m : p->medias)
            for (const auto* stream : {m->rtp.get(), m->rtcp.get()})
                if (stream) {
                    r.packets += stream->counters().packets.load(std::memory_order_relaxed);
                    r.bytes += stream->counters().bytes.load(std::memory_order_relaxed);
                    r.errors += stream->counters().errors.load(std::memory_order_relaxed);
                }
    return r;
}

}  // namespace

std::size_t ng_command_index(std::string_view command) {
    for (std::size_t i = 0; i < kNgCommands.size(); ++i)
        if (kNgCommands[i].command == command)
            return i;
    return kNgCommands.size();
}

Statistics::Statistics(call::CallRegistry& registry) : registry_(registry), started_(std::time(nullptr)) {}

void Statistics::call_ended(const call::Call& call, EndReason reason) {
    ++ended_.calls;
    ++ended_.by_reason[static_cast<std::size_t>(reason)];
    ended_.relayed += relayed_by(call);
    timeval now{};
    gettimeofday(&now, nullptr);
    const double duration = static_cast<double>(now.tv_sec - call.created_s) +
                            static_cast<double>(now.tv_usec - call.created_us) / 1e6;
    ended_.duration += duration;
    ended_.duration_squared += duration * duration;
    // Each media line pairs the first participant's stream with its peer's.
    const auto& parts = call.participants();
    if (parts.empty())
        return;
    const call::Participant& first = *parts.front();
    const call::Participant* peer = first.peer;
    if (!peer && parts.size() > 1)
        peer = parts[1].get();
    auto received = [](const call::Participant* p, std::size_t i) -> uint64_t {
        if (!p || i >= p->medias.size() || !p->medias[i]->rtp)
            return 0;
        return p->medias[i]->rtp->counters().packets.load(std::memory_order_relaxed);
    };
    for (std::size_t i = 0; i < first.medias.size(); ++i) {
        const bool here = received(&first, i) != 0, there = received(peer, i) != 0;
        if (!here && !there)
            ++ended_.streams_without_packets;
        else if (here != there)
            ++ended_.one_way_streams;
    }
}

void Statistics::ng_command(const std::string& proxy, std::string_view command, double seconds, bool error) {
    auto it = proxies_.find(proxy);
    if (it == proxies_.end())
        it = proxies_.emplace(proxy, ProxyCounts{}).first;
    if (error)
        ++it->second.errors;
    const std::size_t i = ng_command_index(command);
    if (i == kNgCommands.size())
        return;
    ++it->second.commands[i].count;
    it->second.commands[i].seconds += seconds;
    auto& in = interval_.commands[i];
    in.min_seconds = in.count ? std::min(in.min_seconds, seconds) : seconds;
    in.max_seconds = std::max(in.max_seconds, seconds);
    ++in.count;
    in.seconds += seconds;
    ++in.this_second;
}

Current Statistics::current() const {
    Current c;
    for (const auto& call : registry_.snapshot()) {
        std::lock_guard lock(call->mutex());
        ++c.sessions;
        c.relayed += relayed_by(*call);
        std::size_t media_lines = 0;
        bool v4 = false, v6 = false;
        for (const auto& p : call->participants()) {
            media_lines = std::max(media_lines, p->medias.size());
            for (const auto& m : p->medias)
                if (m->sdp_filled)
                    (m->sdp_rtp.family() == AF_INET6 ? v6 : v4) = true;
        }
        c.media_streams += media_lines;
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

Relayed Statistics::relayed_total(const Current& current) const {
    Relayed r = ended_.relayed;
    r += current.relayed;
    return r;
}

void Statistics::tick() {
    const Current now = current();
    const Relayed total = relayed_total(now);
    // A call's counters leave the running sum and enter the ended one at once, so the
    // total only grows.
    rates_ = {total.packets - last_sample_.packets, total.bytes - last_sample_.bytes,
              total.errors - last_sample_.errors};
    last_sample_ = total;

    auto& in = interval_;
    in.min_sessions = in.sessions_seen ? std::min(in.min_sessions, now.sessions) : now.sessions;
    in.max_sessions = std::max(in.max_sessions, now.sessions);
    in.sessions_seen = true;
    ++in.seconds;
    for (auto& c : in.commands) {
        c.min_per_second = c.seen_second ? std::min(c.min_per_second, c.this_second) : c.this_second;
        c.max_per_second = std::max(c.max_per_second, c.this_second);
        c.seen_second = true;
        c.this_second = 0;
    }
}

void Statistics::close_interval() {
    last_interval_ = interval_;
    last_interval_duration_ = ended_.duration - interval_.ended.duration;
    interval_ = Interval{};
    interval_.ended = ended_;
    interval_.relayed = last_sample_;
}

}  // namespace rtpe::stats
