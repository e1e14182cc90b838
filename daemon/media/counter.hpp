#pragma once
// Numbers one worker writes and any thread may read: relaxed atomics with a single writer,
// so an increment is a plain load and store (no locked instruction on the packet path).

#include <atomic>

namespace rtpe::media {

template <typename T>
inline void bump(std::atomic<T>& counter, T by = 1) {
    counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

template <typename T>
inline void put(std::atomic<T>& field, T value) {
    field.store(value, std::memory_order_relaxed);
}

template <typename T>
inline T peek(const std::atomic<T>& field) {
    return field.load(std::memory_order_relaxed);
}

}  // namespace rtpe::media
