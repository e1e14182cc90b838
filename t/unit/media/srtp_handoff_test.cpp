#include "daemon/media/srtp_handoff.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "daemon/media/packet_stream.hpp"
#include "daemon/media/worker_context.hpp"
#include "srtp/suite.hpp"

namespace rtpe::media {

namespace {

constexpr uint32_t kSsrc = 0x11223344;

srtp::Context context() {
    const std::vector<uint8_t> key(16, 7), salt(14, 9);
    return srtp::Context(*srtp::find_suite("AES_CM_128_HMAC_SHA1_80"), key, salt);
}

// A stream forwarding to a peer: from's incoming context, the peer's outgoing one.
struct Pair {
    PacketStream from{-1, false}, to{-1, false};
    srtp::Context in = context(), out = context();
    Pair() {
        from.forwarder.set_targets(&to, nullptr);
        from.srtp_in = &in;
        to.srtp_out = &out;
    }
};

srtp::StreamState progress(uint64_t received, uint32_t received_srtcp, uint64_t sent, uint32_t next_srtcp) {
    srtp::StreamState s{kSsrc};
    s.received_index = received;
    s.received_srtcp = received_srtcp;
    s.sent_index = sent;
    s.next_srtcp_index = next_srtcp;
    return s;
}

}  // namespace

TEST(SrtpHandoff, ReportsWhereEachSsrcStands) {
    Pair p;
    p.in.restore_stream(progress(2 << 16 | 500, 40, 0, 0));
    p.out.restore_stream(progress(0, 0, 3 << 16 | 600, 51));
    p.from.ssrcs().record(kSsrc, 500, 0, 0, 0, 100, 1000);
    EventOutbox outbox;
    this_worker().events = &outbox;
    report_srtp_progress(p.from);
    this_worker().events = nullptr;
    const auto events = outbox.take();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, MediaEvent::Kind::srtp_progress);
    EXPECT_EQ(events[0].stream, &p.from);
    EXPECT_EQ(events[0].ssrc, kSsrc);
    EXPECT_EQ(events[0].srtp.received_index, uint64_t{2 << 16 | 500});
    EXPECT_EQ(events[0].srtp.received_srtcp, 40u);
    EXPECT_EQ(events[0].srtp.sent_index, uint64_t{3 << 16 | 600});
    EXPECT_EQ(events[0].srtp.next_srtcp_index, 51u);
}

TEST(SrtpHandoff, TakesTheKernelsProgressOnlyForward) {
    Pair p;
    p.in.restore_stream(progress(2 << 16 | 500, 40, 0, 0));
    p.out.restore_stream(progress(0, 0, 3 << 16 | 600, 51));
    // the kernel went through a rollover on both sides and sent SRTCP
    take_srtp_progress(p.from, {progress(3 << 16 | 20, 45, 4 << 16 | 20, 120)});
    auto in = p.in.stream(kSsrc), out = p.out.stream(kSsrc);
    ASSERT_TRUE(in && out);
    EXPECT_EQ(in->received_index, uint64_t{3 << 16 | 20});
    EXPECT_EQ(in->received_srtcp, 45u);
    EXPECT_EQ(out->sent_index, uint64_t{4 << 16 | 20});
    EXPECT_EQ(out->next_srtcp_index, 120u);
    // an older report (or a kernel that forwarded nothing) moves nothing back
    take_srtp_progress(p.from, {progress(1 << 16, 1, 1 << 16, 1)});
    in = p.in.stream(kSsrc);
    out = p.out.stream(kSsrc);
    EXPECT_EQ(in->received_index, uint64_t{3 << 16 | 20});
    EXPECT_EQ(out->next_srtcp_index, 120u);
}

TEST(SrtpHandoff, ANewSsrcStartsWhereTheKernelIs) {
    Pair p;
    take_srtp_progress(p.from, {progress(1 << 16 | 9, 0, 1 << 16 | 9, 7)});
    auto in = p.in.stream(kSsrc), out = p.out.stream(kSsrc);
    ASSERT_TRUE(in && out);
    EXPECT_EQ(in->received_index, uint64_t{1 << 16 | 9});
    EXPECT_EQ(out->next_srtcp_index, 7u);
}

}  // namespace rtpe::media
