// The compound walk, every typed parser, the summary and the Homer JSON must stay inside the
// buffer and agree with each other: the summary fails exactly when a typed walk fails, and
// the JSON is either empty or one brace-delimited object.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rtp/rtcp.hpp"
#include "rtp/rtcp_json.hpp"

namespace {

using namespace rtpe::rtp;

RtcpStatus check_part(const RtcpPacket& p) {
    switch (p.type()) {
        case rtcp_type::kSr: {
            SenderReport sr;
            const auto st = parse_sr(p, sr);
            if (st == RtcpStatus::ok)
                for (std::size_t i = 0; i < sr.reports.size(); ++i)
                    (void)sr.reports[i];
            return st;
        }
        case rtcp_type::kRr: {
            ReceiverReport rr;
            const auto st = parse_rr(p, rr);
            if (st == RtcpStatus::ok)
                for (std::size_t i = 0; i < rr.reports.size(); ++i)
                    (void)rr.reports[i];
            return st;
        }
        case rtcp_type::kSdes: {
            SdesReader reader(p);
            uint32_t ssrc = 0;
            SdesItem item;
            std::size_t bytes = 0;
            while (reader.next_chunk(ssrc))
                while (reader.next_item(item))
                    bytes += item.text.size();
            if (bytes > p.payload().size())
                __builtin_trap();
            if (reader.status() != validate_sdes(p))
                __builtin_trap();
            return reader.status();
        }
        case rtcp_type::kBye: {
            Bye bye;
            const auto st = parse_bye(p, bye);
            if (st == RtcpStatus::ok)
                for (std::size_t i = 0; i < bye.size(); ++i)
                    (void)bye.ssrc(i);
            return st;
        }
        case rtcp_type::kApp: {
            App app;
            return parse_app(p, app);
        }
        case rtcp_type::kXr: {
            XrReader reader(p);
            XrBlock block;
            while (reader.next(block)) {
                if (block.type != kXrVoipMetrics)
                    continue;
                VoipMetrics vm;
                if (const auto st = parse_voip_metrics(block, vm); st != RtcpStatus::ok)
                    return st;
            }
            return reader.status();
        }
        default:
            return RtcpStatus::ok;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::vector<uint8_t> copy(data, data + size);
    const Bytes input(copy);

    RtcpReader reader(input);
    RtcpPacket packet;
    RtcpStatus first_error = RtcpStatus::ok;
    std::size_t good_parts = 0;
    while (reader.next(packet)) {
        if (packet.payload().size() + 4 > packet.raw().size())
            __builtin_trap();
        first_error = check_part(packet);
        if (first_error != RtcpStatus::ok)
            break;
        ++good_parts;
    }
    if (first_error == RtcpStatus::ok)
        first_error = reader.status();

    const RtcpSummary summary = summarize_rtcp(input);
    if (summary.status != first_error || summary.packet_count != good_parts)
        __builtin_trap();
    if (summary.report_block_count > kMaxReportBlocks)
        __builtin_trap();

    const std::string json = homer_rtcp_json(input);
    if (!json.empty() && (json.substr(0, 2) != "{ " || json.substr(json.size() - 2) != " }"))
        __builtin_trap();
    return 0;
}
