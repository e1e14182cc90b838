#include "util/log.hpp"

#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>

namespace rtpe::log {

namespace {

constexpr std::array<std::string_view, 8> kLevelNames = {
    "EMERG", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO", "DEBUG"};

// The settings are written once before any thread starts and only read afterwards.
Settings g_settings;

thread_local std::string t_prefix;

// Call-ids under debugging; the count lets ScopedPrefix skip the lock when there are none.
std::mutex g_debug_mutex;
std::set<std::string, std::less<>> g_debug_entities;
std::atomic<std::size_t> g_debug_count{0};

}  // namespace

thread_local bool t_debug_entity = false;

void set_debug_entity(std::string_view call_id, bool on) {
    std::lock_guard lock(g_debug_mutex);
    if (on)
        g_debug_entities.emplace(call_id);
    else if (auto it = g_debug_entities.find(call_id); it != g_debug_entities.end())
        g_debug_entities.erase(it);
    g_debug_count.store(g_debug_entities.size(), std::memory_order_relaxed);
}

bool debug_entity(std::string_view call_id) {
    if (g_debug_count.load(std::memory_order_relaxed) == 0 || call_id.empty())
        return false;
    std::lock_guard lock(g_debug_mutex);
    return g_debug_entities.find(call_id) != g_debug_entities.end();
}

std::array<std::atomic<int>, kSubsystemCount>& level_table() {
    static std::array<std::atomic<int>, kSubsystemCount> levels;
    static const bool initialised = [] {
        for (auto& l : levels)
            l.store(kInfo);
        levels[static_cast<std::size_t>(Subsystem::internals)].store(-1);
        return true;
    }();
    (void)initialised;
    return levels;
}

const std::array<SubsystemInfo, kSubsystemCount>& subsystems() {
    static const std::array<SubsystemInfo, kSubsystemCount> table = {{
        {"core", "everything not in another subsystem"},
        {"spandsp", "messages coming from SpanDSP"},
        {"ffmpeg", "messages coming from ffmpeg"},
        {"transcoding", "media transcoding"},
        {"codec", "codec negotiation"},
        {"rtcp", "RTCP processing"},
        {"ice", "ICE"},
        {"crypto", "SDES/DTLS key negotiation"},
        {"srtp", "SRTP protection and unprotection"},
        {"internals", "low-level internals (off by default)"},
        {"http", "HTTP and WebSocket"},
        {"control", "the control protocols, SDP and CLI"},
        {"dtx", "DTX handling"},
    }};
    return table;
}

std::optional<Subsystem> subsystem_by_name(std::string_view name) {
    const auto& table = subsystems();
    for (std::size_t i = 0; i < table.size(); ++i)
        if (table[i].name == name)
            return static_cast<Subsystem>(i);
    return std::nullopt;
}

std::optional<int> facility_by_name(std::string_view name) {
    static constexpr std::pair<std::string_view, int> kFacilities[] = {
        {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},
        {"daemon", LOG_DAEMON}, {"ftp", LOG_FTP},           {"kern", LOG_KERN},
        {"lpr", LOG_LPR},       {"mail", LOG_MAIL},         {"news", LOG_NEWS},
        {"syslog", LOG_SYSLOG}, {"user", LOG_USER},         {"uucp", LOG_UUCP},
        {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},     {"local2", LOG_LOCAL2},
        {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},     {"local5", LOG_LOCAL5},
        {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
    };
    for (const auto& [n, f] : kFacilities)
        if (n == name)
            return f;
    return std::nullopt;
}

void configure(const Settings& settings) {
    g_settings = settings;
    if (g_settings.destination == Destination::syslog)
        openlog(g_settings.ident.c_str(), LOG_PID | LOG_NDELAY, g_settings.facility);
}

void set_level(Subsystem subsystem, int lvl) {
    level_table()[static_cast<std::size_t>(subsystem)].store(lvl, std::memory_order_relaxed);
}

int level(Subsystem subsystem) {
    return level_table()[static_cast<std::size_t>(subsystem)].load(std::memory_order_relaxed);
}

void write(Subsystem subsystem, int lvl, const char* fmt, ...) {
    // A fixed buffer keeps logging free of allocation; overlong lines are cut.
    char message[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);

    char prefix[512] = "";
    if (!t_prefix.empty()) {
        if (g_settings.format == Format::parsable)
            snprintf(prefix, sizeof(prefix), "[ID=\"%s\"]: ", t_prefix.c_str());
        else
            snprintf(prefix, sizeof(prefix), "[%s]: ", t_prefix.c_str());
    }
    const std::string_view subsys_name = subsystems()[static_cast<std::size_t>(subsystem)].name;
    const int clamped = lvl < 0 ? 0 : (lvl > 7 ? 7 : lvl);
    const std::string_view level_name = kLevelNames[static_cast<std::size_t>(clamped)];

    if (g_settings.destination == Destination::syslog) {
        syslog(g_settings.facility | clamped, "%.*s: %s[%.*s] %s", static_cast<int>(level_name.size()),
               level_name.data(), prefix, static_cast<int>(subsys_name.size()), subsys_name.data(),
               message);
        return;
    }

    char line[4096 + 1024];
    int len = 0;
    if (g_settings.timestamps) {
        timespec now{};
        clock_gettime(CLOCK_REALTIME, &now);
        len = snprintf(line, sizeof(line), "[%lld.%06ld] ", static_cast<long long>(now.tv_sec),
                       now.tv_nsec / 1000);
    }
    len += snprintf(line + len, sizeof(line) - static_cast<std::size_t>(len), "%.*s: %s[%.*s] %s\n",
                    static_cast<int>(level_name.size()), level_name.data(), prefix,
                    static_cast<int>(subsys_name.size()), subsys_name.data(), message);
    if (len > static_cast<int>(sizeof(line)) - 1) {
        len = sizeof(line) - 1;
        line[len - 1] = '\n';
    }
    // One write(2) per line keeps lines from different threads whole.
    ssize_t ignored = ::write(STDERR_FILENO, line, static_cast<std::size_t>(len));
    (void)ignored;
}

ScopedPrefix::ScopedPrefix(std::string_view call_id, std::string_view tag)
    : previous_(std::move(t_prefix)), previous_debug_(t_debug_entity) {
    t_debug_entity = debug_entity(call_id);
    t_prefix.assign(call_id);
    if (!tag.empty()) {
        t_prefix.push_back('/');
        t_prefix.append(tag);
    }
}

ScopedPrefix::~ScopedPrefix() {
    t_prefix = std::move(previous_);
    t_debug_entity = previous_debug_;
}

void write_syslog(int priority, std::string_view text) {
    syslog(priority, "%.*s", static_cast<int>(text.size()), text.data());
}

}  // namespace rtpe::log
