#include "daemon/media/worker_timers.hpp"

#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace rtpe::media {

WorkerTimers::WorkerTimers(net::Poller& poller)
    : poller_(poller),
      timerfd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)),
      handler_([this](uint32_t) {
          uint64_t expirations = 0;
          [[maybe_unused]] ssize_t r = read(timerfd_.get(), &expirations, sizeof(expirations));
          armed_for_ = -1;
          run_due(now_ms());
      }) {
    if (timerfd_.get() < 0)
        throw std::runtime_error("cannot create timerfd");
    poller_.add(timerfd_.get(), handler_);
}

WorkerTimers::~WorkerTimers() {
    poller_.remove(timerfd_.get());
}

int64_t WorkerTimers::now_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void WorkerTimers::sift_up(std::size_t i) {
    while (i > 0) {
        const std::size_t parent = (i - 1) / 2;
        if (heap_[parent]->due_ms_ <= heap_[i]->due_ms_)
            break;
        std::swap(heap_[parent], heap_[i]);
        i = parent;
    }
}

void WorkerTimers::sift_down(std::size_t i) {
    for (;;) {
        std::size_t smallest = i;
        for (std::size_t child : {2 * i + 1, 2 * i + 2})
            if (child < heap_.size() && heap_[child]->due_ms_ < heap_[smallest]->due_ms_)
                smallest = child;
        if (smallest == i)
            return;
        std::swap(heap_[smallest], heap_[i]);
        i = smallest;
    }
}

void WorkerTimers::remove_at(std::size_t i) {
    heap_[i]->due_ms_ = -1;
    heap_[i] = heap_.back();
    heap_.pop_back();
    if (i < heap_.size()) {
        sift_down(i);
        sift_up(i);
    }
}

void WorkerTimers::schedule(Timer& timer, int64_t due_ms) {
    cancel(timer);
    timer.due_ms_ = std::max<int64_t>(due_ms, 0);
    heap_.push_back(&timer);
    sift_up(heap_.size() - 1);
    arm();
}

void WorkerTimers::cancel(Timer& timer) {
    if (!timer.scheduled())
        return;
    auto it = std::find(heap_.begin(), heap_.end(), &timer);
    if (it != heap_.end())
        remove_at(static_cast<std::size_t>(it - heap_.begin()));
    timer.due_ms_ = -1;
}

void WorkerTimers::run_due(int64_t now) {
    while (!heap_.empty() && heap_.front()->due_ms_ <= now) {
        Timer* t = heap_.front();
        remove_at(0);
        t->on_timer(now);  // may schedule again
        // A timer that asks to run again right away (an ICE pacing slot, a DTLS timeout
        // OpenSSL does not see as expired yet) waits for the next tick: this loop always
        // ends, and the worker gets back to its sockets and tasks in between.
        if (t->scheduled() && t->due_ms_ <= now)
            schedule(*t, now + 1);
    }
    arm();
}

void WorkerTimers::arm() {
    const int64_t next = heap_.empty() ? -1 : heap_.front()->due_ms_;
    if (next == armed_for_)
        return;
    itimerspec spec{};
    if (next >= 0) {
        // Absolute monotonic time; 0 would disarm, so a due time in the past becomes 1 ns.
        spec.it_value.tv_sec = next / 1000;
        spec.it_value.tv_nsec = (next % 1000) * 1000000;
        if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0)
            spec.it_value.tv_nsec = 1;
    }
    timerfd_settime(timerfd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
    armed_for_ = next;
}

}  // namespace rtpe::media
