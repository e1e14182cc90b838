#include "util/random.hpp"

#include <cstdio>
#include <random>

namespace rtpe {

uint64_t random_u64() {
    static thread_local std::mt19937_64 generator{std::random_device{}()};
    return generator();
}

std::string random_hex(std::size_t digits) {
    std::string out;
    out.reserve(digits + 16);
    while (out.size() < digits) {
        char chunk[17];
        std::snprintf(chunk, sizeof chunk, "%016llx", static_cast<unsigned long long>(random_u64()));
        out += chunk;
    }
    out.resize(digits);
    return out;
}

}  // namespace rtpe
