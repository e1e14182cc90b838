#pragma once
// A joinable thread with a chosen stack size (std::thread cannot set one).

#include <pthread.h>

#include <cstddef>
#include <functional>
#include <string>

namespace rtpe {

class Thread {
public:
    Thread() = default;
    // Throws std::system_error when the thread cannot be created.
    Thread(std::string name, std::size_t stack_bytes, std::function<void()> body);
    ~Thread();
    Thread(Thread&& other) noexcept;
    Thread& operator=(Thread&& other) noexcept;
    Thread(const Thread&) = delete;
    Thread& operator=(const Thread&) = delete;

    void join();

private:
    pthread_t handle_{};
    bool joinable_ = false;
};

}  // namespace rtpe
