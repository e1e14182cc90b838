#include "daemon/media/media_events.hpp"

namespace rtpe::media {

void EventOutbox::post(const MediaEvent& event) {
    {
        std::lock_guard lock(mutex_);
        if (events_.size() >= kCapacity) {
            ++dropped_;
            return;
        }
        events_.push_back(event);
    }
    if (event.kind == MediaEvent::Kind::dtmf && waker_ && !woken_.exchange(true, std::memory_order_acq_rel))
        waker_();
}

std::vector<MediaEvent> EventOutbox::take() {
    std::vector<MediaEvent> out;
    woken_.store(false, std::memory_order_release);
    std::lock_guard lock(mutex_);
    out.swap(events_);
    return out;
}

uint64_t EventOutbox::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

}  // namespace rtpe::media
