#include "rtp/rtcp.hpp"

#include "rtp/byte_order.hpp"

namespace rtpe::rtp {

namespace {

constexpr std::size_t kHeaderSize = 4;
constexpr std::size_t kSenderInfoSize = 20;
constexpr std::size_t kVoipMetricsBodySize = 32;

}  // namespace

std::string_view to_string(RtcpStatus status) {
    switch (status) {
        case RtcpStatus::ok: return "ok";
        case RtcpStatus::empty: return "empty";
        case RtcpStatus::truncated_header: return "truncated header";
        case RtcpStatus::bad_version: return "bad version";
        case RtcpStatus::zero_length: return "zero length";
        case RtcpStatus::length_overflow: return "length past end";
        case RtcpStatus::padding_overflow: return "bad padding";
        case RtcpStatus::padding_not_last: return "padding before last part";
        case RtcpStatus::too_short: return "too short for its type";
        case RtcpStatus::report_count_overflow: return "report blocks past end";
        case RtcpStatus::sdes_chunk_overflow: return "SDES chunk past end";
        case RtcpStatus::sdes_item_overflow: return "SDES item past end";
        case RtcpStatus::bye_count_overflow: return "BYE sources past end";
        case RtcpStatus::bye_reason_overflow: return "BYE reason past end";
        case RtcpStatus::xr_block_overflow: return "XR block past end";
        case RtcpStatus::xr_voip_metrics_short: return "XR VoIP metrics block size";
    }
    return "unknown";
}

uint32_t RtcpPacket::ssrc() const {
    const Bytes p = payload();
    return p.size() >= 4 ? be32(p.data()) : 0;
}

bool RtcpReader::next(RtcpPacket& packet) {
    if (status_ != RtcpStatus::ok)
        return false;
    if (data_.empty()) {
        status_ = RtcpStatus::empty;
        return false;
    }
    const std::size_t left = data_.size() - offset_;
    if (left == 0)
        return false;
    auto fail = [this](RtcpStatus s) {
        status_ = s;
        return false;
    };
    if (left < kHeaderSize)
        return fail(RtcpStatus::truncated_header);
    const uint8_t* d = data_.data() + offset_;
    if ((d[0] >> 6) != 2)
        return fail(RtcpStatus::bad_version);
    const std::size_t words = be16(d + 2);
    if (words == 0)
        return fail(RtcpStatus::zero_length);
    const std::size_t length = (words + 1) * 4;
    if (length > left)
        return fail(RtcpStatus::length_overflow);
    std::size_t padding = 0;
    if (d[0] & 0x20) {
        // RFC 3550 §6.4.1: padding belongs to the compound's last packet, and its final
        // octet counts itself.
        if (length != left)
            return fail(RtcpStatus::padding_not_last);
        padding = d[length - 1];
        if (padding == 0 || padding > length - kHeaderSize)
            return fail(RtcpStatus::padding_overflow);
    }
    packet = RtcpPacket(data_.subspan(offset_, length), padding);
    offset_ += length;
    return true;
}

ReportBlock ReportBlocks::operator[](std::size_t i) const {
    const uint8_t* d = data_.data() + i * kReportBlockSize;
    ReportBlock b;
    b.ssrc = be32(d);
    b.fraction_lost = d[4];
    b.cumulative_lost_raw = (static_cast<uint32_t>(d[5]) << 16) | (static_cast<uint32_t>(d[6]) << 8) | d[7];
    // Sign-extend 24 bits: duplicates can make the count negative.
    b.cumulative_lost = (b.cumulative_lost_raw & 0x800000)
                            ? static_cast<int32_t>(b.cumulative_lost_raw) - 0x1000000
                            : static_cast<int32_t>(b.cumulative_lost_raw);
    b.highest_seq = be32(d + 8);
    b.jitter = be32(d + 12);
    b.lsr = be32(d + 16);
    b.dlsr = be32(d + 20);
    return b;
}

RtcpStatus parse_sr(const RtcpPacket& packet, SenderReport& out) {
    const Bytes p = packet.payload();
    if (p.size() < 4 + kSenderInfoSize)
        return RtcpStatus::too_short;
    const std::size_t blocks = packet.count() * kReportBlockSize;
    if (p.size() - 4 - kSenderInfoSize < blocks)
        return RtcpStatus::report_count_overflow;
    out.ssrc = be32(p.data());
    out.sender.ntp_msw = be32(p.data() + 4);
    out.sender.ntp_lsw = be32(p.data() + 8);
    out.sender.rtp_timestamp = be32(p.data() + 12);
    out.sender.packet_count = be32(p.data() + 16);
    out.sender.octet_count = be32(p.data() + 20);
    out.reports = ReportBlocks(p.subspan(4 + kSenderInfoSize, blocks));
    return RtcpStatus::ok;
}

RtcpStatus parse_rr(const RtcpPacket& packet, ReceiverReport& out) {
    const Bytes p = packet.payload();
    if (p.size() < 4)
        return RtcpStatus::too_short;
    const std::size_t blocks = packet.count() * kReportBlockSize;
    if (p.size() - 4 < blocks)
        return RtcpStatus::report_count_overflow;
    out.ssrc = be32(p.data());
    out.reports = ReportBlocks(p.subspan(4, blocks));
    return RtcpStatus::ok;
}

bool SdesReader::next_chunk(uint32_t& ssrc) {
    if (!finish_chunk() || chunks_left_ == 0)
        return false;
    if (data_.size() - offset_ < 4) {
        status_ = RtcpStatus::sdes_chunk_overflow;
        return false;
    }
    ssrc = be32(data_.data() + offset_);
    chunk_start_ = offset_;
    offset_ += 4;
    in_chunk_ = true;
    --chunks_left_;
    return true;
}

bool SdesReader::finish_chunk() {
    SdesItem skipped;
    while (in_chunk_ && next_item(skipped)) {
    }
    return status_ == RtcpStatus::ok;
}

bool SdesReader::next_item(SdesItem& item) {
    if (!in_chunk_ || status_ != RtcpStatus::ok)
        return false;
    const std::size_t left = data_.size() - offset_;
    const uint8_t* d = data_.data() + offset_;
    if (left == 0) {
        // Every chunk ends in a null octet.
        status_ = RtcpStatus::sdes_chunk_overflow;
        return false;
    }
    if (d[0] == sdes_type::kEnd) {
        // The END octet plus null padding up to the next 32-bit boundary of the payload
        // (which itself starts on one).
        const std::size_t next = (offset_ + 1 + 3) & ~static_cast<std::size_t>(3);
        if (next > data_.size()) {
            status_ = RtcpStatus::sdes_chunk_overflow;
            return false;
        }
        offset_ = next;
        in_chunk_ = false;
        return false;
    }
    if (left < 2 || left - 2 < d[1]) {
        status_ = RtcpStatus::sdes_item_overflow;
        return false;
    }
    item.type = d[0];
    item.text = std::string_view(reinterpret_cast<const char*>(d + 2), d[1]);
    offset_ += 2 + static_cast<std::size_t>(d[1]);
    return true;
}

RtcpStatus validate_sdes(const RtcpPacket& packet) {
    SdesReader reader(packet);
    uint32_t ssrc = 0;
    SdesItem item;
    while (reader.next_chunk(ssrc))
        while (reader.next_item(item)) {
        }
    return reader.status();
}

uint32_t Bye::ssrc(std::size_t i) const {
    return be32(ssrcs.data() + 4 * i);
}

RtcpStatus parse_bye(const RtcpPacket& packet, Bye& out) {
    const Bytes p = packet.payload();
    const std::size_t sources = packet.count() * std::size_t{4};
    if (p.size() < sources)
        return RtcpStatus::bye_count_overflow;
    out.ssrcs = p.subspan(0, sources);
    out.reason.reset();
    const Bytes rest = p.subspan(sources);
    if (!rest.empty()) {
        if (rest.size() - 1 < rest[0])
            return RtcpStatus::bye_reason_overflow;
        out.reason = std::string_view(reinterpret_cast<const char*>(rest.data() + 1), rest[0]);
    }
    return RtcpStatus::ok;
}

RtcpStatus parse_app(const RtcpPacket& packet, App& out) {
    const Bytes p = packet.payload();
    if (p.size() < 8)
        return RtcpStatus::too_short;
    out.ssrc = be32(p.data());
    out.subtype = packet.count();
    out.name = std::string_view(reinterpret_cast<const char*>(p.data() + 4), 4);
    out.data = p.subspan(8);
    return RtcpStatus::ok;
}

XrReader::XrReader(const RtcpPacket& packet) : data_(packet.payload()) {
    if (data_.size() < 4)
        status_ = RtcpStatus::too_short;
    else
        ssrc_ = be32(data_.data());
}

bool XrReader::next(XrBlock& block) {
    if (status_ != RtcpStatus::ok || offset_ == data_.size())
        return false;
    const std::size_t left = data_.size() - offset_;
    const uint8_t* d = data_.data() + offset_;
    if (left < 4) {
        status_ = RtcpStatus::xr_block_overflow;
        return false;
    }
    const std::size_t body = std::size_t{be16(d + 2)} * 4;
    if (left - 4 < body) {
        status_ = RtcpStatus::xr_block_overflow;
        return false;
    }
    block.type = d[0];
    block.type_specific = d[1];
    block.body = data_.subspan(offset_ + 4, body);
    offset_ += 4 + body;
    return true;
}

RtcpStatus parse_voip_metrics(const XrBlock& block, VoipMetrics& out) {
    if (block.body.size() != kVoipMetricsBodySize)
        return RtcpStatus::xr_voip_metrics_short;
    const uint8_t* d = block.body.data();
    out.ssrc = be32(d);
    out.loss_rate = d[4];
    out.discard_rate = d[5];
    out.burst_density = d[6];
    out.gap_density = d[7];
    out.burst_duration = be16(d + 8);
    out.gap_duration = be16(d + 10);
    out.round_trip_delay = be16(d + 12);
    out.end_system_delay = be16(d + 14);
    out.signal_level = static_cast<int8_t>(d[16]);
    out.noise_level = static_cast<int8_t>(d[17]);
    out.rerl = d[18];
    out.gmin = d[19];
    out.r_factor = d[20];
    out.ext_r_factor = d[21];
    out.mos_lq = d[22];
    out.mos_cq = d[23];
    out.rx_config = d[24];
    // d[25] is reserved.
    out.jb_nominal = be16(d + 26);
    out.jb_maximum = be16(d + 28);
    out.jb_abs_max = be16(d + 30);
    return RtcpStatus::ok;
}

namespace {

void add_blocks(RtcpSummary& s, const ReportBlocks& blocks) {
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        if (s.report_block_count == kMaxReportBlocks) {
            s.report_blocks_dropped += blocks.size() - i;
            return;
        }
        s.report_blocks[s.report_block_count++] = blocks[i];
    }
}

RtcpStatus summarize_part(RtcpSummary& s, const RtcpPacket& packet) {
    switch (packet.type()) {
        case rtcp_type::kSr: {
            SenderReport sr;
            if (const auto st = parse_sr(packet, sr); st != RtcpStatus::ok)
                return st;
            if (!s.sender_ssrc)
                s.sender_ssrc = sr.ssrc;
            if (!s.sender_info)
                s.sender_info = sr.sender;
            add_blocks(s, sr.reports);
            return RtcpStatus::ok;
        }
        case rtcp_type::kRr: {
            ReceiverReport rr;
            if (const auto st = parse_rr(packet, rr); st != RtcpStatus::ok)
                return st;
            if (!s.sender_ssrc)
                s.sender_ssrc = rr.ssrc;
            add_blocks(s, rr.reports);
            return RtcpStatus::ok;
        }
        case rtcp_type::kSdes: {
            SdesReader reader(packet);
            uint32_t ssrc = 0;
            SdesItem item;
            while (reader.next_chunk(ssrc))
                while (reader.next_item(item))
                    if (item.type == sdes_type::kCname && !s.cname)
                        s.cname = item.text;
            return reader.status();
        }
        case rtcp_type::kBye: {
            Bye bye;
            if (const auto st = parse_bye(packet, bye); st != RtcpStatus::ok)
                return st;
            s.has_bye = true;
            return RtcpStatus::ok;
        }
        case rtcp_type::kApp: {
            App app;
            return parse_app(packet, app);
        }
        case rtcp_type::kXr: {
            XrReader reader(packet);
            if (reader.status() != RtcpStatus::ok)
                return reader.status();
            if (!s.sender_ssrc)
                s.sender_ssrc = reader.ssrc();
            XrBlock block;
            while (reader.next(block)) {
                if (block.type != kXrVoipMetrics)
                    continue;
                // Every one is checked, so a compound's verdict does not depend on order.
                VoipMetrics vm;
                if (const auto st = parse_voip_metrics(block, vm); st != RtcpStatus::ok)
                    return st;
                if (!s.voip_metrics)
                    s.voip_metrics = vm;
            }
            return reader.status();
        }
        default:
            // Feedback (RFC 4585) and unknown types: the header walk vouches for their
            // length, and the relay passes them on untouched.
            return RtcpStatus::ok;
    }
}

}  // namespace

RtcpSummary summarize_rtcp(Bytes compound) {
    RtcpSummary s;
    RtcpReader reader(compound);
    RtcpPacket packet;
    std::optional<uint32_t> first_sdes_ssrc;
    while (reader.next(packet)) {
        if (s.packet_count == 0)
            s.starts_with_report = packet.type() == rtcp_type::kSr || packet.type() == rtcp_type::kRr;
        if (packet.type() == rtcp_type::kSdes && packet.count() > 0 && !first_sdes_ssrc)
            first_sdes_ssrc = packet.ssrc();
        s.status = summarize_part(s, packet);
        if (s.status != RtcpStatus::ok)
            return s;
        ++s.packet_count;
    }
    s.status = reader.status();
    if (!s.sender_ssrc && first_sdes_ssrc && s.status == RtcpStatus::ok)
        s.sender_ssrc = first_sdes_ssrc;
    return s;
}

}  // namespace rtpe::rtp
