#include "daemon/stats/statistics.hpp"

#include <algorithm>

namespace rtpe::stats {

QualityFigures& QualityFigures::operator+=(const QualityFigures& o) {
    if (o.samples) {
        lowest_mos_x10 = samples ? std::min(lowest_mos_x10, o.lowest_mos_x10) : o.lowest_mos_x10;
        highest_mos_x10 = std::max(highest_mos_x10, o.highest_mos_x10);
    }
    samples += o.samples;
    mos_x10 += o.mos_x10;
    mos_x10_squared += o.mos_x10_squared;
    jitter_ms += o.jitter_ms;
    rtt_us += o.rtt_us;
    packet_loss += o.packet_loss;
    return *this;
}

std::size_t ng_command_index(std::string_view command) {
    for (std::size_t i = 0; i < kNgCommands.size(); ++i)
        if (kNgCommands[i].command == command)
            return i;
    return kNgCommands.size();
}

Statistics::Statistics(RunningSource running) : running_(std::move(running)), started_(std::time(nullptr)) {}

void Statistics::call_ended(const EndedCallSample& call) {
    ++ended_.calls;
    ++ended_.by_reason[static_cast<std::size_t>(call.reason)];
    ended_.relayed += call.relayed;
    ended_.duration += call.duration;
    ended_.duration_squared += call.duration * call.duration;
    ended_.streams_without_packets += call.streams_without_packets;
    ended_.one_way_streams += call.one_way_streams;
    ended_.quality += call.quality;
    for (const auto& [name, figures] : call.chains)
        ended_.chains[name] += figures;
}

Chains Statistics::chains_total(const RunningCalls& running) const {
    Chains out = ended_.chains;
    for (const auto& [name, figures] : running.chains)
        out[name] += figures;
    return out;
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

Relayed Statistics::relayed_total(const RunningCalls& running) const {
    Relayed r = ended_.relayed;
    r += running.relayed;
    return r;
}

void Statistics::tick() {
    const RunningCalls now = running();
    const Relayed total = relayed_total(now);
    // A call's counters leave the running sum and enter the ended one at once, so the
    // total only grows.
    rates_ = total - last_sample_;
    last_sample_ = total;
    const Chains chains = chains_total(now);
    chain_rates_.clear();
    for (const auto& [name, figures] : chains) {
        const ChainFigures& before = last_chains_[name];
        if (figures.packets > before.packets)
            chain_rates_[name] = ChainFigures{0, figures.packets - before.packets, figures.bytes - before.bytes,
                                              figures.samples - before.samples};
    }
    last_chains_ = chains;

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
    const Relayed total = relayed_total(running());
    last_interval_ = interval_;
    last_interval_.ended_at_end = ended_;
    last_interval_.relayed_at_end = total;
    interval_ = Interval{};
    interval_.ended_at_start = ended_;
    interval_.relayed_at_start = total;
}

}  // namespace rtpe::stats
