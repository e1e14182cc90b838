#pragma once

// The UDPTL packet of ITU-T T.38, which carries T.38 IFP packets over UDP:
//
//   UDPTLPacket ::= SEQUENCE {
//       seq-number          INTEGER (0..65535),
//       primary-ifp-packet  open type (one IFP packet),
//       error-recovery      CHOICE {
//           secondary-ifp-packets  SEQUENCE OF open type,        -- redundancy
//           fec-info               SEQUENCE {
//               fec-npackets  INTEGER,                          -- the span
//               fec-data      SEQUENCE OF OCTET STRING } } }    -- the FEC entries
//
// in ASN.1 aligned PER as T.38 uses it: the sequence number in two octets; the CHOICE bit
// padded to a whole octet (0x00 redundancy, 0x80 FEC); open types, octet strings and
// SEQUENCE OF counts behind a length determinant (one octet below 128, two octets with
// the top bits 10 below 16384); fec-npackets as a one-octet length and a two's complement
// value. Lengths of 16384 and more need PER's fragmented form, which no UDPTL datagram
// needs (T38FaxMaxDatagram is far smaller): it is refused, never guessed at.
//
// Redundancy: secondary[0] is the IFP of seq-1, secondary[1] of seq-2, and so on; a
// zero-length secondary carries nothing (some senders pad with them).
// FEC with span S and E entries: entry i is the XOR of the S primaries numbered
// seq - S*E + i + k*E (k = 0..S-1), each zero-padded to the longest of them. A receiver
// missing exactly one of those S packets gets it back from the entry and the others, at
// the entry's length (so with trailing zeros when it was not the longest).
//
// Parsing yields a view into the datagram, with fixed maximum counts: no allocation, no
// throw, and a status naming what was wrong with anything malformed.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace rtpe::t38 {

using Bytes = std::span<const uint8_t>;

// More secondaries or FEC entries than any sender uses (three to five is usual); a
// datagram with more is refused rather than walked further.
inline constexpr std::size_t kUdptlMaxEntries = 32;
// The largest fec-npackets taken; common senders use 3 or 4.
inline constexpr uint32_t kUdptlMaxFecSpan = 255;
// The largest IFP or FEC entry the unfragmented PER length can state.
inline constexpr std::size_t kUdptlMaxLength = 16383;

enum class UdptlStatus : uint8_t {
    ok,
    truncated,          // the datagram ends inside a field
    fragmented,         // a PER length in fragmented form (16384 or more)
    empty_primary,      // a zero-length primary IFP (PER encodes nothing as one zero octet)
    too_many_entries,   // more than kUdptlMaxEntries secondaries or FEC entries
    bad_fec_span,       // fec-npackets not an integer 0..kUdptlMaxFecSpan
    trailing_data,      // bytes after the error-recovery field
    no_space,           // building: the datagram does not fit the output buffer
    ifp_too_large,      // building: an IFP longer than allowed (kUdptlMaxLength, or a sender's limit)
    short_history,      // building FEC: fewer previous IFPs than span * entries
};

const char* to_string(UdptlStatus status);

enum class ErrorRecovery : uint8_t { redundancy, fec };

struct UdptlPacket {
    uint16_t seq = 0;
    Bytes primary;
    ErrorRecovery recovery = ErrorRecovery::redundancy;
    uint32_t fec_span = 0;  // FEC only
    std::size_t entry_count = 0;
    std::array<Bytes, kUdptlMaxEntries> entry_storage{};

    // Redundancy: the secondaries, newest first. FEC: the entries, in order.
    std::span<const Bytes> entries() const { return {entry_storage.data(), entry_count}; }
};

// The sequence number FEC entry `entry` of a datagram covers as its k-th packet
// (k < span); entries() says how many entries there are.
uint16_t fec_covered_seq(uint16_t seq, uint32_t span, std::size_t entries, std::size_t entry, std::size_t k);

UdptlStatus parse_udptl(Bytes datagram, UdptlPacket& out);

struct UdptlBuilt {
    std::size_t size = 0;     // bytes written to the output
    std::size_t entries = 0;  // secondaries or FEC entries it carries
};

// A datagram with `primary` and, as redundancy, as many of `previous` (newest first:
// previous[0] is the IFP of seq-1) as fit into `out`, at most kUdptlMaxEntries.
UdptlStatus build_udptl_redundancy(uint16_t seq, Bytes primary, std::span<const Bytes> previous,
                                   std::span<uint8_t> out, UdptlBuilt& built);

// A datagram with `primary` and `entries` FEC entries of `span` packets each, computed
// from `previous` (newest first), which must hold span * entries IFPs. no_space when the
// whole does not fit into `out` (nothing usable is written then).
UdptlStatus build_udptl_fec(uint16_t seq, Bytes primary, uint32_t span, std::size_t entries,
                            std::span<const Bytes> previous, std::span<uint8_t> out, UdptlBuilt& built);

}  // namespace rtpe::t38
