#include "daemon/media/worker_pool.hpp"

#include "daemon/media/worker_context.hpp"

#include <unistd.h>

#include <string>

namespace rtpe::media {

WorkerPool::WorkerPool(unsigned count, std::size_t stack_bytes) {
    if (count == 0) {
        const long cores = sysconf(_SC_NPROCESSORS_ONLN);
        count = cores > 0 ? static_cast<unsigned>(cores) : 1;
    }
    for (unsigned i = 0; i < count; ++i) {
        auto worker = std::make_unique<Worker>();
        Worker* w = worker.get();
        EventOutbox* events = &events_;
        w->thread = Thread("media " + std::to_string(i), stack_bytes, [w, events] {
            this_worker() = WorkerContext{&w->timers, events};
            w->poller.run();
        });
        workers_.push_back(std::move(worker));
    }
}

WorkerPool::~WorkerPool() {
    stop();
}

void WorkerPool::stop() {
    for (auto& w : workers_)
        w->poller.stop();
    for (auto& w : workers_)
        w->thread.join();
}

WorkerContext& this_worker() {
    thread_local WorkerContext context;
    return context;
}

}  // namespace rtpe::media
