#pragma once
// Logging in upstream's shape: syslog priorities 0-7, one level per subsystem, lines like
//   [1700000000.123456] INFO: [callid]: [control] Received command 'ping' from ...
// so that operators' grep patterns and alerting keep working after the switch.

#include <array>
#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace rtpe::log {

// Syslog priorities, as the numeric log levels in options and the CLI use them.
enum Level : int {
    kEmerg = 0, kAlert = 1, kCrit = 2, kErr = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7,
};

// Order and names match upstream's --log-level-<subsystem> options.
enum class Subsystem : std::size_t {
    core, spandsp, ffmpeg, transcoding, codec, rtcp, ice, crypto, srtp, internals, http, control, dtx,
    count_,
};
inline constexpr std::size_t kSubsystemCount = static_cast<std::size_t>(Subsystem::count_);

struct SubsystemInfo {
    std::string_view name;
    std::string_view description;
};
const std::array<SubsystemInfo, kSubsystemCount>& subsystems();
std::optional<Subsystem> subsystem_by_name(std::string_view name);

enum class Destination { syslog, stderr_ };
enum class Format { default_, parsable };

// Facility names as syslog(3) knows them: daemon, local0..local7, user, ...; nullopt if unknown.
std::optional<int> facility_by_name(std::string_view name);

struct Settings {
    Destination destination = Destination::syslog;
    int facility = 3 << 3;  // LOG_DAEMON
    bool timestamps = true;
    Format format = Format::default_;
    std::string ident = "rtpengine";
};

// Call before threads start; levels may change at any time afterwards.
void configure(const Settings& settings);
void set_level(Subsystem subsystem, int level);
int level(Subsystem subsystem);

// Until configure(): everything at INFO except the noisy internals. Written by configure
// and the CLI, read by every thread; relaxed atomics suffice for a threshold.
std::array<std::atomic<int>, kSubsystemCount>& level_table();

// True while this thread works for an entity (call) put under debugging by
// set_debug_entity(): every line is then written, up to debug level.
extern thread_local bool t_debug_entity;

inline bool enabled(Subsystem subsystem, int lvl) {
    return lvl <= level_table()[static_cast<std::size_t>(subsystem)].load(std::memory_order_relaxed) ||
           (t_debug_entity && lvl <= kDebug);
}

// Turns per-call debug logging on or off for a call-id (the CLI's "debug CALLID on|off").
// Takes effect for the scopes opened by ScopedPrefix from then on; any thread.
void set_debug_entity(std::string_view call_id, bool on);
bool debug_entity(std::string_view call_id);

void write(Subsystem subsystem, int lvl, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

// A record for a facility of its own (CDRs): always to syslog, whatever the destination
// of log lines, as upstream does; priority includes the facility.
void write_syslog(int priority, std::string_view text);

// Sets the per-thread entity prefix ("[callid]" or "[callid/tag]") for the scope's lifetime.
class ScopedPrefix {
public:
    explicit ScopedPrefix(std::string_view call_id, std::string_view tag = {});
    ~ScopedPrefix();
    ScopedPrefix(const ScopedPrefix&) = delete;
    ScopedPrefix& operator=(const ScopedPrefix&) = delete;

private:
    std::string previous_;
    bool previous_debug_;
};

}  // namespace rtpe::log

// Evaluates the arguments only when the line will be written.
#define RTPE_LOG(subsys, lvl, ...)                                                      \
    do {                                                                                \
        if (::rtpe::log::enabled(::rtpe::log::Subsystem::subsys, (lvl)))               \
            ::rtpe::log::write(::rtpe::log::Subsystem::subsys, (lvl), __VA_ARGS__);     \
    } while (0)
