#include "rtp/mos.hpp"

namespace rtpe::rtp {

namespace {
// Seconds from 1900 (NTP epoch) to 1970 (Unix epoch).
constexpr int64_t kNtpUnixOffset = 2208988800LL;
constexpr uint64_t kMaxRttUs = 10'000'000;
}  // namespace

int mos_x10(const MosInputs& in, MosType type) {
    if (type == MosType::cq && in.rtt_us == 0)
        return 0;
    // Integer milliseconds first, as upstream truncates before the floating point part.
    const int64_t effective_latency =
        static_cast<int64_t>(in.rtt_us / 1000) + static_cast<int64_t>(in.jitter_ms) * 2 + 10;
    double r = effective_latency < 160 ? 93.2 - effective_latency / 40.0 : 93.2 - (effective_latency - 120) / 10.0;
    r -= in.packet_loss_percent * 2.5;
    if (r < 0)
        return 10;
    const double mos = 1.0 + 0.035 * r + 0.000007 * r * (r - 60) * (100 - r);
    const int64_t scaled = static_cast<int64_t>(mos * 10.0);
    // The cubic dips just under 1.0 for R between 0 and about 6.5; upstream takes that as
    // bad input and reports no MOS, while R below 0 gives the floor of 1.0.
    return scaled < 10 ? 0 : static_cast<int>(scaled);
}

uint32_t ntp_middle_from_unix(int64_t seconds, uint32_t microseconds) {
    const auto msw = static_cast<uint32_t>(seconds + kNtpUnixOffset);
    const auto lsw = static_cast<uint32_t>((uint64_t{microseconds} << 32) / 1'000'000);
    return ntp_middle(msw, lsw);
}

std::optional<uint64_t> rtt_from_report(uint32_t arrival_ntp_middle, uint32_t lsr, uint32_t dlsr) {
    if (lsr == 0 || dlsr == 0)
        return std::nullopt;
    // Modular: the middle 32 bits wrap every 18 hours.
    const uint32_t since_sr = arrival_ntp_middle - lsr;
    if (since_sr <= dlsr || since_sr > 0x80000000u)
        return std::nullopt;
    const uint64_t units = since_sr - dlsr;
    const uint64_t us = units * 1'000'000 / 65536;
    if (us == 0 || us > kMaxRttUs)
        return std::nullopt;
    return us;
}

uint32_t jitter_to_ms(uint32_t jitter, uint32_t clock_rate) {
    if (clock_rate == 0)
        return jitter;
    return static_cast<uint32_t>(uint64_t{jitter} * 1000 / clock_rate);
}

}  // namespace rtpe::rtp
