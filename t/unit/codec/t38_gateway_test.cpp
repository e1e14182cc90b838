// T38Gateway's contract at its edges: options out of range are refused at creation, audio
// out comes in exactly the size asked for, IFP packets spandsp cannot read are refused
// without stopping the gateway. A whole fax through it is t38_fax_test.cpp.

#include "codec/t38_gateway.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace {

using namespace rtpe::codec;

struct Sink final : T38Gateway::Listener {
    int packets = 0;
    void on_t38_ifp(std::span<const uint8_t> ifp, int repeats) override {
        EXPECT_FALSE(ifp.empty());
        EXPECT_GE(repeats, 1);
        ++packets;
    }
};

TEST(T38Gateway, RefusesOptionsOutOfRange) {
    Sink sink;
    Status st;
    EXPECT_FALSE(T38Gateway::create({.version = 4}, sink, st));
    EXPECT_EQ(st, Status::bad_format);
    EXPECT_FALSE(T38Gateway::create({.version = -1}, sink, st));
    EXPECT_FALSE(T38Gateway::create({.max_ifp = 0}, sink, st));
    EXPECT_FALSE(T38Gateway::create({.max_ifp = kT38MaxIfp + 1}, sink, st));
    EXPECT_EQ(st, Status::bad_format);
    EXPECT_TRUE(T38Gateway::create({.version = 3, .local_tcf = true, .max_ifp = 72}, sink, st));
    EXPECT_EQ(st, Status::ok);
}

TEST(T38Gateway, AudioOutFillsExactlyWhatIsAsked) {
    Sink sink;
    Status st;
    auto gw = T38Gateway::create({}, sink, st);
    ASSERT_TRUE(gw);
    for (std::size_t n : {0u, 1u, 160u, 20000u}) {
        std::vector<int16_t> pcm(n + 1, 12345);
        gw->tx_audio(std::span(pcm).first(n));
        EXPECT_EQ(pcm[n], 12345) << n;  // nothing written past the span
    }
    // Idle: silence in, silence out, and the gateway announces no signal on the T.38 side.
    std::vector<int16_t> silence(8000);
    gw->rx_audio(silence);
    gw->rx_audio_missing(16000);
    std::vector<int16_t> out(160, 1);
    gw->tx_audio(out);
    EXPECT_EQ(std::count(out.begin(), out.end(), int16_t{0}), 160);
    EXPECT_GT(sink.packets, 0);
    EXPECT_EQ(gw->stats().pages, 0);
}

TEST(T38Gateway, RefusesUnreadableIfpPackets) {
    Sink sink;
    Status st;
    auto gw = T38Gateway::create({}, sink, st);
    ASSERT_TRUE(gw);
    EXPECT_EQ(gw->rx_ifp({}, 0), Status::empty_payload);
    const std::vector<uint8_t> cut = {0xd0, 0x01, 0x80, 0x00, 0x05};  // data field cut short
    EXPECT_EQ(gw->rx_ifp(cut, 0), Status::invalid_payload);
    const std::vector<uint8_t> huge(kT38MaxIfp + 1, 0);
    EXPECT_EQ(gw->rx_ifp(huge, 1), Status::invalid_payload);
    const std::vector<uint8_t> no_signal = {0x00};  // t30-indicator no-signal
    EXPECT_EQ(gw->rx_ifp(no_signal, 2), Status::ok);
}

}  // namespace
