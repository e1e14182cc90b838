#include "daemon/media/dtmf_injector.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "codec/telephone_event.hpp"

namespace rtpe::media {
namespace {

codec::TelephoneEvent parsed(const DtmfInjector::Event& e) {
    codec::TelephoneEvent ev;
    EXPECT_EQ(codec::parse_telephone_event(e.payload, ev), codec::Status::ok);
    return ev;
}

TEST(DtmfInjector, EventsFollowUpstreamsPattern) {
    DtmfInjector injector(DtmfInjector::EventFormat{101, 8000}, nullptr);
    EXPECT_FALSE(injector.busy());
    ASSERT_TRUE(injector.queue({5, 8, 250, 100}));
    ASSERT_TRUE(injector.busy());
    std::vector<int16_t> pcm(160, 1000);
    std::vector<uint16_t> updates, ends;
    int starts = 0, passed = 0;
    for (int i = 0; i < 40 && injector.busy(); ++i) {
        auto e = injector.advance(20, pcm);
        if (!e) {
            ++passed;
            continue;
        }
        const auto ev = parsed(*e);
        EXPECT_EQ(ev.event, 5);
        EXPECT_EQ(ev.volume, 8);
        starts += e->start;
        (ev.end ? ends : updates).push_back(ev.duration);
    }
    std::vector<uint16_t> expected_updates;
    for (int n = 1; n <= 13; ++n)
        expected_updates.push_back(static_cast<uint16_t>(160 * n));
    EXPECT_EQ(updates, expected_updates);
    EXPECT_EQ(ends, std::vector<uint16_t>(3, 2240));
    EXPECT_EQ(starts, 1);
    EXPECT_EQ(passed, 5);  // the pause: audio passes towards telephone-event
    EXPECT_EQ(pcm, std::vector<int16_t>(160, 1000));
    EXPECT_FALSE(injector.busy());
}

TEST(DtmfInjector, DurationsInTheReceiversClock) {
    DtmfInjector injector(DtmfInjector::EventFormat{96, 48000}, nullptr);
    ASSERT_TRUE(injector.queue({11, 20, 100, 100}));
    std::vector<int16_t> pcm(960);
    auto first = injector.advance(20, pcm);
    ASSERT_TRUE(first);
    EXPECT_TRUE(first->start);
    EXPECT_EQ(parsed(*first).duration, 960);
}

TEST(DtmfInjector, QueueIsBounded) {
    DtmfInjector injector(DtmfInjector::EventFormat{101, 8000}, nullptr);
    int queued = 0;
    while (injector.queue({1, 8, 100, 100}) && queued < 1000)
        ++queued;
    EXPECT_EQ(queued, 32);
}

TEST(DtmfInjector, TonesReplaceTheAudioThenSilence) {
    codec::Status status = codec::Status::ok;
    auto tone = codec::DtmfGenerator::create(status);
    ASSERT_TRUE(tone);
    DtmfInjector injector(std::nullopt, std::move(tone));
    ASSERT_TRUE(injector.queue({9, 10, 200, 100}));

    struct Heard : codec::DtmfDetector::Listener {
        std::vector<int> starts;
        void on_dtmf(const codec::DtmfDetector::Tone& t) override {
            if (!t.end)
                starts.push_back(t.event);
        }
    } heard;
    auto detector = codec::DtmfDetector::create(heard, status);
    ASSERT_TRUE(detector);
    int silent = 0;
    for (int i = 0; i < 30; ++i) {
        std::vector<int16_t> pcm(160, 3000);  // the sender's "audio": a constant, no tone
        const bool was_busy = injector.busy();
        EXPECT_FALSE(injector.advance(20, pcm));
        if (was_busy && pcm == std::vector<int16_t>(160, 0))
            ++silent;
        detector->feed(pcm);
    }
    EXPECT_EQ(heard.starts, std::vector<int>{9});
    EXPECT_EQ(silent, 5);
    EXPECT_FALSE(injector.busy());
}

}  // namespace
}  // namespace rtpe::media
