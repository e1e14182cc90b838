#pragma once
// One timer queue per media worker: what must happen on a stream's own thread at a given
// time (delayed endpoint learning settles now; RTCP generation, ICE pacing, DTLS
// retransmission and the transcoder's clock use it next). Driven by a timerfd in the
// worker's poller, so timers run between batches on the thread that owns the streams.
//
// A Timer is owned by what it serves and must be cancelled (on the worker) before it goes.

#include <cstdint>
#include <vector>

#include "net/poller.hpp"
#include "net/socket.hpp"

namespace rtpe::media {

class Timer {
public:
    virtual ~Timer() = default;
    virtual void on_timer(int64_t now_ms) = 0;
    bool scheduled() const { return due_ms_ >= 0; }
    int64_t due_ms() const { return due_ms_; }

private:
    friend class WorkerTimers;
    int64_t due_ms_ = -1;
};

class WorkerTimers {
public:
    // Adds its timerfd to poller; construct and destroy on any thread while the worker does
    // not run, use only on the worker.
    explicit WorkerTimers(net::Poller& poller);
    ~WorkerTimers();
    WorkerTimers(const WorkerTimers&) = delete;
    WorkerTimers& operator=(const WorkerTimers&) = delete;

    // Runs timer at due_ms (monotonic ms) or at the first tick after; rescheduling moves it.
    void schedule(Timer& timer, int64_t due_ms);
    void cancel(Timer& timer);
    std::size_t size() const { return heap_.size(); }

    // Runs every timer due by now_ms (also what the timerfd calls); exposed for tests.
    void run_due(int64_t now_ms);
    static int64_t now_ms();

private:
    void arm();
    void sift_up(std::size_t i);
    void sift_down(std::size_t i);
    void remove_at(std::size_t i);

    net::Poller& poller_;
    net::Fd timerfd_;
    net::FunctionHandler handler_;
    std::vector<Timer*> heap_;  // min-heap by due time
    int64_t armed_for_ = -1;
};

}  // namespace rtpe::media
