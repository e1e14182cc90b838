#pragma once
// Bounds-checked views of compound RTCP (RFC 3550 §6, RFC 3611 XR). Nothing here copies or
// allocates: every view points into the caller's buffer, which must outlive it. Each reader
// checks lengths before it reads, so hostile input ends a walk with a status instead of a
// read past the buffer.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace rtpe::rtp {

using Bytes = std::span<const uint8_t>;

// Why a compound, or one part of it, was refused. Distinct values so logs and counters can
// tell a truncated datagram from a confused peer.
enum class RtcpStatus : uint8_t {
    ok,
    empty,                  // no bytes at all
    truncated_header,       // fewer than 4 bytes where a part header should start
    bad_version,            // version field is not 2
    zero_length,            // a header-only part: no room for the SSRC every part starts with
    length_overflow,        // the length field reaches past the end of the buffer
    padding_overflow,       // padding count of 0, or more than the part's payload
    padding_not_last,       // only the last part of a compound may be padded
    too_short,              // shorter than the fixed fields of its type
    report_count_overflow,  // RC report blocks do not fit the part
    sdes_chunk_overflow,    // a chunk's SSRC or its END/padding runs past the part
    sdes_item_overflow,     // an item's text runs past the part
    bye_count_overflow,     // SC SSRCs do not fit the part
    bye_reason_overflow,    // the reason's length byte runs past the part
    xr_block_overflow,      // an XR block's length reaches past the part
    xr_voip_metrics_short,  // a VoIP Metrics block that is not 36 bytes
};

std::string_view to_string(RtcpStatus status);

namespace rtcp_type {
inline constexpr uint8_t kSr = 200;
inline constexpr uint8_t kRr = 201;
inline constexpr uint8_t kSdes = 202;
inline constexpr uint8_t kBye = 203;
inline constexpr uint8_t kApp = 204;
inline constexpr uint8_t kRtpfb = 205;
inline constexpr uint8_t kPsfb = 206;
inline constexpr uint8_t kXr = 207;
}  // namespace rtcp_type

namespace sdes_type {
inline constexpr uint8_t kEnd = 0;
inline constexpr uint8_t kCname = 1;
inline constexpr uint8_t kName = 2;
inline constexpr uint8_t kEmail = 3;
inline constexpr uint8_t kPhone = 4;
inline constexpr uint8_t kLoc = 5;
inline constexpr uint8_t kTool = 6;
inline constexpr uint8_t kNote = 7;
inline constexpr uint8_t kPriv = 8;
}  // namespace sdes_type

inline constexpr uint8_t kXrVoipMetrics = 7;

// One part of a compound, as its common header describes it.
class RtcpPacket {
public:
    RtcpPacket() = default;
    RtcpPacket(Bytes raw, std::size_t padding) : raw_(raw), padding_(padding) {}

    uint8_t version() const { return raw_[0] >> 6; }
    bool padded() const { return (raw_[0] & 0x20) != 0; }
    // RC, SC or the APP/feedback subtype, by packet type.
    uint8_t count() const { return raw_[0] & 0x1f; }
    uint8_t type() const { return raw_[1]; }
    // The part as on the wire, header and padding included.
    Bytes raw() const { return raw_; }
    // After the 4-byte header, without padding.
    Bytes payload() const { return raw_.subspan(4, raw_.size() - 4 - padding_); }
    // The first word after the header: the sender for SR/RR/APP/XR, the first chunk for SDES.
    uint32_t ssrc() const;

private:
    Bytes raw_;
    std::size_t padding_ = 0;
};

// Walks the parts of a compound. Checks the common header of each part only; the typed
// parsers below check what is inside.
class RtcpReader {
public:
    explicit RtcpReader(Bytes compound) : data_(compound) {}

    // Fills `packet` with the next part. False at the end, or at the first malformed part;
    // status() tells which.
    bool next(RtcpPacket& packet);
    RtcpStatus status() const { return status_; }
    // Bytes consumed by the parts returned so far.
    std::size_t offset() const { return offset_; }

private:
    Bytes data_;
    std::size_t offset_ = 0;
    RtcpStatus status_ = RtcpStatus::ok;
};

// Calls visit(const RtcpPacket&) for each well-formed part header; returns why it stopped.
template <class Visit>
RtcpStatus for_each_packet(Bytes compound, Visit&& visit) {
    RtcpReader reader(compound);
    RtcpPacket packet;
    while (reader.next(packet))
        visit(packet);
    return reader.status();
}

struct ReportBlock {
    uint32_t ssrc = 0;
    uint8_t fraction_lost = 0;
    // The 24-bit field as sent, and read as the signed count RFC 3550 §6.4.1 defines.
    uint32_t cumulative_lost_raw = 0;
    int32_t cumulative_lost = 0;
    uint32_t highest_seq = 0;
    // In RTP timestamp units of the reported source.
    uint32_t jitter = 0;
    uint32_t lsr = 0;
    // In 1/65536 s.
    uint32_t dlsr = 0;

    bool operator==(const ReportBlock&) const = default;
};

inline constexpr std::size_t kReportBlockSize = 24;

// RC consecutive report blocks, decoded on access.
class ReportBlocks {
public:
    ReportBlocks() = default;
    explicit ReportBlocks(Bytes data) : data_(data) {}
    std::size_t size() const { return data_.size() / kReportBlockSize; }
    bool empty() const { return data_.empty(); }
    ReportBlock operator[](std::size_t i) const;

private:
    Bytes data_;
};

struct SenderInfo {
    uint32_t ntp_msw = 0;
    uint32_t ntp_lsw = 0;
    uint32_t rtp_timestamp = 0;
    uint32_t packet_count = 0;
    uint32_t octet_count = 0;

    // The middle 32 bits of the NTP timestamp: what a receiver echoes back as LSR.
    uint32_t ntp_middle() const { return (ntp_msw << 16) | (ntp_lsw >> 16); }
    bool operator==(const SenderInfo&) const = default;
};

struct SenderReport {
    uint32_t ssrc = 0;
    SenderInfo sender;
    ReportBlocks reports;
};

struct ReceiverReport {
    uint32_t ssrc = 0;
    ReportBlocks reports;
};

// Profile-specific extensions after the report blocks are allowed and ignored.
RtcpStatus parse_sr(const RtcpPacket& packet, SenderReport& out);
RtcpStatus parse_rr(const RtcpPacket& packet, ReceiverReport& out);

struct SdesItem {
    uint8_t type = 0;
    std::string_view text;
};

// Walks the chunks and items of one SDES packet (RFC 3550 §6.5). Typical use:
//   while (r.next_chunk(ssrc)) while (r.next_item(item)) ...;  then check r.status().
class SdesReader {
public:
    explicit SdesReader(const RtcpPacket& packet) : data_(packet.payload()), chunks_left_(packet.count()) {}

    // Moves to the next chunk (skipping what is left of the current one). False after the
    // last of the SC chunks, or on a malformed one.
    bool next_chunk(uint32_t& ssrc);
    // The next item of the current chunk. False at its END item or on a malformed item.
    bool next_item(SdesItem& item);
    RtcpStatus status() const { return status_; }

private:
    bool finish_chunk();

    Bytes data_;
    std::size_t offset_ = 0;
    std::size_t chunk_start_ = 0;
    unsigned chunks_left_ = 0;
    bool in_chunk_ = false;
    RtcpStatus status_ = RtcpStatus::ok;
};

// Walks every chunk and item: ok when the whole packet is well formed.
RtcpStatus validate_sdes(const RtcpPacket& packet);

struct Bye {
    // SC SSRC/CSRC words.
    Bytes ssrcs;
    std::optional<std::string_view> reason;

    std::size_t size() const { return ssrcs.size() / 4; }
    uint32_t ssrc(std::size_t i) const;
};
RtcpStatus parse_bye(const RtcpPacket& packet, Bye& out);

struct App {
    uint32_t ssrc = 0;
    uint8_t subtype = 0;
    std::string_view name;  // 4 ASCII characters
    Bytes data;
};
RtcpStatus parse_app(const RtcpPacket& packet, App& out);

struct XrBlock {
    uint8_t type = 0;
    uint8_t type_specific = 0;
    // After the 4-byte block header.
    Bytes body;
};

// Walks the report blocks of one XR packet (RFC 3611 §3); unknown block types are returned
// like known ones so callers skip what they do not understand.
class XrReader {
public:
    explicit XrReader(const RtcpPacket& packet);
    uint32_t ssrc() const { return ssrc_; }
    bool next(XrBlock& block);
    RtcpStatus status() const { return status_; }

private:
    Bytes data_;
    std::size_t offset_ = 4;
    uint32_t ssrc_ = 0;
    RtcpStatus status_ = RtcpStatus::ok;
};

// RFC 3611 §4.7. Field units are as on the wire (rates in 1/256, delays in ms, levels in
// signed dB, MOS ×10, 127 meaning unavailable where the RFC says so).
struct VoipMetrics {
    uint32_t ssrc = 0;
    uint8_t loss_rate = 0;
    uint8_t discard_rate = 0;
    uint8_t burst_density = 0;
    uint8_t gap_density = 0;
    uint16_t burst_duration = 0;
    uint16_t gap_duration = 0;
    uint16_t round_trip_delay = 0;
    uint16_t end_system_delay = 0;
    int8_t signal_level = 0;
    int8_t noise_level = 0;
    uint8_t rerl = 0;
    uint8_t gmin = 0;
    uint8_t r_factor = 0;
    uint8_t ext_r_factor = 0;
    uint8_t mos_lq = 0;
    uint8_t mos_cq = 0;
    uint8_t rx_config = 0;
    uint16_t jb_nominal = 0;
    uint16_t jb_maximum = 0;
    uint16_t jb_abs_max = 0;

    bool operator==(const VoipMetrics&) const = default;
};
RtcpStatus parse_voip_metrics(const XrBlock& block, VoipMetrics& out);

// RC is five bits, so one SR or RR carries at most 31 blocks.
inline constexpr std::size_t kMaxReportBlocks = 31;

// What the relay wants from one compound, in a fixed-size value.
struct RtcpSummary {
    RtcpStatus status = RtcpStatus::ok;
    std::size_t packet_count = 0;
    // Sender of the first SR, RR or XR (or the first SDES chunk when none of those came).
    std::optional<uint32_t> sender_ssrc;
    std::optional<SenderInfo> sender_info;
    std::array<ReportBlock, kMaxReportBlocks> report_blocks{};
    std::size_t report_block_count = 0;
    // Blocks beyond kMaxReportBlocks, from several SR/RR parts in one compound.
    std::size_t report_blocks_dropped = 0;
    std::optional<VoipMetrics> voip_metrics;
    // The first CNAME, pointing into the parsed buffer.
    std::optional<std::string_view> cname;
    bool has_bye = false;
    // RFC 3550 wants compounds to start with SR or RR; RFC 5506 reduced-size RTCP does not.
    bool starts_with_report = false;
};

// Parses every part, stopping at the first malformed one: status says why, and the fields
// hold what came before it.
RtcpSummary summarize_rtcp(Bytes compound);

}  // namespace rtpe::rtp
