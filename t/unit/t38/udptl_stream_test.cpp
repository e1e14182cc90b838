// UdptlSender and UdptlReceiver together: IFPs dropped on the way come back from
// redundancy or FEC where the datagrams that follow carry them, losses beyond that are
// reported once and in order, duplicates and renumbering are handled, across the wrap.

#include "t38/udptl_receiver.hpp"
#include "t38/udptl_sender.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <vector>

namespace {

using namespace rtpe::t38;
using Source = UdptlReceiver::Source;

struct Event {
    bool lost;
    uint16_t seq;
    uint16_t count;  // lost only
    Source source;   // delivered only
    std::vector<uint8_t> ifp;
};

struct Recorder final : UdptlReceiver::Listener {
    std::vector<Event> events;
    void on_ifp(uint16_t seq, Bytes ifp, Source source) override {
        events.push_back(Event{false, seq, 0, source, {ifp.begin(), ifp.end()}});
    }
    void on_ifp_lost(uint16_t first_seq, uint16_t count) override {
        events.push_back(Event{true, first_seq, count, Source::primary, {}});
    }
};

// IFP number n, shaped as T.38 version 0 writes them so that the receiver can cut FEC
// padding: every fifth an indicator (one octet), the others a data packet with one field
// of 1..40 octets, some ending in zeros.
std::vector<uint8_t> ifp_for(uint32_t n) {
    if (n % 5 == 0)
        return {static_cast<uint8_t>((n / 5 % 16) << 1)};
    const std::size_t data_size = 1 + (n * 7) % 40;
    std::vector<uint8_t> ifp = {0xC0 | 8 << 1, 0x01, 0x80 | 6 << 4, 0x00, static_cast<uint8_t>(data_size - 1)};
    for (std::size_t i = 0; i < data_size; ++i)
        ifp.push_back(i + 2 >= data_size && n % 3 == 0 ? 0 : static_cast<uint8_t>(n * 31 + i * 5 + 1));
    return ifp;
}

std::vector<uint8_t> send(UdptlSender& sender, const std::vector<uint8_t>& ifp) {
    std::vector<uint8_t> out(1500);
    UdptlBuilt built;
    EXPECT_EQ(sender.build(ifp, out, built), UdptlStatus::ok);
    out.resize(built.size);
    return out;
}

// Sends `count` IFPs, dropping those `drop` names (by index), into a receiver; checks that
// what arrives is each IFP once, in order, with losses reported in between.
struct StreamRun {
    Recorder recorder;
    UdptlReceiver::Counters counters;
};

StreamRun run_stream(const UdptlSender::Config& config, uint32_t count, const std::set<uint32_t>& drop,
               uint16_t first_seq_offset = 0) {
    UdptlSender sender(config);
    // Advance the sender's numbering without delivering, to start near the wrap.
    for (uint32_t i = 0; i < first_seq_offset; ++i)
        send(sender, ifp_for(0));
    StreamRun run;
    UdptlReceiver receiver(run.recorder);
    for (uint32_t n = 0; n < count; ++n) {
        const auto datagram = send(sender, ifp_for(n));
        if (!drop.count(n)) {
            EXPECT_EQ(receiver.receive(datagram), UdptlStatus::ok);
        }
    }
    run.counters = receiver.counters();
    return run;
}

// Checks the events of a run in which IFP n went out as sequence number offset + n.
void check_in_order(const StreamRun& run, uint32_t first, uint32_t count, uint16_t offset) {
    uint32_t next = first;
    for (const Event& e : run.recorder.events) {
        const uint32_t n = static_cast<uint16_t>(e.seq - offset);
        ASSERT_EQ(n, next) << "events out of order";
        if (e.lost) {
            next += e.count;
            continue;
        }
        EXPECT_EQ(e.ifp, ifp_for(n)) << n;
        ++next;
    }
    EXPECT_EQ(next, count);
}

UdptlSender::Config redundancy(std::size_t depth) {
    UdptlSender::Config c;
    c.recovery = ErrorRecovery::redundancy;
    c.redundancy_depth = depth;
    return c;
}

UdptlSender::Config fec(uint32_t span, std::size_t entries) {
    UdptlSender::Config c;
    c.recovery = ErrorRecovery::fec;
    c.fec_span = span;
    c.fec_entries = entries;
    return c;
}

TEST(UdptlStream, NothingLostNothingRecovered) {
    const StreamRun run = run_stream(redundancy(3), 50, {});
    check_in_order(run, 0, 50, 0);
    EXPECT_EQ(run.counters.delivered, 50u);
    EXPECT_EQ(run.counters.recovered_by_redundancy, 0u);
    EXPECT_EQ(run.counters.lost, 0u);
}

TEST(UdptlStream, RedundancyRecoversBurstsUpToItsDepth) {
    const std::set<uint32_t> drop = {5, 10, 11, 12, 20, 21};
    const StreamRun run = run_stream(redundancy(3), 40, drop);
    check_in_order(run, 0, 40, 0);
    EXPECT_EQ(run.counters.recovered_by_redundancy, drop.size());
    EXPECT_EQ(run.counters.lost, 0u);
    for (const Event& e : run.recorder.events)
        EXPECT_EQ(e.source == Source::redundancy, !e.lost && drop.count(e.seq) == 1) << e.seq;
}

TEST(UdptlStream, LossBeyondTheDepthIsReportedOnceInOrder) {
    // 10..14 dropped with depth 2: 10..12 lost, 13 and 14 come back from datagram 15.
    const StreamRun run = run_stream(redundancy(2), 30, {10, 11, 12, 13, 14});
    check_in_order(run, 0, 30, 0);
    EXPECT_EQ(run.counters.lost, 3u);
    EXPECT_EQ(run.counters.recovered_by_redundancy, 2u);
    const auto lost = std::find_if(run.recorder.events.begin(), run.recorder.events.end(),
                                   [](const Event& e) { return e.lost; });
    ASSERT_NE(lost, run.recorder.events.end());
    EXPECT_EQ(lost->seq, 10);
    EXPECT_EQ(lost->count, 3);
    EXPECT_EQ((lost + 1)->seq, 13);
}

TEST(UdptlStream, WithoutRedundancyEveryDropIsLost) {
    const StreamRun run = run_stream(redundancy(0), 20, {3, 4, 9});
    check_in_order(run, 0, 20, 0);
    EXPECT_EQ(run.counters.lost, 3u);
}

TEST(UdptlStream, FecRecoversOneLossPerEntry) {
    // Span 3, 3 entries: each entry covers every third packet of the last nine, so a
    // burst of three is three single losses in three entries.
    const std::set<uint32_t> drop = {20, 21, 22, 40, 50};
    const StreamRun run = run_stream(fec(3, 3), 80, drop);
    check_in_order(run, 0, 80, 0);
    EXPECT_EQ(run.counters.recovered_by_fec, drop.size());
    EXPECT_EQ(run.counters.lost, 0u);
}

TEST(UdptlStream, FecCannotRebuildTwoLossesOfOneEntry) {
    // A burst of four with span 3 and 3 entries: datagram 34's entry over 27, 30, 33 misses
    // two of them, so 30 and 33 are lost while 31 and 32 come back, all in order.
    const StreamRun run = run_stream(fec(3, 3), 60, {30, 31, 32, 33});
    check_in_order(run, 0, 60, 0);
    EXPECT_EQ(run.counters.recovered_by_fec, 2u);
    EXPECT_EQ(run.counters.lost, 2u);
    const auto& ev = run.recorder.events;
    ASSERT_GE(ev.size(), 35u);
    EXPECT_TRUE(ev[30].lost && ev[30].seq == 30 && ev[30].count == 1);
    EXPECT_TRUE(!ev[31].lost && ev[31].seq == 31 && ev[31].source == Source::fec);
    EXPECT_TRUE(!ev[32].lost && ev[32].seq == 32 && ev[32].source == Source::fec);
    EXPECT_TRUE(ev[33].lost && ev[33].seq == 33);
    EXPECT_TRUE(!ev[34].lost && ev[34].seq == 34 && ev[34].source == Source::primary);
}

TEST(UdptlStream, FecKeepsThePaddingOfWhatItCannotRead) {
    // Datagram 2's entry covers 0 and 1; 1 is dropped and comes back padded to 0's length,
    // and its first octets do not read as an IFP, so the padding stays.
    UdptlSender sender(fec(2, 1));
    Recorder recorder;
    UdptlReceiver receiver(recorder);
    const std::vector<uint8_t> unreadable = {0x80, 0x81};
    receiver.receive(send(sender, {1, 2, 3}));
    send(sender, unreadable);
    receiver.receive(send(sender, {0x04}));
    ASSERT_EQ(recorder.events.size(), 3u);
    EXPECT_EQ(recorder.events[1].source, Source::fec);
    EXPECT_EQ(recorder.events[1].ifp, (std::vector<uint8_t>{0x80, 0x81, 0x00}));
}

TEST(UdptlStream, FecWindsUpFromTheFirstPacket) {
    // Early datagrams carry fewer entries; a loss at 2 is still covered by datagram 3.
    const StreamRun run = run_stream(fec(2, 2), 20, {2});
    check_in_order(run, 0, 20, 0);
    EXPECT_EQ(run.counters.recovered_by_fec, 1u);
}

TEST(UdptlStream, RecoveryAcrossTheSequenceWrap) {
    // IFP n goes out as 65530 + n.
    const std::set<uint32_t> drop = {4, 5, 6, 7, 12};
    StreamRun run = run_stream(redundancy(4), 30, drop, 65530);
    check_in_order(run, 0, 30, 65530);
    EXPECT_EQ(run.counters.recovered_by_redundancy, drop.size());

    // IFP n goes out as 65525 + n: 65534, 65535 and 0 dropped, rebuilt from datagram 1,
    // whose entries reach back to 65528.
    run = run_stream(fec(3, 3), 30, {9, 10, 11}, 65525);
    check_in_order(run, 0, 30, 65525);
    EXPECT_EQ(run.counters.recovered_by_fec, 3u);
    EXPECT_EQ(run.counters.lost, 0u);
}

TEST(UdptlStream, DuplicatesAndLateDatagramsAreDropped) {
    UdptlSender sender(redundancy(1));
    Recorder recorder;
    UdptlReceiver receiver(recorder);
    std::vector<std::vector<uint8_t>> datagrams;
    for (uint32_t n = 0; n < 6; ++n)
        datagrams.push_back(send(sender, ifp_for(n)));
    for (int i : {0, 0, 1, 3, 2, 4, 4, 5, 1})
        ASSERT_EQ(receiver.receive(datagrams[static_cast<std::size_t>(i)]), UdptlStatus::ok);
    // 2 came back from 3's redundancy; the late 2 and the repeats are duplicates.
    EXPECT_EQ(receiver.counters().delivered, 6u);
    EXPECT_EQ(receiver.counters().duplicates, 4u);
    EXPECT_EQ(receiver.counters().recovered_by_redundancy, 1u);
    for (std::size_t i = 0; i < recorder.events.size(); ++i)
        EXPECT_EQ(recorder.events[i].seq, i);
}

TEST(UdptlStream, AJumpIsANewNumbering) {
    UdptlSender first(redundancy(2));
    Recorder recorder;
    UdptlReceiver receiver(recorder);
    for (uint32_t n = 0; n < 3000; ++n)
        receiver.receive(send(first, ifp_for(n)));
    // A sender that starts again from 0, far behind 3000.
    UdptlSender again(redundancy(2));
    recorder.events.clear();
    for (uint32_t n = 0; n < 5; ++n)
        receiver.receive(send(again, ifp_for(n)));
    EXPECT_EQ(receiver.counters().restarts, 1u);
    EXPECT_EQ(receiver.counters().lost, 0u);
    ASSERT_EQ(recorder.events.size(), 5u);
    EXPECT_EQ(recorder.events[0].seq, 0);
    EXPECT_EQ(recorder.events[4].seq, 4);
}

TEST(UdptlStream, MalformedDatagramsAreCountedAndSkipped) {
    Recorder recorder;
    UdptlReceiver receiver(recorder);
    const std::vector<uint8_t> junk = {0x00, 0x01, 0x05};
    EXPECT_EQ(receiver.receive(junk), UdptlStatus::truncated);
    EXPECT_EQ(receiver.counters().malformed, 1u);
    EXPECT_TRUE(recorder.events.empty());
}

TEST(UdptlStream, SenderRefusesWhatItCannotKeep) {
    UdptlSender::Config c = redundancy(3);
    c.max_ifp = 10;
    UdptlSender sender(c);
    std::vector<uint8_t> out(100);
    UdptlBuilt built;
    const std::vector<uint8_t> eleven(11, 1);
    EXPECT_EQ(sender.build(eleven, out, built), UdptlStatus::ifp_too_large);
    EXPECT_EQ(sender.next_seq(), 0);
    EXPECT_EQ(sender.build({}, out, built), UdptlStatus::empty_primary);
    EXPECT_EQ(sender.next_seq(), 0);
}

TEST(UdptlStream, FecShedsEntriesToFit) {
    UdptlSender sender(fec(1, 4));
    const std::vector<uint8_t> ifp(50, 7);
    std::vector<uint8_t> out(300);
    UdptlBuilt built;
    for (int i = 0; i < 4; ++i)
        ASSERT_EQ(sender.build(ifp, out, built), UdptlStatus::ok);
    // Head 2 + 1 + 50 + 1, FEC 3 + entries of 1 + 50 each: two fit into 160.
    std::vector<uint8_t> small(160);
    ASSERT_EQ(sender.build(ifp, small, built), UdptlStatus::ok);
    EXPECT_EQ(built.entries, 2u);
    EXPECT_EQ(built.size, 159u);
}

TEST(UdptlStream, ConfigurationLimits) {
    Recorder recorder;
    EXPECT_THROW(UdptlSender(redundancy(33)), std::invalid_argument);
    EXPECT_THROW(UdptlSender(fec(9, 8)), std::invalid_argument);
    UdptlSender::Config no_ifp = redundancy(1);
    no_ifp.max_ifp = 0;
    EXPECT_THROW(UdptlSender{no_ifp}, std::invalid_argument);
    EXPECT_THROW(UdptlReceiver(recorder, UdptlReceiver::Config{0, 0}), std::invalid_argument);
    EXPECT_THROW(UdptlReceiver(recorder, UdptlReceiver::Config{kUdptlMaxLength + 1, 0}), std::invalid_argument);
}

}  // namespace
