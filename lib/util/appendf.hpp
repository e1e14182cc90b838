#pragma once
// printf-style formatting appended to a std::string: for the text outputs (CLI, CDR)
// that mirror upstream's printf-made lines.

#include <string>

namespace rtpe {

void appendf(std::string& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace rtpe
