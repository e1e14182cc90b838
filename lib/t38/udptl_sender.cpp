#include "t38/udptl_sender.hpp"

#include <algorithm>
#include <stdexcept>

namespace rtpe::t38 {

UdptlSender::UdptlSender(const Config& config) : config_(config) {
    if (config.redundancy_depth > kUdptlMaxEntries)
        throw std::invalid_argument("UDPTL redundancy deeper than 32 packets");
    if (config.fec_span > kUdptlMaxFecSpan || config.fec_entries > kUdptlMaxEntries ||
        config.fec_span * config.fec_entries > kUdptlMaxFecCovered)
        throw std::invalid_argument("UDPTL FEC covering more than 64 packets");
    if (config.max_ifp == 0 || config.max_ifp > kUdptlMaxLength)
        throw std::invalid_argument("UDPTL IFP size limit outside 1..16383");
    const std::size_t slots = config.recovery == ErrorRecovery::redundancy
                                  ? config.redundancy_depth
                                  : config.fec_span * config.fec_entries;
    storage_.resize(slots * config.max_ifp);
    slot_sizes_.assign(slots, 0);
    previous_.resize(slots);
}

Bytes UdptlSender::slot(uint64_t packet) const {
    const std::size_t index = packet % kept();
    return Bytes(storage_).subspan(index * config_.max_ifp, slot_sizes_[index]);
}

void UdptlSender::keep(Bytes ifp) {
    if (kept() == 0)
        return;
    const std::size_t index = sent_ % kept();
    std::copy(ifp.begin(), ifp.end(), storage_.begin() + static_cast<std::ptrdiff_t>(index * config_.max_ifp));
    slot_sizes_[index] = ifp.size();
}

std::span<const Bytes> UdptlSender::gather_previous(std::size_t n) {
    for (std::size_t j = 0; j < n; ++j)
        previous_[j] = slot(sent_ - 1 - j);
    return std::span<const Bytes>(previous_).first(n);
}

UdptlStatus UdptlSender::build(Bytes ifp, std::span<uint8_t> out, UdptlBuilt& built) {
    if (ifp.size() > config_.max_ifp)
        return UdptlStatus::ifp_too_large;
    const std::span<const Bytes> previous =
        gather_previous(static_cast<std::size_t>(std::min<uint64_t>(sent_, kept())));
    UdptlStatus st;
    if (config_.recovery == ErrorRecovery::redundancy) {
        st = build_udptl_redundancy(next_seq_, ifp, previous, out, built);
    } else {
        const uint32_t span = config_.fec_span;
        // While fewer than span * entries packets have been sent, fewer entries cover them.
        std::size_t entries = span == 0 ? 0 : std::min(config_.fec_entries, previous.size() / span);
        for (;;) {
            st = build_udptl_fec(next_seq_, ifp, span, entries, previous.first(span * entries), out, built);
            if (st != UdptlStatus::no_space || entries == 0)
                break;
            --entries;
        }
    }
    if (st != UdptlStatus::ok)
        return st;
    keep(ifp);
    ++next_seq_;
    ++sent_;
    return UdptlStatus::ok;
}

}  // namespace rtpe::t38
