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
    ev.data.fd = wakeup_.get();
    epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wakeup_.get(), &ev);
}

bool Poller::add(int fd, Handler handler, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
        return false;
    handlers_[fd] = std::move(handler);
    return true;
}

void Poller::remove(int fd) {
    epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    handlers_.erase(fd);
}

void Poller::run() {
    running_ = true;
    epoll_event events[64];
    while (running_) {
        const int n = epoll_wait(epoll_.get(), events, 64, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw std::runtime_error("epoll_wait failed");
        }
        for (int i = 0; i < n && running_; ++i) {
            const int fd = events[i].data.fd;
            if (fd == wakeup_.get())
                continue;
            // Copy: the handler may remove itself.
            auto it = handlers_.find(fd);
            if (it == handlers_.end())
                continue;
            Handler handler = it->second;
            handler(events[i].events);
        }
    }
}

void Poller::stop() {
    running_ = false;
    uint64_t one = 1;
    ssize_t ignored = ::write(wakeup_.get(), &one, sizeof(one));
    (void)ignored;
}

}  // namespace rtpe::net
