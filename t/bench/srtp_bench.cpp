// ns per packet for SRTP protect and unprotect of 172-byte RTP packets (12-byte header,
// 160 bytes of G.711), and the SRTP->SRTP re-keying a relay does (unprotect with one key,
// protect with another), for a few suites. Also prints OpenSSL heap allocations per
// packet, which must be 0. Not a test: figures only.

#include "crypto/allocation_probe.hpp"
#include "srtp/context.hpp"

#include <chrono>
#include <cstdio>
#include <vector>

namespace {

using rtpe::srtp::Context;
using rtpe::srtp::Status;

constexpr int kPackets = 200000;

Context make(const rtpe::srtp::CryptoSuite& s, uint8_t seed) {
    std::vector<uint8_t> key(s.master_key_length, seed), salt(s.master_salt_length, static_cast<uint8_t>(seed + 1));
    return Context(s, key, salt);
}

void fill(std::vector<uint8_t>& buffer, uint16_t seq) {
    buffer[0] = 0x80;
    buffer[1] = 0;
    buffer[2] = static_cast<uint8_t>(seq >> 8);
    buffer[3] = static_cast<uint8_t>(seq);
    buffer[8] = 0x12;
    for (std::size_t i = 12; i < 172; ++i)
        buffer[i] = static_cast<uint8_t>(i + seq);
}

double ns_per_packet(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double, std::nano>(d).count() / kPackets;
}

// Runs body kPackets times; adds the OpenSSL allocations it made to allocations.
template <typename Body>
double timed(Body body, uint64_t& allocations) {
    const uint64_t before = rtpe::crypto::openssl_allocations();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kPackets; ++i)
        body(i);
    const auto t1 = std::chrono::steady_clock::now();
    allocations += rtpe::crypto::openssl_allocations() - before;
    return ns_per_packet(t1 - t0);
}

void protect_all(Context& c, std::vector<std::vector<uint8_t>>& wire, std::vector<std::size_t>& lengths) {
    for (int i = 0; i < kPackets; ++i) {
        wire[i].assign(172 + 64, 0);
        fill(wire[i], static_cast<uint16_t>(i));
        lengths[i] = 172;
        if (c.protect_rtp(wire[i], lengths[i]) != Status::ok)
            std::abort();
    }
}

void bench(const char* name) {
    const auto& suite = *rtpe::srtp::find_suite(name);
    Context sender = make(suite, 1), receiver = make(suite, 1), relay_in = make(suite, 1), relay_out = make(suite, 7);
    std::vector<uint8_t> buffer(172 + 64);
    std::vector<std::vector<uint8_t>> wire(kPackets);
    std::vector<std::size_t> lengths(kPackets);
    uint64_t allocations = 0;

    const double protect = timed(
        [&](int i) {
            fill(buffer, static_cast<uint16_t>(i));
            std::size_t length = 172;
            if (sender.protect_rtp(buffer, length) != Status::ok)
                std::abort();
        },
        allocations);
    Context copy_sender = make(suite, 1);
    protect_all(copy_sender, wire, lengths);
    const double unprotect = timed(
        [&](int i) {
            if (receiver.unprotect_rtp(wire[i], lengths[i]) != Status::ok)
                std::abort();
        },
        allocations);
    Context again_sender = make(suite, 1);
    protect_all(again_sender, wire, lengths);
    const double rekey = timed(
        [&](int i) {
            if (relay_in.unprotect_rtp(wire[i], lengths[i]) != Status::ok ||
                relay_out.protect_rtp(wire[i], lengths[i]) != Status::ok)
                std::abort();
        },
        allocations);
    std::printf("%-24s protect %5.0f ns  unprotect %5.0f ns  SRTP->SRTP re-key %5.0f ns  "
                "OpenSSL allocations: %llu\n",
                name, protect, unprotect, rekey, static_cast<unsigned long long>(allocations));
}

}  // namespace

int main() {
    const bool probing = rtpe::crypto::install_allocation_probe();
    if (!probing)
        std::printf("(allocation probe not installed)\n");
    std::printf("172-byte RTP packets, %d per run, one core\n", kPackets);
    for (const char* name : {"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AES_256_CM_HMAC_SHA1_80",
                             "AEAD_AES_128_GCM", "AEAD_AES_256_GCM", "F8_128_HMAC_SHA1_80", "NULL_HMAC_SHA1_80"})
        bench(name);
    return 0;
}
