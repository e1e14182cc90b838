#include "daemon/media/worker_timers.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace rtpe::media {

namespace {
struct Recorder : Timer {
    std::vector<int>* log = nullptr;
    int id = 0;
    int64_t rearm_after = -1;
    WorkerTimers* timers = nullptr;
    void on_timer(int64_t now) override {
        log->push_back(id);
        if (rearm_after >= 0) {
            timers->schedule(*this, now + rearm_after);
            rearm_after = -1;
        }
    }
};
}  // namespace

TEST(WorkerTimers, RunsDueTimersInOrderAndOnlyThose) {
    net::Poller poller;
    WorkerTimers timers(poller);
    std::vector<int> log;
    Recorder a, b, c;
    int id = 0;
    for (Recorder* r : {&a, &b, &c}) {
        r->log = &log;
        r->id = ++id;
    }
    timers.schedule(c, 300);
    timers.schedule(a, 100);
    timers.schedule(b, 200);
    timers.run_due(250);
    EXPECT_EQ(log, (std::vector<int>{1, 2}));
    EXPECT_TRUE(c.scheduled());
    EXPECT_FALSE(a.scheduled());
    timers.run_due(300);
    EXPECT_EQ(log, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(timers.size(), 0u);
}

TEST(WorkerTimers, CancelAndRescheduleAndRearmFromCallback) {
    net::Poller poller;
    WorkerTimers timers(poller);
    std::vector<int> log;
    Recorder a, b;
    a.log = b.log = &log;
    a.id = 1;
    b.id = 2;
    b.timers = &timers;
    b.rearm_after = 50;
    timers.schedule(a, 100);
    timers.schedule(b, 100);
    timers.cancel(a);
    timers.cancel(a);  // twice is harmless
    timers.schedule(a, 500);
    timers.run_due(100);
    EXPECT_EQ(log, (std::vector<int>{2}));
    EXPECT_EQ(b.due_ms(), 150);
    timers.run_due(499);
    EXPECT_EQ(log, (std::vector<int>{2, 2}));
    timers.run_due(500);
    EXPECT_EQ(log, (std::vector<int>{2, 2, 1}));
}

// A timer that keeps asking for "now" (or the past) must not hold the worker in run_due:
// it runs once per call and waits for the next millisecond.
TEST(WorkerTimers, TimerAskingForNowAgainWaitsForTheNextTick) {
    net::Poller poller;
    WorkerTimers timers(poller);
    struct Eager : Timer {
        WorkerTimers* timers = nullptr;
        int runs = 0;
        void on_timer(int64_t now) override {
            ++runs;
            timers->schedule(*this, now - 5);
        }
    } eager;
    eager.timers = &timers;
    timers.schedule(eager, 100);
    timers.run_due(100);
    EXPECT_EQ(eager.runs, 1);
    EXPECT_EQ(eager.due_ms(), 101);
    timers.run_due(101);
    EXPECT_EQ(eager.runs, 2);
}

TEST(WorkerTimers, TimerfdFiresThroughThePoller) {
    net::Poller poller;
    WorkerTimers timers(poller);
    std::vector<int> log;
    struct Stopper : Timer {
        net::Poller* poller;
        std::vector<int>* log;
        void on_timer(int64_t) override {
            log->push_back(7);
            poller->stop();
        }
    } stopper;
    stopper.poller = &poller;
    stopper.log = &log;
    timers.schedule(stopper, WorkerTimers::now_ms() + 20);
    poller.run();  // returns once the timer has stopped it
    EXPECT_EQ(log, (std::vector<int>{7}));
}

}  // namespace rtpe::media
