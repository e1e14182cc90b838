#include "daemon/call/call_timeouts.hpp"

#include <algorithm>

#include "util/log.hpp"

namespace rtpe::call {

std::optional<CallTimeouts::Expiry> CallTimeouts::expiry(Call& call, int64_t now) const {
    using stats::EndReason;
    // A delete command asked for this end, the delay only postponed it.
    if (call.delete_at)
        return now >= *call.delete_at ? std::optional<Expiry>({"delete delay expired", EndReason::regular})
                                      : std::nullopt;
    if (settings_.final_timeout > 0 && now - call.created_s >= settings_.final_timeout)
        return Expiry{"final timeout", EndReason::final_timeout};
    if (!call.answered)
        return settings_.offer_timeout > 0 && now - call.created_s >= settings_.offer_timeout
                   ? std::optional<Expiry>({"offer timeout", EndReason::offer_timeout})
                   : std::nullopt;
    int64_t last_activity = call.last_signal;
    bool on_hold = true;
    for (const auto& p : call.participants())
        for (const auto& m : p->medias) {
            if (!m->rtp)
                continue;
            last_activity = std::max({last_activity, m->rtp->counters().last_packet(),
                                      m->rtcp->counters().last_packet()});
            if (m->recv && !m->sdp_rtp.ip().is_unspecified())
                on_hold = false;
        }
    const int limit = on_hold ? settings_.silent_timeout : settings_.timeout;
    if (limit > 0 && now - last_activity >= limit)
        return on_hold ? Expiry{"silent timeout (no media while on hold)", EndReason::silent_timeout}
                       : Expiry{"timeout (no media)", EndReason::timeout};
    return std::nullopt;
}

void CallTimeouts::check(int64_t now) {
    service_.bury_released();
    service_.kick_workers();
    for (const auto& call : service_.registry().snapshot()) {
        std::optional<Expiry> why;
        uint64_t packets = 0, bytes = 0;
        std::vector<XmlrpcCall> notifications;
        {
            std::lock_guard lock(call->mutex());
            why = expiry(*call, now);
            if (!why)
                continue;
            // Upstream tells the B2BUA about media timeouts only: a final timeout or an
            // expired delete delay goes without a notification.
            const bool media_timeout = why->reason == stats::EndReason::timeout ||
                                       why->reason == stats::EndReason::silent_timeout ||
                                       why->reason == stats::EndReason::offer_timeout;
            if (notifier_ && media_timeout)
                notifications = timeout_notifications(*call, url_, format_);
            for (const auto& p : call->participants())
                for (const auto& m : p->medias)
                    if (m->rtp) {
                        packets += m->rtp->counters().packets();
                        bytes += m->rtp->counters().bytes();
                    }
        }
        log::ScopedPrefix prefix(call->id());
        RTPE_LOG(core, log::kInfo, "Removing call: %s (%llu RTP packets, %llu bytes relayed)", why->text,
                 static_cast<unsigned long long>(packets), static_cast<unsigned long long>(bytes));
        service_.destroy(call, why->reason);
        if (!notifications.empty())
            notifier_->enqueue(std::move(notifications));
    }
}

}  // namespace rtpe::call
