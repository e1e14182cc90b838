#pragma once
// Ends calls that outlived their welcome: no media (--timeout), no media while on hold
// (--silent-timeout), too old (--final-timeout), never answered (--offer-timeout), and
// deleted calls whose delete delay ran out. Runs once a second on the control thread.

#include <cstdint>

#include "daemon/call/call_service.hpp"

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

    struct Expiry {
        const char* why;          // for the log line
        const char* termination;  // for the CDR, in upstream's words
    };

private:
    // Why the call has to go now, or nullptr.
    const Expiry* expiry_reason(Call& call, int64_t now) const;

    CallService& service_;
    TimeoutSettings settings_;
};

}  // namespace rtpe::call
