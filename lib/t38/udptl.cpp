#include "t38/udptl.hpp"

#include <algorithm>
#include <cstring>

namespace rtpe::t38 {

namespace {

constexpr uint8_t kFecChoice = 0x80;

// Reads the PER fields of one datagram front to back; every read checks what is left.
class Reader {
public:
    explicit Reader(Bytes data) : data_(data) {}

    bool at_end() const { return pos_ == data_.size(); }

    UdptlStatus octet(uint8_t& value) {
        if (pos_ >= data_.size())
            return UdptlStatus::truncated;
        value = data_[pos_++];
        return UdptlStatus::ok;
    }

    UdptlStatus length(std::size_t& value) {
        uint8_t first = 0;
        if (UdptlStatus st = octet(first); st != UdptlStatus::ok)
            return st;
        if ((first & 0x80) == 0) {
            value = first;
            return UdptlStatus::ok;
        }
        if ((first & 0x40) != 0)
            return UdptlStatus::fragmented;
        uint8_t second = 0;
        if (UdptlStatus st = octet(second); st != UdptlStatus::ok)
            return st;
        value = static_cast<std::size_t>((first & 0x3F) << 8 | second);
        return UdptlStatus::ok;
    }

    UdptlStatus bytes(std::size_t count, Bytes& value) {
        if (data_.size() - pos_ < count)
            return UdptlStatus::truncated;
        value = data_.subspan(pos_, count);
        pos_ += count;
        return UdptlStatus::ok;
    }

    // A length determinant and that many octets (an open type or an OCTET STRING).
    UdptlStatus counted_bytes(Bytes& value) {
        std::size_t count = 0;
        if (UdptlStatus st = length(count); st != UdptlStatus::ok)
            return st;
        return bytes(count, value);
    }

private:
    Bytes data_;
    std::size_t pos_ = 0;
};

// Writes into a caller's buffer; sizes are checked up front by the builders, so running
// out of room here is a programming error turned into no_space rather than an overrun.
class Writer {
public:
    explicit Writer(std::span<uint8_t> out) : out_(out) {}

    void octet(uint8_t value) {
        if (room(1))
            out_[pos_++] = value;
    }

    void length(std::size_t value) {
        if (value < 0x80) {
            octet(static_cast<uint8_t>(value));
        } else {
            octet(static_cast<uint8_t>(0x80 | value >> 8));
            octet(static_cast<uint8_t>(value & 0xFF));
        }
    }

    void counted_bytes(Bytes value) {
        length(value.size());
        if (room(value.size())) {
            std::copy(value.begin(), value.end(), out_.begin() + static_cast<std::ptrdiff_t>(pos_));
            pos_ += value.size();
        }
    }

    // Reserves `count` zeroed octets and returns them, for XOR-ing FEC data into.
    std::span<uint8_t> zeroed(std::size_t count) {
        if (!room(count))
            return {};
        std::span<uint8_t> area = out_.subspan(pos_, count);
        std::fill(area.begin(), area.end(), uint8_t{0});
        pos_ += count;
        return area;
    }

    bool ok() const { return ok_; }
    std::size_t size() const { return pos_; }

private:
    bool room(std::size_t count) {
        if (out_.size() - pos_ < count)
            ok_ = false;
        return ok_;
    }

    std::span<uint8_t> out_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

constexpr std::size_t length_size(std::size_t value) {
    return value < 0x80 ? 1 : 2;
}

constexpr std::size_t counted_size(std::size_t value) {
    return length_size(value) + value;
}

// Sequence number, primary IFP and the CHOICE octet.
constexpr std::size_t head_size(Bytes primary) {
    return 2 + counted_size(primary.size()) + 1;
}

// A two's complement INTEGER: 128 and more need a leading zero octet to stay positive.
constexpr std::size_t fec_span_octets(uint32_t span) {
    return span < 0x80 ? 1 : 2;
}

UdptlStatus check_primary(Bytes primary) {
    if (primary.empty())
        return UdptlStatus::empty_primary;
    if (primary.size() > kUdptlMaxLength)
        return UdptlStatus::ifp_too_large;
    return UdptlStatus::ok;
}

void write_head(Writer& w, uint16_t seq, Bytes primary, uint8_t choice) {
    w.octet(static_cast<uint8_t>(seq >> 8));
    w.octet(static_cast<uint8_t>(seq & 0xFF));
    w.counted_bytes(primary);
    w.octet(choice);
}

UdptlStatus parse_fec_span(Reader& r, uint32_t& span) {
    std::size_t octets = 0;
    if (UdptlStatus st = r.length(octets); st != UdptlStatus::ok)
        return st;
    // An INTEGER takes at least one octet; more than two cannot hold a span we take.
    if (octets == 0 || octets > 2)
        return UdptlStatus::bad_fec_span;
    Bytes value;
    if (UdptlStatus st = r.bytes(octets, value); st != UdptlStatus::ok)
        return st;
    if ((value[0] & 0x80) != 0)  // negative
        return UdptlStatus::bad_fec_span;
    uint32_t v = 0;
    for (uint8_t octet : value)
        v = v << 8 | octet;
    if (v > kUdptlMaxFecSpan)
        return UdptlStatus::bad_fec_span;
    span = v;
    return UdptlStatus::ok;
}

UdptlStatus parse_entries(Reader& r, UdptlPacket& out) {
    std::size_t count = 0;
    if (UdptlStatus st = r.length(count); st != UdptlStatus::ok)
        return st;
    if (count > kUdptlMaxEntries)
        return UdptlStatus::too_many_entries;
    for (std::size_t i = 0; i < count; ++i)
        if (UdptlStatus st = r.counted_bytes(out.entry_storage[i]); st != UdptlStatus::ok)
            return st;
    out.entry_count = count;
    return UdptlStatus::ok;
}

// previous[] index of the k-th packet FEC entry `entry` covers (see fec_covered_seq).
constexpr std::size_t fec_previous_index(std::size_t span, std::size_t entries, std::size_t entry, std::size_t k) {
    return span * entries - 1 - entry - k * entries;
}

std::size_t fec_entry_size(std::span<const Bytes> previous, std::size_t span, std::size_t entries, std::size_t entry) {
    std::size_t longest = 0;
    for (std::size_t k = 0; k < span; ++k)
        longest = std::max(longest, previous[fec_previous_index(span, entries, entry, k)].size());
    return longest;
}

}  // namespace

const char* to_string(UdptlStatus status) {
    switch (status) {
    case UdptlStatus::ok: return "ok";
    case UdptlStatus::truncated: return "truncated UDPTL packet";
    case UdptlStatus::fragmented: return "fragmented PER length in UDPTL packet";
    case UdptlStatus::empty_primary: return "empty primary IFP packet";
    case UdptlStatus::too_many_entries: return "too many UDPTL error recovery entries";
    case UdptlStatus::bad_fec_span: return "bad UDPTL FEC span";
    case UdptlStatus::trailing_data: return "data after the UDPTL packet";
    case UdptlStatus::no_space: return "UDPTL packet does not fit";
    case UdptlStatus::ifp_too_large: return "IFP packet too large";
    case UdptlStatus::short_history: return "not enough IFP packets for the FEC span";
    }
    return "unknown";
}

uint16_t fec_covered_seq(uint16_t seq, uint32_t span, std::size_t entries, std::size_t entry, std::size_t k) {
    const std::size_t back = fec_previous_index(span, entries, entry, k) + 1;
    return static_cast<uint16_t>(seq - back);
}

UdptlStatus parse_udptl(Bytes datagram, UdptlPacket& out) {
    Reader r(datagram);
    Bytes seq;
    if (UdptlStatus st = r.bytes(2, seq); st != UdptlStatus::ok)
        return st;
    out.seq = static_cast<uint16_t>(seq[0] << 8 | seq[1]);
    if (UdptlStatus st = r.counted_bytes(out.primary); st != UdptlStatus::ok)
        return st;
    if (out.primary.empty())
        return UdptlStatus::empty_primary;
    uint8_t choice = 0;
    if (UdptlStatus st = r.octet(choice); st != UdptlStatus::ok)
        return st;
    // The low seven bits are PER's alignment padding; senders are not relied on to zero them.
    out.fec_span = 0;
    out.entry_count = 0;
    if ((choice & kFecChoice) != 0) {
        out.recovery = ErrorRecovery::fec;
        if (UdptlStatus st = parse_fec_span(r, out.fec_span); st != UdptlStatus::ok)
            return st;
    } else {
        out.recovery = ErrorRecovery::redundancy;
    }
    if (UdptlStatus st = parse_entries(r, out); st != UdptlStatus::ok)
        return st;
    return r.at_end() ? UdptlStatus::ok : UdptlStatus::trailing_data;
}

UdptlStatus build_udptl_redundancy(uint16_t seq, Bytes primary, std::span<const Bytes> previous,
                                   std::span<uint8_t> out, UdptlBuilt& built) {
    if (UdptlStatus st = check_primary(primary); st != UdptlStatus::ok)
        return st;
    std::size_t size = head_size(primary) + 1;  // with a one-octet count
    if (size > out.size())
        return UdptlStatus::no_space;
    std::size_t count = 0;
    for (const Bytes& p : previous.first(std::min(previous.size(), kUdptlMaxEntries))) {
        if (p.size() > kUdptlMaxLength || size + counted_size(p.size()) > out.size())
            break;
        size += counted_size(p.size());
        ++count;
    }
    Writer w(out);
    write_head(w, seq, primary, 0);
    w.length(count);
    for (const Bytes& p : previous.first(count))
        w.counted_bytes(p);
    if (!w.ok())
        return UdptlStatus::no_space;
    built = UdptlBuilt{w.size(), count};
    return UdptlStatus::ok;
}

UdptlStatus build_udptl_fec(uint16_t seq, Bytes primary, uint32_t span, std::size_t entries,
                            std::span<const Bytes> previous, std::span<uint8_t> out, UdptlBuilt& built) {
    if (UdptlStatus st = check_primary(primary); st != UdptlStatus::ok)
        return st;
    if (span > kUdptlMaxFecSpan)
        return UdptlStatus::bad_fec_span;
    if (entries > kUdptlMaxEntries)
        return UdptlStatus::too_many_entries;
    if (previous.size() < span * entries)
        return UdptlStatus::short_history;
    // Head, fec-npackets (a length octet and the value), the entry count.
    std::size_t size = head_size(primary) + 1 + fec_span_octets(span) + 1;
    for (std::size_t i = 0; i < entries; ++i) {
        const std::size_t entry_size = fec_entry_size(previous, span, entries, i);
        if (entry_size > kUdptlMaxLength)
            return UdptlStatus::ifp_too_large;
        size += counted_size(entry_size);
    }
    if (size > out.size())
        return UdptlStatus::no_space;
    Writer w(out);
    write_head(w, seq, primary, kFecChoice);
    w.length(fec_span_octets(span));
    if (fec_span_octets(span) == 2)
        w.octet(0);
    w.octet(static_cast<uint8_t>(span));
    w.length(entries);
    for (std::size_t i = 0; i < entries; ++i) {
        const std::size_t entry_size = fec_entry_size(previous, span, entries, i);
        w.length(entry_size);
        std::span<uint8_t> xored = w.zeroed(entry_size);
        if (xored.size() != entry_size)
            break;
        for (std::size_t k = 0; k < span; ++k) {
            const Bytes p = previous[fec_previous_index(span, entries, i, k)];
            for (std::size_t b = 0; b < p.size(); ++b)
                xored[b] ^= p[b];
        }
    }
    if (!w.ok())
        return UdptlStatus::no_space;
    built = UdptlBuilt{w.size(), entries};
    return UdptlStatus::ok;
}

}  // namespace rtpe::t38
