#pragma once
// The call a request's call-id names, for the commands that act on an existing call only
// (publish/subscribe, the media commands): found or refused with upstream's reasons, and
// held locked, with its id before every log line, for as long as the operation runs.

#include <memory>
#include <mutex>

#include "daemon/call/call.hpp"
#include "daemon/call/call_error.hpp"
#include "daemon/call/call_registry.hpp"
#include "daemon/call/call_request.hpp"
#include "util/log.hpp"

namespace rtpe::call {

class LockedCall {
public:
    LockedCall(CallRegistry& registry, const CallRequest& request)
        : call_(find(registry, request)), lock_(call_->mutex()), prefix_(call_->id()) {}
    Call& operator*() const { return *call_; }
    Call* operator->() const { return call_.get(); }

private:
    static std::shared_ptr<Call> find(CallRegistry& registry, const CallRequest& request) {
        if (request.call_id.empty())
            throw CallError("No call-id in message");
        auto call = registry.find(request.call_id);
        if (!call)
            throw CallError("Unknown call-ID");
        return call;
    }
    std::shared_ptr<Call> call_;
    std::lock_guard<std::mutex> lock_;
    log::ScopedPrefix prefix_;
};

}  // namespace rtpe::call
