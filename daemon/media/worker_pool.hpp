#pragma once
// The media worker threads (--num-threads): each runs its own poller, and every media
// socket will be owned by exactly one of them, so packets never cross threads.

#include <memory>
#include <vector>

#include "daemon/media/media_events.hpp"
#include "daemon/media/worker_timers.hpp"
#include "net/poller.hpp"
#include "util/thread.hpp"

namespace rtpe::media {

class WorkerPool {
public:
    // count 0 means one worker per online CPU core.
    WorkerPool(unsigned count, std::size_t stack_bytes);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    std::size_t size() const { return workers_.size(); }
    // The poller of worker index % size(); sockets are spread over workers with it.
    net::Poller& poller(std::size_t index) { return workers_[index % workers_.size()]->poller; }
    // Worker index's timer queue: use it only on that worker's thread.
    WorkerTimers& timers(std::size_t index) { return workers_[index % workers_.size()]->timers; }

    void stop();

    // Where every worker's events go up; the control thread drains it.
    EventOutbox& events() { return events_; }

private:
    struct Worker {
        net::Poller poller;
        WorkerTimers timers{poller};
        Thread thread;
    };
    EventOutbox events_;  // before the workers: they post into it until joined
    std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace rtpe::media
