#include "util/thread.hpp"

#include <cerrno>
#include <memory>
#include <system_error>
#include <utility>

namespace rtpe {

namespace {

struct Start {
    std::string name;
    std::function<void()> body;
};

void* trampoline(void* arg) {
    std::unique_ptr<Start> start(static_cast<Start*>(arg));
    // The kernel keeps 15 characters of a thread name.
    pthread_setname_np(pthread_self(), start->name.substr(0, 15).c_str());
    start->body();
    return nullptr;
}

}  // namespace

Thread::Thread(std::string name, std::size_t stack_bytes, std::function<void()> body) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (stack_bytes)
        pthread_attr_setstacksize(&attr, stack_bytes);
    auto start = std::make_unique<Start>(Start{std::move(name), std::move(body)});
    const int rc = pthread_create(&handle_, &attr, &trampoline, start.get());
    pthread_attr_destroy(&attr);
    if (rc != 0)
        throw std::system_error(rc, std::generic_category(), "pthread_create");
    start.release();
    joinable_ = true;
}

Thread::~Thread() {
    join();
}

Thread::Thread(Thread&& other) noexcept
    : handle_(other.handle_), joinable_(std::exchange(other.joinable_, false)) {}

Thread& Thread::operator=(Thread&& other) noexcept {
    if (this != &other) {
        join();
        handle_ = other.handle_;
        joinable_ = std::exchange(other.joinable_, false);
    }
    return *this;
}

void Thread::join() {
    if (joinable_) {
        pthread_join(handle_, nullptr);
        joinable_ = false;
    }
}

}  // namespace rtpe
