#include "daemon/media/playout_buffer.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <string>
#include <vector>

namespace rtpe::media {

namespace {

// 20 ms PCMU-like packets: sequence s carries timestamp s * 160 and one payload byte, the
// sequence's low byte, so that what comes out tells which packet it was.
rtp::RtpHeader header(uint16_t seq, uint32_t ts, uint32_t ssrc = 0x1234) {
    rtp::RtpHeader h;
    h.sequence = seq;
    h.timestamp = ts;
    h.ssrc = ssrc;
    return h;
}

struct Driver {
    explicit Driver(PlayoutSettings s) : buffer(s) {}

    PlayoutBuffer::Insert send(uint16_t seq, int64_t at_ms, uint32_t ts_base = 0, uint32_t ssrc = 0x1234) {
        const uint8_t byte = static_cast<uint8_t>(seq);
        auto r = buffer.insert(header(seq, ts_base + uint32_t{seq} * 160, ssrc), {&byte, 1}, at_ms);
        while (r == PlayoutBuffer::Insert::full) {  // as the transcoder makes room
            take(buffer.pop(at_ms, true));
            r = buffer.insert(header(seq, ts_base + uint32_t{seq} * 160, ssrc), {&byte, 1}, at_ms);
        }
        return r;
    }
    // Everything due by now_ms, as "p<seq>" and "fill" entries.
    void run(int64_t now_ms) {
        while (auto out = buffer.pop(now_ms))
            take(out);
    }
    void take(const PlayoutBuffer::Out& out) {
        if (out.packet) {
            out_log.push_back("p" + std::to_string(out.packet->header.sequence));
            EXPECT_EQ(out.packet->length, 1u);
            EXPECT_EQ(out.packet->data[0], static_cast<uint8_t>(out.packet->header.sequence));
        } else if (out.fill_ms) {
            out_log.push_back("fill");
        }
    }
    std::vector<std::string> take_log() { return std::exchange(out_log, {}); }

    PlayoutBuffer buffer;
    std::vector<std::string> out_log;
};

PlayoutSettings jitter(int packets) {
    PlayoutSettings s;
    s.jitter_packets = packets;
    return s;
}

using Log = std::vector<std::string>;

}  // namespace

TEST(PlayoutBuffer, HoldsForTheJitterAllowanceThenReleasesInOrder) {
    Driver d(jitter(3));  // 60 ms held
    d.send(10, 1000);
    d.run(1059);
    EXPECT_TRUE(d.take_log().empty());
    EXPECT_EQ(d.buffer.wake_ms(), 1060);
    d.run(1060);
    EXPECT_EQ(d.take_log(), (Log{"p10"}));
}

TEST(PlayoutBuffer, ReordersWithinTheAllowance) {
    Driver d(jitter(3));
    // 13 overtakes 12 and 11 by 30 ms, on a 20 ms pace
    d.send(10, 1000);
    d.send(13, 1060);
    d.send(11, 1070);
    d.send(12, 1075);
    d.run(1200);
    EXPECT_EQ(d.take_log(), (Log{"p10", "p11", "p12", "p13"}));
    EXPECT_EQ(d.buffer.counts().lost, 0u);
}

TEST(PlayoutBuffer, DuplicatesAndLatePacketsAreDropped) {
    Driver d(jitter(2));
    d.send(1, 0);
    EXPECT_EQ(d.send(1, 5), PlayoutBuffer::Insert::duplicate);
    d.run(100);
    EXPECT_EQ(d.send(1, 110), PlayoutBuffer::Insert::late);
    EXPECT_EQ(d.buffer.counts().duplicates, 1u);
    EXPECT_EQ(d.buffer.counts().late, 1u);
    EXPECT_EQ(d.take_log(), (Log{"p1"}));
}

TEST(PlayoutBuffer, AGapIsSkippedWhenTheNextPacketIsDue) {
    Driver d(jitter(2));
    d.send(1, 0);
    d.send(3, 40);  // 2 never comes
    d.run(79);
    EXPECT_EQ(d.take_log(), (Log{"p1"}));
    EXPECT_EQ(d.buffer.wake_ms(), 80);
    d.run(80);
    EXPECT_EQ(d.take_log(), (Log{"p3"}));
    EXPECT_EQ(d.buffer.counts().lost, 1u);
    // 2 after all, too late
    EXPECT_EQ(d.send(2, 90), PlayoutBuffer::Insert::late);
}

TEST(PlayoutBuffer, SequenceNumbersWrap) {
    Driver d(jitter(2));
    d.send(65534, 0);
    d.send(0, 40);
    d.send(65535, 45);
    d.send(1, 60);
    d.run(1000);
    EXPECT_EQ(d.take_log(), (Log{"p65534", "p65535", "p0", "p1"}));
    EXPECT_EQ(d.buffer.counts().restarts, 0u);
}

TEST(PlayoutBuffer, OverflowReleasesTheOldestEarly) {
    PlayoutSettings s;
    s.delay_ms = 10000;  // far more than the ring holds
    Driver d(s);
    const auto slots = static_cast<uint16_t>(d.buffer.capacity());
    for (uint16_t i = 0; i < slots + 5; ++i)
        d.send(i, i * 20);
    // the first five went early to make room, in order; the rest wait for their time
    EXPECT_EQ(d.take_log(), (Log{"p0", "p1", "p2", "p3", "p4"}));
    EXPECT_EQ(d.buffer.held(), slots);
}

TEST(PlayoutBuffer, ASequenceJumpStartsAgain) {
    Driver d(jitter(2));
    d.send(100, 0);
    d.send(30000, 20);  // no reordering explains that: a new numbering
    EXPECT_EQ(d.buffer.counts().restarts, 1u);
    EXPECT_EQ(d.buffer.counts().dropped, 1u);
    d.run(1000);
    EXPECT_EQ(d.take_log(), (Log{"p30000"}));
}

TEST(PlayoutBuffer, ANewSsrcStartsAgain) {
    Driver d(jitter(2));
    d.send(5, 0);
    d.run(100);
    d.send(900, 120, 0, 0x9999);
    d.run(1000);
    EXPECT_EQ(d.take_log(), (Log{"p5", "p900"}));
    EXPECT_EQ(d.buffer.counts().restarts, 1u);
}

TEST(PlayoutBuffer, ATimestampJumpTakesANewAnchor) {
    Driver d(jitter(1));  // 20 ms held
    d.send(1, 0);
    d.run(20);
    // timestamps jump back by an hour of media: without a new anchor it would be due in
    // the past forever (or, forwards, never)
    const uint8_t byte = 2;
    ASSERT_EQ(d.buffer.insert(header(2, 0x80000000u, 0x1234), {&byte, 1}, 40), PlayoutBuffer::Insert::queued);
    EXPECT_EQ(d.buffer.counts().timestamp_jumps, 1u);
    EXPECT_EQ(d.buffer.wake_ms(), 60);
}

TEST(PlayoutBuffer, TooBigPayloadsAreRefused) {
    Driver d(jitter(1));
    std::vector<uint8_t> big(PlayoutBuffer::kMaxPayload + 1);
    EXPECT_EQ(d.buffer.insert(header(1, 160), big, 0), PlayoutBuffer::Insert::too_big);
    EXPECT_EQ(d.buffer.held(), 0u);
    EXPECT_EQ(d.buffer.wake_ms(), -1);
}

TEST(PlayoutBuffer, DtxDelayFillsAGapOnePacketTimeAtATime) {
    PlayoutSettings s;
    s.dtx_delay_ms = 50;
    Driver d(s);
    d.send(1, 0);
    d.send(2, 20);
    d.run(89);
    EXPECT_EQ(d.take_log(), (Log{"p1", "p2"}));
    EXPECT_EQ(d.buffer.wake_ms(), 90);  // where 3 would have been due
    // DTX: the sender pauses 120 ms (no sequence gap, the timestamps move on): 3 comes
    // with the timestamp of 9 (160 ms after 1's), due at 210
    for (int64_t t = 90; t <= 170; t += 10)
        d.run(t);
    const uint8_t byte = 3;
    d.buffer.insert(header(3, 9 * 160, 0x1234), {&byte, 1}, 180);
    d.run(209);  // 90, 110, ... 190 filled
    EXPECT_EQ(d.take_log(), (Log{"fill", "fill", "fill", "fill", "fill", "fill"}));
    d.run(210);
    EXPECT_EQ(d.take_log(), (Log{"p3"}));
    EXPECT_EQ(d.buffer.counts().fills, 6u);
}

TEST(PlayoutBuffer, ALostPacketIsFilledNotSkippedTwice) {
    PlayoutSettings s;
    s.dtx_delay_ms = 40;
    Driver d(s);
    d.send(1, 0);
    d.send(3, 40);
    d.run(99);  // 1 at 40, 2's time (60) filled, 3 at 80, the next fill at 100
    EXPECT_EQ(d.take_log(), (Log{"p1", "fill", "p3"}));
    EXPECT_EQ(d.buffer.counts().lost, 1u);
}

TEST(PlayoutBuffer, ALossIsFilledByTimestampsWhenTheAnchorMoves) {
    // The first packets come late (a loaded host), the one after the loss on time: its
    // due time moves before where the fill would go, and the loss is still filled packet
    // time for packet time, so the audio's time line stays whole.
    PlayoutSettings s;
    s.dtx_delay_ms = 60;
    Driver d(s);
    for (uint16_t seq = 1; seq <= 5; ++seq)
        d.send(seq, 100 + (seq - 1) * 20);  // 100 ms late: due 160 .. 240
    d.send(9, 160);                         // 6, 7 and 8 lost; 9 on time: due 220
    d.run(300);
    EXPECT_EQ(d.take_log(), (Log{"p1", "p2", "p3", "p4", "p5", "fill", "fill", "fill", "p9"}));
    EXPECT_EQ(d.buffer.counts().fills, 3u);
}

TEST(PlayoutBuffer, MaxDtxEndsTheFill) {
    PlayoutSettings s;
    s.dtx_delay_ms = 20;
    s.max_dtx_ms = 60;
    Driver d(s);
    d.send(1, 0);
    d.run(10000);
    EXPECT_EQ(d.take_log(), (Log{"p1", "fill", "fill", "fill"}));
    EXPECT_EQ(d.buffer.wake_ms(), -1);
}

TEST(PlayoutBuffer, DtxOverflowShiftsTheClockForward) {
    PlayoutSettings s;
    s.dtx_delay_ms = 200;
    s.dtx_buffer = 3;
    s.dtx_lag_ms = 60;
    s.dtx_shift_ms = 10;
    Driver d(s);
    for (uint16_t i = 0; i < 5; ++i)
        d.send(i, 0);  // a burst: five packets at once
    EXPECT_GE(d.buffer.counts().shifted_forward, 1u);
    EXPECT_EQ(d.buffer.counts().dropped, 0u);
    EXPECT_LT(d.buffer.wake_ms(), 200);
}

TEST(PlayoutBuffer, DtxOverflowWithoutShiftDropsTheOldest) {
    PlayoutSettings s;
    s.dtx_delay_ms = 200;
    s.dtx_buffer = 3;
    s.dtx_lag_ms = 60;
    Driver d(s);
    for (uint16_t i = 0; i < 4; ++i)
        d.send(i, 0);  // the fourth makes 80 ms held: over both limits
    EXPECT_EQ(d.buffer.counts().dropped, 1u);
    d.run(10000);
    const Log log = d.take_log();
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.front(), "p1");
}

namespace {

// A sender whose clock runs 10 % slow: packet k (20 ms of timestamps) comes at 22 k ms,
// each tick of a millisecond; what comes out up to its last packet.
Log slow_sender(Driver& d, uint16_t packets) {
    for (int64_t t = 0; t <= 22 * int64_t{packets} + 200; ++t) {
        if (t % 22 == 0 && t / 22 < packets)
            d.send(static_cast<uint16_t>(t / 22), t);
        d.run(t);
    }
    Log log = d.take_log();
    while (!log.empty() && log.back() == "fill")  // after the stream ended
        log.pop_back();
    return log;
}

Log packets_in_order(uint16_t packets) {
    Log log;
    for (uint16_t i = 0; i < packets; ++i)
        log.push_back("p" + std::to_string(i));
    return log;
}

}  // namespace

TEST(PlayoutBuffer, DtxUnderflowShiftsTheClockBack) {
    PlayoutSettings s;
    s.dtx_delay_ms = 40;
    s.dtx_shift_ms = 10;
    s.max_dtx_ms = 0;
    Driver d(s);
    // From packet 21 on each would be late for its time; the clock waits for it instead.
    EXPECT_EQ(slow_sender(d, 60), packets_in_order(60));
    EXPECT_GE(d.buffer.counts().shifted_back, 5u);
    EXPECT_EQ(d.buffer.counts().late, 0u);
}

TEST(PlayoutBuffer, DtxUnderflowWithoutShiftIsFilled) {
    PlayoutSettings s;
    s.dtx_delay_ms = 40;
    s.max_dtx_ms = 0;
    Driver d(s);
    Log log = slow_sender(d, 60);
    EXPECT_EQ(d.buffer.counts().shifted_back, 0u);
    EXPECT_GE(std::count(log.begin(), log.end(), "fill"), 30);  // before nearly every packet after 21
    std::erase(log, "fill");
    EXPECT_EQ(log, packets_in_order(60));
}

TEST(PlayoutBuffer, ADtxPauseIsFilledDespiteTheShift) {
    PlayoutSettings s;
    s.dtx_delay_ms = 40;
    s.dtx_shift_ms = 10;
    s.max_dtx_ms = 100;
    Driver d(s);
    for (uint16_t i = 0; i < 5; ++i)
        d.send(i, i * 20);
    d.run(10000);
    EXPECT_EQ(d.take_log(), (Log{"p0", "p1", "p2", "p3", "p4", "fill", "fill", "fill", "fill", "fill"}));
    EXPECT_EQ(d.buffer.counts().shifted_back, 0u);
}

TEST(PlayoutBuffer, ClockDriftMovesTheAnchorUp) {
    // The sender's clock runs 0.5% slow: a packet every 20.1 ms. After eight seconds the
    // newest packet is still held for its jitter allowance with --jb-clock-drift, and no
    // longer without it (the anchor stayed where the first packet put it).
    for (bool drift : {true, false}) {
        PlayoutSettings s = jitter(2);
        s.clock_drift = drift;
        Driver d(s);
        for (uint16_t i = 0; i < 400; ++i) {
            d.send(i, i * 20 + i / 10);
            d.run(i * 20 + i / 10);
        }
        d.send(400, 400 * 20 + 40);
        d.run(400 * 20 + 40);
        const Log log = d.take_log();
        ASSERT_FALSE(log.empty());
        EXPECT_EQ(log.back() == "p400", !drift);
    }
}

TEST(PlayoutBuffer, GarbageNeverStallsIt) {
    Driver d(jitter(4));
    uint32_t x = 12345;
    for (int i = 0; i < 20000; ++i) {
        x = x * 1103515245u + 12345u;
        const uint8_t byte = static_cast<uint8_t>(x >> 24);
        auto h = header(static_cast<uint16_t>(x >> 8), x * 7, (x & 0x10000) ? 1 : 2);
        if (d.buffer.insert(h, {&byte, 1}, i) == PlayoutBuffer::Insert::full)
            d.buffer.pop(i, true);
        while (d.buffer.pop(i)) {
        }
        ASSERT_LE(d.buffer.held(), d.buffer.capacity());
    }
    while (d.buffer.pop(1 << 30)) {
    }
    EXPECT_EQ(d.buffer.held(), 0u);
}

}  // namespace rtpe::media
