#pragma once
// Ends calls that outlived their welcome: no media (--timeout), no media while on hold
// (--silent-timeout), too old (--final-timeout), never answered (--offer-timeout), and
// deleted calls whose delete delay ran out. Runs once a second on the control thread.

#include <cstdint>
#include <optional>
#include <string>

#include "daemon/call/call_service.hpp"
#include "daemon/call/timeout_notifier.hpp"

namespace rtpe::call {

struct TimeoutSettings {
    int timeout = 60;
    int silent_timeout = 3600;
    int final_timeout = 0;
    int offer_timeout = 3600;
};

class CallTimeouts {
public:
    CallTimeouts(CallService& service, TimeoutSettings settings) : service_(service), settings_(settings) {}

    // Checks every call against the clock (wall-clock seconds).
    void check(int64_t now);

    // The CLI's get/set; it runs on the control thread, as check() does.
    TimeoutSettings& settings() { return settings_; }

    // --b2b-url: calls ended for lack of media (not the final timeout, not a delete) are
    // reported through notifier, as upstream does. Set before the first check().
    void notify_through(TimeoutNotifier* notifier, std::string url, XmlrpcFormat format) {
        notifier_ = notifier;
        url_ = std::move(url);
        format_ = format;
    }

private:
    struct Expiry {
        const char* text;  // for the log line
        stats::EndReason reason;
    };
    // Why the call has to go now, if it has to.
    std::optional<Expiry> expiry(Call& call, int64_t now) const;

    CallService& service_;
    TimeoutSettings settings_;
    TimeoutNotifier* notifier_ = nullptr;
    std::string url_;
    XmlrpcFormat format_ = XmlrpcFormat::sems;
};

}  // namespace rtpe::call
