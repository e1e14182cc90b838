#pragma once

// The sending half of a UDPTL stream: numbers the IFP packets a T.38 engine produces and
// wraps each in a datagram with the error recovery the SDP settled (T38FaxUdpEC):
// redundancy (the previous IFPs again) or FEC (see udptl.hpp). It keeps copies of the IFPs
// that recovery needs in storage sized at construction (control plane); build() then
// neither allocates nor throws.

#include "t38/udptl.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace rtpe::t38 {

// The most packets FEC may cover per datagram (span * entries), bounding what is kept.
inline constexpr std::size_t kUdptlMaxFecCovered = 64;

class UdptlSender {
public:
    struct Config {
        ErrorRecovery recovery = ErrorRecovery::redundancy;
        // Redundancy: how many previous IFPs each datagram repeats (0 is t38UDPNoEC).
        std::size_t redundancy_depth = 3;
        // FEC: packets per entry and entries per datagram.
        uint32_t fec_span = 3;
        std::size_t fec_entries = 3;
        // The largest IFP accepted; size it to what the T.38 engine is told it may send.
        std::size_t max_ifp = 512;
    };

    // std::invalid_argument when the configuration exceeds the limits of udptl.hpp.
    explicit UdptlSender(const Config& config);

    // The next datagram, around `ifp`, into `out` (sized to the peer's T38FaxMaxDatagram):
    // redundancy sheds the oldest IFPs and FEC sheds entries until the datagram fits.
    // Only ok advances the sequence number.
    UdptlStatus build(Bytes ifp, std::span<uint8_t> out, UdptlBuilt& built);

    uint16_t next_seq() const { return next_seq_; }

private:
    std::size_t kept() const { return slot_sizes_.size(); }
    // Slots go by the count of packets sent, not the 16-bit sequence number, whose wrap
    // would break the ring whenever its size does not divide 65536.
    Bytes slot(uint64_t packet) const;
    void keep(Bytes ifp);
    // previous_[0..n): the kept IFPs, newest first.
    std::span<const Bytes> gather_previous(std::size_t n);

    Config config_;
    uint16_t next_seq_ = 0;
    uint64_t sent_ = 0;
    std::vector<uint8_t> storage_;
    std::vector<std::size_t> slot_sizes_;
    std::vector<Bytes> previous_;
};

}  // namespace rtpe::t38
