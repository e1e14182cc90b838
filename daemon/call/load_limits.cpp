#include "daemon/call/load_limits.hpp"

#include <cstdio>
#include <cstdlib>

#include "util/log.hpp"

namespace rtpe::call {

LoadLimits::LoadLimits(const LimitSettings& settings)
    : settings_(settings) {
    sample_system();
}

void LoadLimits::sample_system() {
    // Only what a limit needs (the CLI may set one at any time): formatting /proc/stat is
    // most of what an idle daemon does in a second.
    load_centi_ = settings_.max_load_centi ? read_load_centi() : 0;
    if (!settings_.max_cpu_centi) {
        cpu_centi_ = 0;
        last_cpu_.reset();
        return;
    }
    if (auto now = read_cpu_times()) {
        if (last_cpu_ && now->total > last_cpu_->total)
            cpu_centi_ = static_cast<int>(10000 * (now->busy - last_cpu_->busy) / (now->total - last_cpu_->total));
        last_cpu_ = now;
    }
}

std::optional<LoadLimits::CpuTimes> LoadLimits::read_cpu_times() {
    FILE* f = std::fopen("/proc/stat", "r");
    if (!f)
        return std::nullopt;
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    const int n = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &system, &idle,
                              &iowait, &irq, &softirq, &steal);
    std::fclose(f);
    if (n < 4)
        return std::nullopt;
    CpuTimes t;
    t.busy = user + nice + system + irq + softirq + steal;
    t.total = t.busy + idle + iowait;
    return t;
}

int LoadLimits::read_load_centi() {
    double load[1];
    if (getloadavg(load, 1) < 1)
        return 0;
    return static_cast<int>(load[0] * 100.0);
}

void LoadLimits::sample(uint64_t relayed_bytes) {
    sample_system();
    // Ended calls' bytes stay in the sum, so it only grows; a smaller value is a restart
    // of the count and gives no rate.
    bandwidth_ = last_bytes_ && relayed_bytes >= *last_bytes_ ? relayed_bytes - *last_bytes_ : 0;
    last_bytes_ = relayed_bytes;
}

const char* LoadLimits::refusal(std::size_t sessions) const {
    const LimitSettings& s = settings_;
    if (s.max_sessions >= 0 && sessions >= static_cast<std::size_t>(s.max_sessions)) {
        RTPE_LOG(core, log::kErr, "Parallel session limit reached (%i)", s.max_sessions);
        return "Parallel session limit reached";
    }
    if (s.max_load_centi && load_centi_ >= s.max_load_centi) {
        RTPE_LOG(core, log::kWarning, "Load limit exceeded (%.2f > %.2f)", load_centi_ / 100.0,
                 s.max_load_centi / 100.0);
        return "Load limit exceeded";
    }
    if (s.max_cpu_centi && cpu_centi_ >= s.max_cpu_centi) {
        RTPE_LOG(core, log::kWarning, "CPU usage limit exceeded (%.1f%% > %.1f%%)", cpu_centi_ / 100.0,
                 s.max_cpu_centi / 100.0);
        return "CPU usage limit exceeded";
    }
    if (s.max_bandwidth && bandwidth_ >= s.max_bandwidth) {
        RTPE_LOG(core, log::kWarning, "Bandwidth limit exceeded (%llu > %llu)",
                 static_cast<unsigned long long>(bandwidth_), static_cast<unsigned long long>(s.max_bandwidth));
        return "Bandwidth limit exceeded";
    }
    return nullptr;
}

}  // namespace rtpe::call
