#pragma once
// --max-sessions, --max-load, --max-cpu, --max-bandwidth: whether a new call may be
// created. The machine's load, CPU usage and the relayed bandwidth are sampled once a
// second by the control timer, so an offer only compares numbers.

#include <cstddef>
#include <cstdint>
#include <optional>

namespace rtpe::call {

// Upstream keeps load and CPU limits in hundredths (so 1.239 reads back as 1.23); kept
// the same way, CLI output and comparisons match. A limit of 0 is off, any other value
// (even a negative one) is compared.
struct LimitSettings {
    int max_sessions = -1;       // -1: unlimited
    int max_load_centi = 0;      // 1-minute load average x 100
    int max_cpu_centi = 0;       // percent of the whole machine x 100
    uint64_t max_bandwidth = 0;  // bytes per second relayed
};

class LoadLimits {
public:
    explicit LoadLimits(const LimitSettings& settings);

    // Control thread only, as the CLI that changes them.
    LimitSettings& settings() { return settings_; }

    // Once a second. relayed_bytes: everything relayed since startup, by running and
    // ended calls alike, so that its growth is the bandwidth.
    void sample(uint64_t relayed_bytes);

    // Upstream's reason for refusing a new call (also logged, with the numbers), or
    // nullptr when it may be created. sessions: calls existing now.
    const char* refusal(std::size_t sessions) const;

private:
    struct CpuTimes {
        uint64_t busy = 0;
        uint64_t total = 0;
    };
    // Load average and CPU usage, for the limits that are set.
    void sample_system();
    static std::optional<CpuTimes> read_cpu_times();
    static int read_load_centi();

    LimitSettings settings_;
    int load_centi_ = 0;
    int cpu_centi_ = 0;
    uint64_t bandwidth_ = 0;
    std::optional<CpuTimes> last_cpu_;
    std::optional<uint64_t> last_bytes_;
};

}  // namespace rtpe::call
