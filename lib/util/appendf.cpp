#include "util/appendf.hpp"

#include <cstdarg>
#include <cstdio>

namespace rtpe {

void appendf(std::string& out, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    va_list copy;
    va_copy(copy, args);
    const int n = std::vsnprintf(nullptr, 0, fmt, copy);
    va_end(copy);
    if (n > 0) {
        const std::size_t old = out.size();
        out.resize(old + static_cast<std::size_t>(n) + 1);
        std::vsnprintf(out.data() + old, static_cast<std::size_t>(n) + 1, fmt, args);
        out.resize(old + static_cast<std::size_t>(n));
    }
    va_end(args);
}

}  // namespace rtpe
