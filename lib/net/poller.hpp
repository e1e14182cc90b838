#pragma once
// One epoll instance driven by one thread: callbacks run on the thread calling run().

#include <sys/epoll.h>

#include <atomic>
#include <functional>
#include <unordered_map>

#include "net/socket.hpp"

namespace rtpe::net {

class Poller {
public:
    using Handler = std::function<void(uint32_t events)>;

    Poller();
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    // The handler is called for readiness of fd (level-triggered EPOLLIN by default).
    bool add(int fd, Handler handler, uint32_t events = EPOLLIN);
    void remove(int fd);

    // Dispatches events until stop() is called (from any thread or a handler).
    void run();
    void stop();

private:
    Fd epoll_;
    Fd wakeup_;  // eventfd that makes stop() interrupt epoll_wait
    std::unordered_map<int, Handler> handlers_;
    std::atomic<bool> running_{false};
};

}  // namespace rtpe::net
