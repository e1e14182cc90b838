#include "t38/udptl_receiver.hpp"

#include "t38/ifp.hpp"

#include <algorithm>
#include <stdexcept>

namespace rtpe::t38 {

UdptlReceiver::UdptlReceiver(Listener& listener, const Config& config) : listener_(&listener), config_(config) {
    if (config.max_ifp == 0 || config.max_ifp > kUdptlMaxLength)
        throw std::invalid_argument("UDPTL IFP size limit outside 1..16383");
    storage_.resize(kUdptlReceiveHistory * config.max_ifp);
}

UdptlStatus UdptlReceiver::receive(Bytes datagram) {
    UdptlPacket packet;
    if (UdptlStatus st = parse_udptl(datagram, packet); st != UdptlStatus::ok) {
        ++counters_.malformed;
        return st;
    }
    ++counters_.datagrams;
    if (!started_) {
        started_ = true;
        next_seq_ = packet.seq;
    }
    const int distance = static_cast<int16_t>(packet.seq - next_seq_);
    if (distance < -static_cast<int>(kUdptlRestartDistance) || distance > static_cast<int>(kUdptlRestartDistance)) {
        restart(packet.seq);
    } else if (distance < 0) {
        ++counters_.duplicates;
        return UdptlStatus::ok;
    }
    fill_gap(packet);
    keep(packet.seq, packet.primary);
    deliver(packet.seq, packet.primary, Source::primary);
    next_seq_ = static_cast<uint16_t>(packet.seq + 1);
    return UdptlStatus::ok;
}

void UdptlReceiver::restart(uint16_t seq) {
    ++counters_.restarts;
    next_seq_ = seq;
    // Kept IFPs belong to the old numbering; FEC must not mix them into the new one.
    for (Slot& s : slots_)
        s.held = false;
}

void UdptlReceiver::fill_gap(const UdptlPacket& packet) {
    const uint16_t gap = static_cast<uint16_t>(packet.seq - next_seq_);
    const bool redundancy = packet.recovery == ErrorRecovery::redundancy;
    // How far back this datagram's recovery reaches; FEC also needs the other packets of
    // an entry, which are only kept for kUdptlReceiveHistory packets.
    const std::size_t reach = redundancy ? packet.entry_count
                                         : std::min(packet.fec_span * packet.entry_count, kUdptlReceiveHistory);
    const uint16_t recoverable = static_cast<uint16_t>(std::min<std::size_t>(gap, reach));
    uint16_t lost_from = next_seq_;
    uint16_t lost_count = static_cast<uint16_t>(gap - recoverable);
    for (uint16_t back = recoverable; back > 0; --back) {
        const uint16_t seq = static_cast<uint16_t>(packet.seq - back);
        const Bytes ifp = redundancy ? recover_from_redundancy(packet, seq) : recover_from_fec(packet, seq);
        if (ifp.empty()) {
            if (lost_count++ == 0)
                lost_from = seq;
            continue;
        }
        if (lost_count > 0)
            report_lost(lost_from, lost_count);
        lost_count = 0;
        ++(redundancy ? counters_.recovered_by_redundancy : counters_.recovered_by_fec);
        deliver(seq, ifp, redundancy ? Source::redundancy : Source::fec);
    }
    if (lost_count > 0)
        report_lost(lost_from, lost_count);
}

Bytes UdptlReceiver::recover_from_redundancy(const UdptlPacket& packet, uint16_t seq) {
    const Bytes ifp = packet.entries()[static_cast<uint16_t>(packet.seq - seq) - 1u];
    if (!ifp.empty())
        keep(seq, ifp);
    return ifp;
}

Bytes UdptlReceiver::recover_from_fec(const UdptlPacket& packet, uint16_t seq) {
    const std::size_t span = packet.fec_span;
    const std::size_t entries = packet.entry_count;
    const std::size_t offset = span * entries - static_cast<uint16_t>(packet.seq - seq);
    const std::size_t entry = offset % entries;
    const std::size_t position = offset / entries;
    const Bytes fec = packet.entries()[entry];
    if (fec.empty() || fec.size() > config_.max_ifp)
        return {};
    for (std::size_t k = 0; k < span; ++k) {
        if (k == position)
            continue;
        const Slot* other = held(fec_covered_seq(packet.seq, packet.fec_span, entries, entry, k));
        // An IFP longer than the entry means the entry was not made from these packets.
        if (!other || other->size > fec.size())
            return {};
    }
    const std::span<uint8_t> rebuilt = slot_bytes(seq).first(fec.size());
    std::copy(fec.begin(), fec.end(), rebuilt.begin());
    for (std::size_t k = 0; k < span; ++k) {
        if (k == position)
            continue;
        const uint16_t other_seq = fec_covered_seq(packet.seq, packet.fec_span, entries, entry, k);
        const Bytes other = slot_bytes(other_seq).first(held(other_seq)->size);
        for (std::size_t b = 0; b < other.size(); ++b)
            rebuilt[b] ^= other[b];
    }
    // The entry is as long as the longest packet it covers; cut the padding, and only
    // padding, off a shorter one.
    std::size_t size = ifp_packet_size(rebuilt, config_.t38_version);
    if (size == 0 || !std::all_of(rebuilt.begin() + static_cast<std::ptrdiff_t>(size), rebuilt.end(),
                                  [](uint8_t octet) { return octet == 0; }))
        size = rebuilt.size();
    slots_[seq % kUdptlReceiveHistory] = Slot{seq, true, size};
    return rebuilt.first(size);
}

const UdptlReceiver::Slot* UdptlReceiver::held(uint16_t seq) const {
    const Slot& s = slots_[seq % kUdptlReceiveHistory];
    return s.held && s.seq == seq ? &s : nullptr;
}

std::span<uint8_t> UdptlReceiver::slot_bytes(uint16_t seq) {
    return std::span<uint8_t>(storage_).subspan(seq % kUdptlReceiveHistory * config_.max_ifp, config_.max_ifp);
}

void UdptlReceiver::keep(uint16_t seq, Bytes ifp) {
    Slot& s = slots_[seq % kUdptlReceiveHistory];
    s = Slot{seq, ifp.size() <= config_.max_ifp, ifp.size()};
    if (s.held)
        std::copy(ifp.begin(), ifp.end(), slot_bytes(seq).begin());
}

void UdptlReceiver::deliver(uint16_t seq, Bytes ifp, Source source) {
    ++counters_.delivered;
    listener_->on_ifp(seq, ifp, source);
}

void UdptlReceiver::report_lost(uint16_t first_seq, uint16_t count) {
    counters_.lost += count;
    listener_->on_ifp_lost(first_seq, count);
}

}  // namespace rtpe::t38
