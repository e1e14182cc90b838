#include "rtp/rtcp_json.hpp"

#include <charconv>

namespace rtpe::rtp {

namespace {

void append_u(std::string& out, uint32_t value) {
    char buf[10];
    const auto end = std::to_chars(buf, buf + sizeof(buf), value).ptr;
    out.append(buf, end);
}

void append_field(std::string& out, std::string_view key_with_quotes_and_colon, uint32_t value) {
    out += key_with_quotes_and_colon;
    append_u(out, value);
}

// Upstream closes each list by dropping the trailing separator it wrote after the last
// element, and with it the space that opens an empty SDES list.
void trim_separators(std::string& out) {
    while (!out.empty() && (out.back() == ',' || out.back() == ' '))
        out.pop_back();
}

void append_reports(std::string& out, uint32_t ssrc, const RtcpPacket& packet, const ReportBlocks& blocks) {
    append_field(out, "\"ssrc\":", ssrc);
    append_field(out, ",\"type\":", packet.type());
    append_field(out, ",\"report_count\":", packet.count());
    out += ",\"report_blocks\":[";
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        const ReportBlock b = blocks[i];
        append_field(out, "{\"source_ssrc\":", b.ssrc);
        append_field(out, ",\"highest_seq_no\":", b.highest_seq);
        append_field(out, ",\"fraction_lost\":", b.fraction_lost);
        append_field(out, ",\"ia_jitter\":", b.jitter);
        // The 24-bit field unsigned, as upstream prints it.
        append_field(out, ",\"packets_lost\":", b.cumulative_lost_raw);
        append_field(out, ",\"lsr\":", b.lsr);
        append_field(out, ",\"dlsr\":", b.dlsr);
        out += "},";
    }
    trim_separators(out);
    out += "],";
}

// False once the walk must stop.
bool append_sdes(std::string& out, const RtcpPacket& packet) {
    append_field(out, "\"sdes_report_count\":", packet.count());
    out += ",\"sdes_information\": [ ";
    SdesReader reader(packet);
    uint32_t ssrc = 0;
    SdesItem item;
    while (reader.next_chunk(ssrc)) {
        while (reader.next_item(item)) {
            append_field(out, "{\"sdes_chunk_ssrc\":", ssrc);
            append_field(out, ",\"type\":", item.type);
            out += ",\"text\":\"";
            append_sdes_text(out, item.text);
            out += "\"},";
        }
    }
    trim_separators(out);
    out += "],";
    return reader.status() == RtcpStatus::ok;
}

}  // namespace

void append_sdes_text(std::string& out, std::string_view text) {
    for (const char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default: {
                const auto u = static_cast<unsigned char>(c);
                out += (u < 0x20 || u > 0x7e) ? '_' : c;
                break;
            }
        }
    }
}

std::string homer_rtcp_json(Bytes compound) {
    std::string out = "{ ";
    const std::size_t empty_size = out.size();
    RtcpReader reader(compound);
    RtcpPacket packet;
    bool more = true;
    while (more && reader.next(packet)) {
        switch (packet.type()) {
            case rtcp_type::kSr: {
                SenderReport sr;
                if (parse_sr(packet, sr) != RtcpStatus::ok) {
                    more = false;
                    break;
                }
                append_field(out, "\"sender_information\":{\"ntp_timestamp_sec\":", sr.sender.ntp_msw);
                // Named usec upstream but it is the raw NTP fraction.
                append_field(out, ",\"ntp_timestamp_usec\":", sr.sender.ntp_lsw);
                append_field(out, ",\"octets\":", sr.sender.octet_count);
                append_field(out, ",\"rtp_timestamp\":", sr.sender.rtp_timestamp);
                append_field(out, ", \"packets\":", sr.sender.packet_count);
                out += "},";
                append_reports(out, sr.ssrc, packet, sr.reports);
                break;
            }
            case rtcp_type::kRr: {
                ReceiverReport rr;
                if (parse_rr(packet, rr) != RtcpStatus::ok) {
                    more = false;
                    break;
                }
                append_reports(out, rr.ssrc, packet, rr.reports);
                break;
            }
            case rtcp_type::kSdes:
                more = append_sdes(out, packet);
                break;
            default:
                break;
        }
    }
    if (out.size() == empty_size)
        return {};
    trim_separators(out);
    out += " }";
    return out;
}

}  // namespace rtpe::rtp
