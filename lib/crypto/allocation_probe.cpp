#include "crypto/allocation_probe.hpp"

#include <openssl/crypto.h>

#include <atomic>
#include <cstdlib>

namespace rtpe::crypto {

namespace {
std::atomic<uint64_t> allocations{0};

void* counting_malloc(std::size_t n, const char*, int) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n);
}
void* counting_realloc(void* p, std::size_t n, const char*, int) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    return std::realloc(p, n);
}
void plain_free(void* p, const char*, int) {
    std::free(p);
}
}  // namespace

bool install_allocation_probe() {
    return CRYPTO_set_mem_functions(counting_malloc, counting_realloc, plain_free) == 1;
}

uint64_t openssl_allocations() {
    return allocations.load(std::memory_order_relaxed);
}

}  // namespace rtpe::crypto
