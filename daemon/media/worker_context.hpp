#pragma once
// What the packet path of a worker thread reaches without a pointer in every stream: its
// timer queue and the outbox its events go up through. Set once when the thread starts.

#include "daemon/media/media_events.hpp"
#include "daemon/media/worker_timers.hpp"

namespace rtpe::media {

struct WorkerContext {
    WorkerTimers* timers = nullptr;
    EventOutbox* events = nullptr;
};

// The calling thread's context; null members on threads that are no media worker.
WorkerContext& this_worker();

}  // namespace rtpe::media
