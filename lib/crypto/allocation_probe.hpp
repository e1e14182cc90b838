#pragma once

// Counts OpenSSL's heap allocations, so a benchmark or test can show that the packet path
// allocates nothing. Must be installed before OpenSSL allocates anything (first thing in
// main); returns false when that moment has passed.

#include <cstdint>

namespace rtpe::crypto {

bool install_allocation_probe();
uint64_t openssl_allocations();

}  // namespace rtpe::crypto
