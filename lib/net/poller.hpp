#pragma once
// One epoll instance driven by one thread: handlers and posted tasks run on the thread
// that calls run(), so state touched only from them needs no lock.

#include <sys/epoll.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <vector>

#include "net/socket.hpp"

namespace rtpe::net {

// Something that wants to hear about a file descriptor's readiness. Owned by the caller.
class EventHandler {
public:
    virtual ~EventHandler() = default;
    virtual void on_ready(uint32_t events) = 0;
};

class Poller {
public:
    using Task = std::function<void()>;

    Poller();
    // Runs tasks still queued, so that what they own is released.
    ~Poller();
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    // Both callable from any thread (epoll itself is thread-safe). After remove(), the
    // handler may still be running or about to run for events already fetched: free it
    // from a task posted afterwards, which runs only between batches of events.
    bool add(int fd, EventHandler& handler, uint32_t events = EPOLLIN);
    void remove(int fd);

    // Runs task on the poller's thread before the events of the next batch it fetches.
    // Callable from any thread. Without wake, an idle poller is not disturbed for it: that
    // suits changes that only matter to the poller's own events (a packet arriving makes
    // the batch that runs them first), and saves a wake-up per change.
    void post(Task task, bool wake = true);
    // Runs task on the poller's thread after the events of the batch in which it is seen:
    // the place to free what a handler might still have been using. Any thread. Without
    // wake, an idle poller is not disturbed for it: it runs after the next batch of events,
    // or once kick() is called.
    void defer(Task task, bool wake = true);
    // Wakes the poller if tasks posted or deferred without a wake-up are waiting. Any thread.
    void kick();

    // Dispatches events and tasks until stop() is called (from any thread).
    void run();
    void stop();

private:
    void wake();
    void enqueue(std::vector<Task>& queue, std::atomic<bool>& pending, Task task, bool wake_now);
    // Runs the posted tasks and, with deferred, then the deferred ones too.
    void run_tasks(bool deferred);

    Fd epoll_;
    Fd wakeup_;  // eventfd: interrupts epoll_wait for tasks and stop()
    std::mutex tasks_mutex_;  // guards both queues; taken per posted task, never per packet
    std::vector<Task> tasks_;
    std::vector<Task> deferred_;
    // Let a batch skip the mutex when nothing is queued.
    std::atomic<bool> tasks_pending_{false};
    std::atomic<bool> deferred_pending_{false};
    std::atomic<bool> stopping_{false};
};

// Adapts a callable to EventHandler, for the control plane's few fds.
class FunctionHandler : public EventHandler {
public:
    explicit FunctionHandler(std::function<void(uint32_t)> fn) : fn_(std::move(fn)) {}
    void on_ready(uint32_t events) override { fn_(events); }

private:
    std::function<void(uint32_t)> fn_;
};

}  // namespace rtpe::net
