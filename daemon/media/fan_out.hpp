#pragma once
// Publish/subscribe as a Sink: a copy of what a publisher's stream receives goes to every
// subscriber's stream (out of that stream's socket, to its endpoint), through the flow's
// own filter (block media / silence media towards that subscriber). Subscribers are
// swapped in whole by a task from the control thread, so the packet path only walks a
// vector that does not change under it.

#include <vector>

#include "daemon/media/media_filter.hpp"
#include "daemon/media/sink.hpp"

namespace rtpe::media {

class FanOut final : public Sink {
public:
    struct Target {
        PacketStream* stream = nullptr;
        MediaFilter filter;
    };
    // Worker: the new subscriber streams (all on this worker); the old list is handed back
    // so it is freed wherever the caller likes.
    std::vector<Target> set_targets(std::vector<Target> targets) {
        targets_.swap(targets);
        return targets;
    }
    bool empty() const { return targets_.empty(); }
    std::size_t size() const { return targets_.size(); }
    void consume(const Packet& packet, Egress& egress) override;

private:
    std::vector<Target> targets_;
};

}  // namespace rtpe::media
