#include "daemon/call/call.hpp"

#include <sys/time.h>

#include "rtp/payload_types.hpp"

namespace rtpe::call {

std::optional<std::string> encoding_name(const MediaSide& m, uint8_t payload_type) {
    if (auto it = m.codec_names.find(payload_type); it != m.codec_names.end())
        return it->second;
    if (auto known = rtp::static_rtpmap(std::to_string(payload_type)))
        return std::string(*known);
    return std::nullopt;
}

std::optional<std::string> shown_codec(const MediaSide& m) {
    if (!m.rtp)
        return std::nullopt;
    const auto pt = m.rtp->payloads().most_used();
    return pt ? encoding_name(m, *pt) : std::nullopt;
}

Call::Call(std::string id) : id_(std::make_shared<const std::string>(std::move(id))) {
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
