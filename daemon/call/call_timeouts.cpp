#include "daemon/call/call_timeouts.hpp"

#include <algorithm>

#include "util/log.hpp"

namespace rtpe::call {

namespace {

constexpr CallTimeouts::Expiry kDeleted{"delete delay expired", "REGULAR"};
constexpr CallTimeouts::Expiry kFinal{"final timeout", "FINAL_TIMEOUT"};
constexpr CallTimeouts::Expiry kOffer{"offer timeout", "OFFER_TIMEOUT"};
constexpr CallTimeouts::Expiry kSilent{"silent timeout (no media while on hold)", "SILENT_TIMEOUT"};
constexpr CallTimeouts::Expiry kTimeout{"timeout (no media)", "TIMEOUT"};

}  // namespace

const CallTimeouts::Expiry* CallTimeouts::expiry_reason(Call& call, int64_t now) const {
    if (call.delete_at)
        return now >= *call.delete_at ? &kDeleted : nullptr;
    if (settings_.final_timeout > 0 && now - call.created_s >= settings_.final_timeout)
        return &kFinal;
    if (!call.answered)
        return settings_.offer_timeout > 0 && now - call.created_s >= settings_.offer_timeout ? &kOffer : nullptr;
    int64_t last_activity = call.last_signal;
    bool on_hold = true;
    for (const auto& p : call.participants())
        for (const auto& m : p->medias) {
            if (!m->rtp)
                continue;
            last_activity = std::max({last_activity, m->rtp->counters().last_packet.load(std::memory_order_relaxed),
                                      m->rtcp->counters().last_packet.load(std::memory_order_relaxed)});
            if (m->recv && !m->sdp_rtp.ip().is_unspecified())
                on_hold = false;
        }
    const int limit = on_hold ? settings_.silent_timeout : settings_.timeout;
    if (limit > 0 && now - last_activity >= limit)
        return on_hold ? &kSilent : &kTimeout;
    return nullptr;
}

void CallTimeouts::check(int64_t now) {
    service_.bury_released();
    for (const auto& call : service_.registry().snapshot()) {
        const Expiry* reason;
        uint64_t packets = 0, bytes = 0;
        {
            std::lock_guard lock(call->mutex());
            reason = expiry_reason(*call, now);
            if (!reason)
                continue;
            for (const auto& p : call->participants())
                for (const auto& m : p->medias)
                    if (m->rtp) {
                        packets += m->rtp->counters().packets.load(std::memory_order_relaxed);
                        bytes += m->rtp->counters().bytes.load(std::memory_order_relaxed);
                    }
        }
        log::ScopedPrefix prefix(call->id());
        RTPE_LOG(core, log::kInfo, "Removing call: %s (%llu RTP packets, %llu bytes relayed)", reason->why,
                 static_cast<unsigned long long>(packets), static_cast<unsigned long long>(bytes));
        service_.destroy(call, reason->termination);
    }
}

}  // namespace rtpe::call
