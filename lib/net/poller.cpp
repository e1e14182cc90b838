#include "net/poller.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace rtpe::net {


Poller::Poller()
    : epoll_(epoll_create1(EPOLL_CLOEXEC)), wakeup_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (!epoll_.valid() || !wakeup_.valid())
        throw std::runtime_error("cannot create epoll instance");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;  // the wake-up fd is the only event without a handler
    epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wakeup_.get(), &ev);
}

Poller::~Poller() {
    run_tasks(true);
}

bool Poller::add(int fd, EventHandler& handler, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = &handler;
    return epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) == 0;
}

void Poller::remove(int fd) {
    epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

void Poller::wake() {
    uint64_t one = 1;
    ssize_t ignored = ::write(wakeup_.get(), &one, sizeof(one));
    (void)ignored;
}

void Poller::enqueue(std::vector<Task>& queue, std::atomic<bool>& pending, Task task, bool wake_now) {
    {
        std::lock_guard lock(tasks_mutex_);
        queue.push_back(std::move(task));
        pending.store(true, std::memory_order_release);
    }
    if (wake_now)
        wake();
}

void Poller::post(Task task, bool wake_now) {
    enqueue(tasks_, tasks_pending_, std::move(task), wake_now);
}

void Poller::defer(Task task, bool wake_now) {
    enqueue(deferred_, deferred_pending_, std::move(task), wake_now);
}

void Poller::kick() {
    if (tasks_pending_.load(std::memory_order_acquire) || deferred_pending_.load(std::memory_order_acquire))
        wake();
}

void Poller::run_tasks(bool deferred) {
    for (;;) {
        std::vector<Task> batch;
        {
            std::lock_guard lock(tasks_mutex_);
            // Posted tasks always go first: a deferred one may free what they touch.
            batch.swap(tasks_);
            tasks_pending_.store(false, std::memory_order_relaxed);
            if (batch.empty() && deferred) {
                batch.swap(deferred_);
                deferred_pending_.store(false, std::memory_order_relaxed);
            }
        }
        if (batch.empty())
            return;
        for (auto& task : batch)
            task();
    }
}

void Poller::run() {
    epoll_event events[64];
    while (!stopping_) {
        const int n = epoll_wait(epoll_.get(), events, 64, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw std::runtime_error("epoll_wait failed");
        }
        bool woken = false;
        for (int i = 0; i < n; ++i)
            if (!events[i].data.ptr)
                woken = true;
        if (woken) {
            uint64_t count;
            ssize_t ignored = ::read(wakeup_.get(), &count, sizeof(count));
            (void)ignored;
        }
        if (woken || tasks_pending_.load(std::memory_order_acquire))
            run_tasks(false);
        for (int i = 0; i < n; ++i)
            if (auto* handler = static_cast<EventHandler*>(events[i].data.ptr))
                handler->on_ready(events[i].events);
        if (woken || deferred_pending_.load(std::memory_order_acquire))
            run_tasks(true);
    }
    // Tasks posted before stop() still run: they may own what must be released.
    run_tasks(true);
}

void Poller::stop() {
    stopping_ = true;
    wake();
}

}  // namespace rtpe::net
