#include "rtp/rtcp.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "rtp/header.hpp"
#include "rtp/rtcp_json.hpp"

namespace rtpe::rtp {

namespace {

using Buf = std::vector<uint8_t>;

Buf from_hex(std::string_view hex) {
    Buf out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

void put32(Buf& b, uint32_t v) {
    b.insert(b.end(), {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)});
}

// A part with the length field filled in from the body, which must be whole words.
Buf part(uint8_t count, uint8_t type, const Buf& body, bool padded = false) {
    Buf b = {uint8_t(0x80 | (padded ? 0x20 : 0) | count), type, uint8_t((body.size() / 4) >> 8),
             uint8_t(body.size() / 4)};
    b.insert(b.end(), body.begin(), body.end());
    return b;
}

Buf block(uint32_t ssrc, uint8_t fraction, uint32_t lost24, uint32_t seq, uint32_t jitter, uint32_t lsr,
          uint32_t dlsr) {
    Buf b;
    put32(b, ssrc);
    b.insert(b.end(), {fraction, uint8_t(lost24 >> 16), uint8_t(lost24 >> 8), uint8_t(lost24)});
    put32(b, seq);
    put32(b, jitter);
    put32(b, lsr);
    put32(b, dlsr);
    return b;
}

Buf cat(std::initializer_list<Buf> parts) {
    Buf out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

Buf rr(uint32_t ssrc, std::initializer_list<Buf> blocks) {
    Buf body;
    put32(body, ssrc);
    for (const auto& b : blocks)
        body.insert(body.end(), b.begin(), b.end());
    return part(static_cast<uint8_t>(blocks.size()), rtcp_type::kRr, body);
}

RtcpStatus walk(const Buf& b) {
    return for_each_packet(Bytes(b), [](const RtcpPacket&) {});
}

// The first two datagrams the Debian rtpengine 10.5.3.5 relayed in
// t/unit/hep/upstream_capture.jsonl, with the JSON it sent to Homer for each.
const char kSrSdesHex[] =
    "81c8000c11223344e87547008000000000027100000003e800027100556677880c000022000102030000002daabbccdd00010000"
    "81ca000611223344010f616c696365403132372e302e302e31000000";
const char kSrSdesJson[] =
    R"({ "sender_information":{"ntp_timestamp_sec":3900000000,"ntp_timestamp_usec":2147483648,"octets":160000,)"
    R"("rtp_timestamp":160000, "packets":1000},"ssrc":287454020,"type":200,"report_count":1,"report_blocks":)"
    R"([{"source_ssrc":1432778632,"highest_seq_no":66051,"fraction_lost":12,"ia_jitter":45,"packets_lost":34,)"
    R"("lsr":2864434397,"dlsr":65536}],"sdes_report_count":1,"sdes_information": [ {"sdes_chunk_ssrc":287454020,)"
    R"("type":1,"text":"alice@127.0.0.1"}] })";
const char kRrSdesEscapesHex[] =
    "82c9000d1122334455667788ffffffff00011170000000070000000000000000010203040000000000000001000000020000000300000004"
    "82ca000911223344010a7122625c7309780179e90205416c69636500010203040604746f6f6c0000";
const char kRrSdesEscapesJson[] =
    R"({ "ssrc":287454020,"type":201,"report_count":2,"report_blocks":[{"source_ssrc":1432778632,)"
    R"("highest_seq_no":70000,"fraction_lost":255,"ia_jitter":7,"packets_lost":16777215,"lsr":0,"dlsr":0},)"
    R"({"source_ssrc":16909060,"highest_seq_no":1,"fraction_lost":0,"ia_jitter":2,"packets_lost":0,"lsr":3,)"
    R"("dlsr":4}],"sdes_report_count":2,"sdes_information": [ {"sdes_chunk_ssrc":287454020,"type":1,)"
    R"("text":"q\"b\\s\tx_y_"},{"sdes_chunk_ssrc":287454020,"type":2,"text":"Alice"},)"
    R"({"sdes_chunk_ssrc":16909060,"type":6,"text":"tool"}] })";
// SR without blocks, an XR with a VoIP Metrics block, and a BYE.
const char kSrXrByeHex[] =
    "80c8000611223344e87547008000000000027100000003e800027100"
    "80cf000a1122334407000008556677880c03280200780bb80055002890b01e10587f2a2654000028005000c8"
    "81cb000111223344";

}  // namespace

TEST(Rtcp, SenderReportWithSdes) {
    const Buf b = from_hex(kSrSdesHex);
    ASSERT_EQ(classify(b.data(), b.size()), PacketKind::rtcp);
    std::vector<uint8_t> types;
    ASSERT_EQ(for_each_packet(Bytes(b), [&](const RtcpPacket& p) { types.push_back(p.type()); }), RtcpStatus::ok);
    EXPECT_EQ(types, (std::vector<uint8_t>{rtcp_type::kSr, rtcp_type::kSdes}));

    RtcpReader reader{Bytes(b)};
    RtcpPacket p;
    ASSERT_TRUE(reader.next(p));
    SenderReport sr;
    ASSERT_EQ(parse_sr(p, sr), RtcpStatus::ok);
    EXPECT_EQ(sr.ssrc, 0x11223344u);
    EXPECT_EQ(sr.sender.ntp_msw, 3900000000u);
    EXPECT_EQ(sr.sender.ntp_lsw, 0x80000000u);
    EXPECT_EQ(sr.sender.rtp_timestamp, 160000u);
    EXPECT_EQ(sr.sender.packet_count, 1000u);
    EXPECT_EQ(sr.sender.octet_count, 160000u);
    EXPECT_EQ(sr.sender.ntp_middle(), 0x47008000u);
    ASSERT_EQ(sr.reports.size(), 1u);
    const ReportBlock rb = sr.reports[0];
    EXPECT_EQ(rb.ssrc, 0x55667788u);
    EXPECT_EQ(rb.fraction_lost, 12);
    EXPECT_EQ(rb.cumulative_lost, 34);
    EXPECT_EQ(rb.highest_seq, 0x00010203u);
    EXPECT_EQ(rb.jitter, 45u);
    EXPECT_EQ(rb.lsr, 0xaabbccddu);
    EXPECT_EQ(rb.dlsr, 65536u);

    ASSERT_TRUE(reader.next(p));
    SdesReader sdes(p);
    uint32_t ssrc = 0;
    SdesItem item;
    ASSERT_TRUE(sdes.next_chunk(ssrc));
    EXPECT_EQ(ssrc, 0x11223344u);
    ASSERT_TRUE(sdes.next_item(item));
    EXPECT_EQ(item.type, sdes_type::kCname);
    EXPECT_EQ(item.text, "alice@127.0.0.1");
    EXPECT_FALSE(sdes.next_item(item));
    EXPECT_FALSE(sdes.next_chunk(ssrc));
    EXPECT_EQ(sdes.status(), RtcpStatus::ok);
    EXPECT_FALSE(reader.next(p));
    EXPECT_EQ(reader.status(), RtcpStatus::ok);
    EXPECT_EQ(reader.offset(), b.size());
}

TEST(Rtcp, ReceiverReportSignedLoss) {
    const Buf b = from_hex(kRrSdesEscapesHex);
    RtcpReader reader{Bytes(b)};
    RtcpPacket p;
    ASSERT_TRUE(reader.next(p));
    ReceiverReport r;
    ASSERT_EQ(parse_rr(p, r), RtcpStatus::ok);
    ASSERT_EQ(r.reports.size(), 2u);
    EXPECT_EQ(r.reports[0].cumulative_lost_raw, 0xffffffu);
    EXPECT_EQ(r.reports[0].cumulative_lost, -1);
    EXPECT_EQ(r.reports[0].fraction_lost, 255);
    EXPECT_EQ(r.reports[1].ssrc, 0x01020304u);
    EXPECT_EQ(r.reports[1].dlsr, 4u);

    const Buf big = rr(1, {block(2, 0, 0x800000, 0, 0, 0, 0), block(3, 0, 0x7fffff, 0, 0, 0, 0)});
    RtcpReader r2{Bytes(big)};
    ASSERT_TRUE(r2.next(p));
    ASSERT_EQ(parse_rr(p, r), RtcpStatus::ok);
    EXPECT_EQ(r.reports[0].cumulative_lost, -8388608);
    EXPECT_EQ(r.reports[1].cumulative_lost, 8388607);
}

TEST(Rtcp, SdesChunksAndItems) {
    const Buf b = from_hex(kRrSdesEscapesHex);
    RtcpReader reader{Bytes(b)};
    RtcpPacket p;
    ASSERT_TRUE(reader.next(p));
    ASSERT_TRUE(reader.next(p));
    ASSERT_EQ(p.type(), rtcp_type::kSdes);
    SdesReader sdes(p);
    std::vector<std::pair<uint32_t, std::string>> seen;
    uint32_t ssrc = 0;
    SdesItem item;
    while (sdes.next_chunk(ssrc))
        while (sdes.next_item(item))
            seen.emplace_back(ssrc, std::to_string(item.type) + ":" + std::string(item.text));
    EXPECT_EQ(sdes.status(), RtcpStatus::ok);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].second, "1:q\"b\\s\tx\x01y\xe9");
    EXPECT_EQ(seen[1], (std::pair<uint32_t, std::string>{0x11223344u, "2:Alice"}));
    EXPECT_EQ(seen[2], (std::pair<uint32_t, std::string>{0x01020304u, "6:tool"}));

    // Skipping items: next_chunk moves past what is left of the current chunk.
    SdesReader skip(p);
    ASSERT_TRUE(skip.next_chunk(ssrc));
    ASSERT_TRUE(skip.next_chunk(ssrc));
    EXPECT_EQ(ssrc, 0x01020304u);
    EXPECT_FALSE(skip.next_chunk(ssrc));
    EXPECT_EQ(skip.status(), RtcpStatus::ok);
}

TEST(Rtcp, ByeAppXr) {
    const Buf b = from_hex(kSrXrByeHex);
    RtcpReader reader{Bytes(b)};
    RtcpPacket p;
    ASSERT_TRUE(reader.next(p));
    ASSERT_TRUE(reader.next(p));
    ASSERT_EQ(p.type(), rtcp_type::kXr);
    XrReader xr(p);
    EXPECT_EQ(xr.ssrc(), 0x11223344u);
    XrBlock blk;
    ASSERT_TRUE(xr.next(blk));
    EXPECT_EQ(blk.type, kXrVoipMetrics);
    VoipMetrics vm;
    ASSERT_EQ(parse_voip_metrics(blk, vm), RtcpStatus::ok);
    VoipMetrics want;
    want.ssrc = 0x55667788;
    want.loss_rate = 12;
    want.discard_rate = 3;
    want.burst_density = 40;
    want.gap_density = 2;
    want.burst_duration = 120;
    want.gap_duration = 3000;
    want.round_trip_delay = 85;
    want.end_system_delay = 40;
    want.signal_level = -112;  // 0x90
    want.noise_level = -80;    // 0xb0
    want.rerl = 30;
    want.gmin = 16;
    want.r_factor = 88;
    want.ext_r_factor = 127;
    want.mos_lq = 42;
    want.mos_cq = 38;
    want.rx_config = 0x54;
    want.jb_nominal = 40;
    want.jb_maximum = 80;
    want.jb_abs_max = 200;
    EXPECT_EQ(vm, want);
    EXPECT_FALSE(xr.next(blk));
    EXPECT_EQ(xr.status(), RtcpStatus::ok);

    ASSERT_TRUE(reader.next(p));
    Bye bye;
    ASSERT_EQ(parse_bye(p, bye), RtcpStatus::ok);
    ASSERT_EQ(bye.size(), 1u);
    EXPECT_EQ(bye.ssrc(0), 0x11223344u);
    EXPECT_FALSE(bye.reason);

    Buf with_reason;
    put32(with_reason, 7);
    put32(with_reason, 8);
    with_reason.insert(with_reason.end(), {5, 'b', 'y', 'e', '!', '!', 0, 0});
    const Buf bye2 = part(2, rtcp_type::kBye, with_reason);
    RtcpReader r2{Bytes(bye2)};
    ASSERT_TRUE(r2.next(p));
    ASSERT_EQ(parse_bye(p, bye), RtcpStatus::ok);
    EXPECT_EQ(bye.ssrc(1), 8u);
    EXPECT_EQ(bye.reason, "bye!!");

    Buf app_body;
    put32(app_body, 0xdeadbeef);
    app_body.insert(app_body.end(), {'q', 'o', 'e', '1', 1, 2, 3, 4});
    const Buf app = part(3, rtcp_type::kApp, app_body);
    RtcpReader r3{Bytes(app)};
    ASSERT_TRUE(r3.next(p));
    App a;
    ASSERT_EQ(parse_app(p, a), RtcpStatus::ok);
    EXPECT_EQ(a.ssrc, 0xdeadbeefu);
    EXPECT_EQ(a.subtype, 3);
    EXPECT_EQ(a.name, "qoe1");
    ASSERT_EQ(a.data.size(), 4u);
    EXPECT_EQ(a.data[3], 4);
}

TEST(Rtcp, XrSkipsOtherBlocks) {
    Buf body;
    put32(body, 0x01010101);
    // Receiver reference time (type 4, 2 words), then a DLRR (type 5) with one sub-block.
    body.insert(body.end(), {4, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8});
    body.insert(body.end(), {5, 0, 0, 3});
    for (int i = 0; i < 12; ++i)
        body.push_back(uint8_t(i));
    const Buf xr = part(0, rtcp_type::kXr, body);
    const RtcpSummary s = summarize_rtcp(Bytes(xr));
    EXPECT_EQ(s.status, RtcpStatus::ok);
    EXPECT_EQ(s.sender_ssrc, 0x01010101u);
    EXPECT_FALSE(s.voip_metrics);

    RtcpReader reader{Bytes(xr)};
    RtcpPacket p;
    ASSERT_TRUE(reader.next(p));
    XrReader r(p);
    XrBlock blk;
    std::vector<uint8_t> types;
    while (r.next(blk))
        types.push_back(blk.type);
    EXPECT_EQ(types, (std::vector<uint8_t>{4, 5}));
    EXPECT_EQ(r.status(), RtcpStatus::ok);
}

TEST(Rtcp, Summary) {
    const Buf b = cat({from_hex(kSrSdesHex)});
    RtcpSummary s = summarize_rtcp(Bytes(b));
    EXPECT_EQ(s.status, RtcpStatus::ok);
    EXPECT_EQ(s.packet_count, 2u);
    EXPECT_TRUE(s.starts_with_report);
    EXPECT_EQ(s.sender_ssrc, 0x11223344u);
    ASSERT_TRUE(s.sender_info);
    EXPECT_EQ(s.sender_info->octet_count, 160000u);
    ASSERT_EQ(s.report_block_count, 1u);
    EXPECT_EQ(s.report_blocks[0].lsr, 0xaabbccddu);
    EXPECT_EQ(s.cname, "alice@127.0.0.1");
    EXPECT_FALSE(s.has_bye);

    const Buf xr = from_hex(kSrXrByeHex);
    s = summarize_rtcp(Bytes(xr));
    EXPECT_EQ(s.status, RtcpStatus::ok);
    EXPECT_EQ(s.packet_count, 3u);
    ASSERT_TRUE(s.voip_metrics);
    EXPECT_EQ(s.voip_metrics->mos_lq, 42);
    EXPECT_TRUE(s.has_bye);

    // Two RRs of 31 blocks each: the summary keeps the first 31.
    Buf body;
    put32(body, 9);
    for (uint32_t i = 0; i < 31; ++i) {
        const Buf blk = block(i, 0, 0, i, 0, 0, 0);
        body.insert(body.end(), blk.begin(), blk.end());
    }
    const Buf many = cat({part(31, rtcp_type::kRr, body), part(31, rtcp_type::kRr, body)});
    s = summarize_rtcp(Bytes(many));
    EXPECT_EQ(s.status, RtcpStatus::ok);
    EXPECT_EQ(s.report_block_count, 31u);
    EXPECT_EQ(s.report_blocks[30].highest_seq, 30u);
    EXPECT_EQ(s.report_blocks_dropped, 31u);

    // Reduced-size RTCP: SDES alone; the sender comes from its chunk.
    Buf sdes_body;
    put32(sdes_body, 0xabcdef01);
    sdes_body.insert(sdes_body.end(), {1, 1, 'x', 0});
    const Buf sdes = part(1, rtcp_type::kSdes, sdes_body);
    s = summarize_rtcp(Bytes(sdes));
    EXPECT_EQ(s.status, RtcpStatus::ok);
    EXPECT_FALSE(s.starts_with_report);
    EXPECT_EQ(s.sender_ssrc, 0xabcdef01u);
    EXPECT_EQ(s.cname, "x");
}

TEST(Rtcp, PaddingOnLastPart) {
    Buf body;
    put32(body, 5);
    body.insert(body.end(), {0, 0, 0, 4});  // four bytes of padding, the last counting them
    const Buf padded = cat({rr(1, {}), part(0, rtcp_type::kRr, body, true)});
    RtcpReader reader{Bytes(padded)};
    RtcpPacket p;
    ASSERT_TRUE(reader.next(p));
    ASSERT_TRUE(reader.next(p));
    EXPECT_TRUE(p.padded());
    EXPECT_EQ(p.payload().size(), 4u);
    EXPECT_EQ(p.raw().size(), 12u);
    EXPECT_EQ(p.ssrc(), 5u);
    EXPECT_FALSE(reader.next(p));
    EXPECT_EQ(reader.status(), RtcpStatus::ok);
}

TEST(Rtcp, MalformedStatuses) {
    EXPECT_EQ(walk({}), RtcpStatus::empty);
    EXPECT_EQ(walk(cat({rr(1, {}), {0x80, 201}})), RtcpStatus::truncated_header);
    EXPECT_EQ(walk({0x40, 201, 0, 1, 0, 0, 0, 1}), RtcpStatus::bad_version);
    EXPECT_EQ(walk({0x80, 201, 0, 0}), RtcpStatus::zero_length);
    EXPECT_EQ(walk({0x80, 201, 0, 2, 0, 0, 0, 1}), RtcpStatus::length_overflow);
    EXPECT_EQ(walk({0xa0, 201, 0, 1, 0, 0, 0, 0}), RtcpStatus::padding_overflow);  // count 0
    EXPECT_EQ(walk({0xa0, 201, 0, 1, 0, 0, 0, 9}), RtcpStatus::padding_overflow);  // > payload
    EXPECT_EQ(walk(cat({{0xa0, 201, 0, 1, 0, 0, 0, 4}, rr(1, {})})), RtcpStatus::padding_not_last);

    auto summary = [](const Buf& b) { return summarize_rtcp(Bytes(b)).status; };
    // RC says two blocks, one is there.
    Buf one_block = rr(1, {block(2, 0, 0, 0, 0, 0, 0)});
    one_block[0] = 0x82;
    EXPECT_EQ(summary(one_block), RtcpStatus::report_count_overflow);
    Buf sr_short;
    put32(sr_short, 1);
    put32(sr_short, 2);
    EXPECT_EQ(summary(part(0, rtcp_type::kSr, sr_short)), RtcpStatus::too_short);
    EXPECT_EQ(summary(part(0, rtcp_type::kApp, sr_short)), RtcpStatus::ok);
    EXPECT_EQ(summary(part(0, rtcp_type::kApp, {1, 2, 3, 4})), RtcpStatus::too_short);

    // SDES: an item claiming 9 bytes where 2 remain.
    Buf sdes_body;
    put32(sdes_body, 1);
    sdes_body.insert(sdes_body.end(), {1, 9, 'a', 'b'});
    EXPECT_EQ(summary(part(1, rtcp_type::kSdes, sdes_body)), RtcpStatus::sdes_item_overflow);
    // No END octet before the part ends.
    Buf no_end;
    put32(no_end, 1);
    no_end.insert(no_end.end(), {1, 2, 'a', 'b'});
    EXPECT_EQ(summary(part(1, rtcp_type::kSdes, no_end)), RtcpStatus::sdes_chunk_overflow);
    // SC says two chunks, one is there.
    Buf one_chunk;
    put32(one_chunk, 1);
    one_chunk.insert(one_chunk.end(), {1, 1, 'a', 0});
    EXPECT_EQ(summary(part(2, rtcp_type::kSdes, one_chunk)), RtcpStatus::sdes_chunk_overflow);
    EXPECT_EQ(summary(part(1, rtcp_type::kSdes, one_chunk)), RtcpStatus::ok);

    // BYE: SC of 3 with two SSRCs; a reason longer than what follows.
    Buf two;
    put32(two, 1);
    put32(two, 2);
    EXPECT_EQ(summary(part(3, rtcp_type::kBye, two)), RtcpStatus::bye_count_overflow);
    Buf long_reason = two;
    long_reason.insert(long_reason.end(), {9, 'x', 'y', 'z'});
    EXPECT_EQ(summary(part(2, rtcp_type::kBye, long_reason)), RtcpStatus::bye_reason_overflow);

    // XR: a block claiming 5 words with 1 present; a VoIP metrics block of the wrong size.
    Buf xr_body;
    put32(xr_body, 1);
    xr_body.insert(xr_body.end(), {9, 0, 0, 5, 1, 2, 3, 4});
    EXPECT_EQ(summary(part(0, rtcp_type::kXr, xr_body)), RtcpStatus::xr_block_overflow);
    Buf vm_short;
    put32(vm_short, 1);
    vm_short.insert(vm_short.end(), {7, 0, 0, 1, 1, 2, 3, 4});
    EXPECT_EQ(summary(part(0, rtcp_type::kXr, vm_short)), RtcpStatus::xr_voip_metrics_short);

    // What came before a malformed part stays in the summary.
    const Buf good_then_bad = cat({rr(7, {block(2, 3, 4, 5, 6, 7, 8)}), {0x40, 201, 0, 1, 0, 0, 0, 1}});
    const RtcpSummary s = summarize_rtcp(Bytes(good_then_bad));
    EXPECT_EQ(s.status, RtcpStatus::bad_version);
    EXPECT_EQ(s.sender_ssrc, 7u);
    EXPECT_EQ(s.report_block_count, 1u);

    for (auto st : {RtcpStatus::ok, RtcpStatus::sdes_item_overflow, RtcpStatus::xr_voip_metrics_short})
        EXPECT_FALSE(to_string(st).empty());
}

TEST(Rtcp, EveryTruncationIsSafe) {
    // Each prefix of a valid compound ends with a status, never a read past the end (run
    // under ASan to see the difference).
    const Buf full = cat({from_hex(kSrSdesHex), from_hex(kSrXrByeHex), from_hex(kRrSdesEscapesHex)});
    EXPECT_EQ(summarize_rtcp(Bytes(full)).status, RtcpStatus::ok);
    std::vector<std::size_t> boundaries;
    RtcpReader reader{Bytes(full)};
    RtcpPacket p;
    while (reader.next(p))
        boundaries.push_back(reader.offset());
    EXPECT_EQ(boundaries.size(), 7u);
    for (std::size_t n = 0; n < full.size(); ++n) {
        const Buf prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
        const RtcpSummary s = summarize_rtcp(Bytes(prefix));
        (void)homer_rtcp_json(Bytes(prefix));
        const bool at_boundary = std::find(boundaries.begin(), boundaries.end(), n) != boundaries.end();
        EXPECT_EQ(s.status == RtcpStatus::ok, at_boundary) << n;
    }
}

TEST(RtcpJson, MatchesUpstreamCapture) {
    const Buf sr_sdes = from_hex(kSrSdesHex);
    EXPECT_EQ(homer_rtcp_json(Bytes(sr_sdes)), kSrSdesJson);
    const Buf rr_sdes = from_hex(kRrSdesEscapesHex);
    EXPECT_EQ(homer_rtcp_json(Bytes(rr_sdes)), kRrSdesEscapesJson);
}

TEST(RtcpJson, ShapesOfOtherCompounds) {
    // All seen from the Debian daemon (t/unit/hep/upstream_capture.jsonl).
    const Buf empty_lists = from_hex("80c900011122334481ca00021122334400000000");
    EXPECT_EQ(homer_rtcp_json(Bytes(empty_lists)),
              R"({ "ssrc":287454020,"type":201,"report_count":0,"report_blocks":[],)"
              R"("sdes_report_count":1,"sdes_information": [] })");
    const Buf sr_xr_bye = from_hex(kSrXrByeHex);
    EXPECT_EQ(homer_rtcp_json(Bytes(sr_xr_bye)),
              R"({ "sender_information":{"ntp_timestamp_sec":3900000000,"ntp_timestamp_usec":2147483648,)"
              R"("octets":160000,"rtp_timestamp":160000, "packets":1000},"ssrc":287454020,"type":200,)"
              R"("report_count":0,"report_blocks":[] })");
    const Buf sdes_only = from_hex("81ca0003112233440105636e616d6500");
    EXPECT_EQ(homer_rtcp_json(Bytes(sdes_only)),
              R"({ "sdes_report_count":1,"sdes_information": [ {"sdes_chunk_ssrc":287454020,"type":1,)"
              R"("text":"cname"}] })");
    // Nothing to report: upstream sends no Homer packet.
    const Buf bye_only = from_hex("81cb000111223344");
    EXPECT_EQ(homer_rtcp_json(Bytes(bye_only)), "");
    // A bad part ends the walk; what came before is still reported.
    const Buf then_bad =
        from_hex("81c900071122334400000001020000030000000400000005000000060000000740c9000100000001");
    EXPECT_EQ(homer_rtcp_json(Bytes(then_bad)),
              R"({ "ssrc":287454020,"type":201,"report_count":1,"report_blocks":[{"source_ssrc":1,)"
              R"("highest_seq_no":4,"fraction_lost":2,"ia_jitter":5,"packets_lost":3,"lsr":6,"dlsr":7}] })");
}

TEST(RtcpJson, SdesTextEscapes) {
    std::string out;
    append_sdes_text(out, std::string_view("a\"\\\b\f\n\r\t\x7f\x80 ~", 12));
    EXPECT_EQ(out, R"(a\"\\\b\f\n\r\t__ ~)");
}

}  // namespace rtpe::rtp
