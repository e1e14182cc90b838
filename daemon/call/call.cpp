#include "daemon/call/call.hpp"

#include <sys/time.h>

namespace rtpe::call {

Call::Call(std::string id) : id_(std::move(id)) {
    timeval now{};
    gettimeofday(&now, nullptr);
    created_s = now.tv_sec;
    created_us = now.tv_usec;
    last_signal = now.tv_sec;
}

Participant* Call::find(const std::string& tag) {
    for (auto& p : participants_)
        if (p->tag == tag)
            return p.get();
    return nullptr;
}

Participant& Call::add(std::string tag) {
    auto p = std::make_unique<Participant>();
    p->tag = std::move(tag);
    timeval now{};
    gettimeofday(&now, nullptr);
    p->created = now.tv_sec;
    p->created_us = now.tv_usec;
    participants_.push_back(std::move(p));
    return *participants_.back();
}

}  // namespace rtpe::call
