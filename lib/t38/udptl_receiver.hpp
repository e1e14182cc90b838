#pragma once

// The receiving half of a UDPTL stream: datagrams in, IFP packets out in sequence order,
// each exactly once. A gap before a datagram's primary is filled from that datagram's
// error recovery where it can be: its secondaries (redundancy), or its FEC entries
// together with the IFPs kept from earlier datagrams; what cannot be filled is reported
// lost, once, before the IFPs after it. Delivery is never held back to wait for a later
// datagram, so a packet only a later datagram's FEC could rebuild counts as lost.
//
// Datagrams older than the next expected number are duplicates (a sender's repeats, or
// late arrivals after their number was reported lost) and dropped. A jump of more than
// kUdptlRestartDistance either way is the sender starting a new numbering: delivery
// continues from the new number and nothing is counted lost.
//
// Storage for the kept IFPs is allocated at construction (control plane); receive() then
// neither allocates nor throws.

#include "t38/udptl.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace rtpe::t38 {

inline constexpr uint16_t kUdptlRestartDistance = 1000;
// IFPs kept for FEC recovery; a power of two, so the slot of a sequence number stays
// the same across the 16-bit wrap.
inline constexpr std::size_t kUdptlReceiveHistory = 64;

class UdptlReceiver {
public:
    enum class Source : uint8_t { primary, redundancy, fec };

    class Listener {
    public:
        // `ifp` stays valid only during the call. One rebuilt from FEC comes at the length
        // its own encoding states (ifp.hpp); when that cannot be read, at the length of its
        // FEC entry, trailing zero octets included.
        virtual void on_ifp(uint16_t seq, Bytes ifp, Source source) = 0;
        // IFPs first_seq .. first_seq + count - 1 will not come.
        virtual void on_ifp_lost(uint16_t first_seq, uint16_t count) = 0;

    protected:
        ~Listener() = default;
    };

    struct Counters {
        uint64_t datagrams = 0;   // parsed
        uint64_t malformed = 0;   // refused by parse_udptl
        uint64_t duplicates = 0;  // old sequence numbers, dropped
        uint64_t restarts = 0;    // jumps taken as a new numbering
        uint64_t delivered = 0;   // IFPs handed on, recovered ones included
        uint64_t recovered_by_redundancy = 0;
        uint64_t recovered_by_fec = 0;
        uint64_t lost = 0;
    };

    struct Config {
        // The longest IFP kept for FEC recovery (longer ones are still delivered, but
        // cannot help rebuild others); at most kUdptlMaxLength.
        std::size_t max_ifp = 512;
        // The T38FaxVersion settled, to read the length of IFPs rebuilt from FEC.
        int t38_version = 0;
    };

    // std::invalid_argument for a max_ifp outside 1..kUdptlMaxLength.
    UdptlReceiver(Listener& listener, const Config& config);
    explicit UdptlReceiver(Listener& listener) : UdptlReceiver(listener, Config{}) {}

    // The status of parse_udptl; nothing is delivered for a malformed datagram.
    UdptlStatus receive(Bytes datagram);

    const Counters& counters() const { return counters_; }

private:
    struct Slot {
        uint16_t seq = 0;
        bool held = false;  // the slot holds the IFP numbered seq
        std::size_t size = 0;
    };

    void restart(uint16_t seq);
    void fill_gap(const UdptlPacket& packet);
    // The IFP numbered `seq` from the packet's recovery data (kept for FEC), or an empty
    // span when it cannot be had.
    Bytes recover_from_redundancy(const UdptlPacket& packet, uint16_t seq);
    Bytes recover_from_fec(const UdptlPacket& packet, uint16_t seq);
    const Slot* held(uint16_t seq) const;
    std::span<uint8_t> slot_bytes(uint16_t seq);
    void keep(uint16_t seq, Bytes ifp);
    void deliver(uint16_t seq, Bytes ifp, Source source);
    void report_lost(uint16_t first_seq, uint16_t count);

    Listener* listener_;
    Config config_;
    std::vector<uint8_t> storage_;
    std::array<Slot, kUdptlReceiveHistory> slots_{};
    bool started_ = false;
    uint16_t next_seq_ = 0;
    Counters counters_;
};

}  // namespace rtpe::t38
