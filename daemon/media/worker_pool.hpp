#pragma once
// The media worker threads (--num-threads): each runs its own poller, and every media
// socket will be owned by exactly one of them, so packets never cross threads.

#include <memory>
#include <vector>

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

    void stop();

private:
    struct Worker {
        net::Poller poller;
        Thread thread;
    };
    std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace rtpe::media
