#include "codec/av_log.hpp"

#include "util/log.hpp"

#include <cstdarg>
#include <cstring>
#include <mutex>

extern "C" {
#include <libavutil/log.h>
}

namespace rtpe::codec::detail {

namespace {

// ffmpeg's levels onto syslog's, as upstream maps them.
int syslog_level(int av_level) {
    if (av_level >= AV_LOG_VERBOSE)
        return log::kDebug;
    if (av_level >= AV_LOG_INFO)
        return log::kNotice;
    if (av_level >= AV_LOG_WARNING)
        return log::kWarning;
    if (av_level >= AV_LOG_ERROR)
        return log::kErr;
    if (av_level >= AV_LOG_FATAL)
        return log::kCrit;
    return log::kAlert;
}

void forward(void* avcl, int av_level, const char* fmt, va_list args) {
    const int level = syslog_level(av_level);
    if (!log::enabled(log::Subsystem::ffmpeg, level))
        return;
    char line[1024];
    int print_prefix = 1;
    va_list copy;
    va_copy(copy, args);
    av_log_format_line2(avcl, av_level, fmt, copy, line, sizeof line, &print_prefix);
    va_end(copy);
    std::size_t len = std::strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    if (len > 0)
        log::write(log::Subsystem::ffmpeg, level, "av_log: %s", line);
}

}  // namespace

void install_av_log() {
    static std::once_flag once;
    std::call_once(once, [] { av_log_set_callback(&forward); });
}

}  // namespace rtpe::codec::detail
