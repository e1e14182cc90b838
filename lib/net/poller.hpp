#pragma once
// One epoll instance driven by one thread: handlers and posted tasks run on the thread
// that calls run(), so state touched only from them needs no lock.

#include <sys/epoll.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "net/socket.hpp"

namespace rtpe::net {

class Poller {
public:
    using Handler = std::function<void(uint32_t events)>;
    using Task = std::function<void()>;

    Poller();
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    // Registers fd; the handler runs for its readiness. Call on the poller's thread (from a
    // handler or task) or before run() starts. Handlers must not remove fds themselves;
    // removal goes through a task, which runs only between batches of events.
    bool add(int fd, Handler handler, uint32_t events = EPOLLIN);
    void remove(int fd);

    // Runs task on the poller's thread soon. Callable from any thread.
    void post(Task task);
    // Runs task on the poller's thread and waits for it; runs it inline when called from
    // that thread or when the poller is not running.
    void run_sync(const Task& task);

    // Dispatches events and tasks until stop() is called (from any thread).
    void run();
    void stop();

private:
    void run_tasks();

    Fd epoll_;
    Fd wakeup_;  // eventfd: interrupts epoll_wait for tasks and stop()
    // Node-based, so the address of a handler stays valid while others come and go;
    // epoll events carry that address.
    std::unordered_map<int, Handler> handlers_;
    std::mutex tasks_mutex_;  // guards tasks_; taken per posted task, never per packet
    std::vector<Task> tasks_;
    std::atomic<bool> running_{false};
    std::atomic<bool> stopping_{false};
    std::atomic<const void*> thread_{nullptr};
};

}  // namespace rtpe::net
