#pragma once
// Every live call by call-id.

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/call/call.hpp"

namespace rtpe::call {

class CallRegistry {
public:
    std::shared_ptr<Call> find(const std::string& id) const;
    // The call with this id, created when absent; created tells which.
    std::shared_ptr<Call> find_or_create(const std::string& id, bool* created = nullptr);
    // Removes the call from the registry; it is destroyed when its last user lets go.
    std::shared_ptr<Call> remove(const std::string& id);
    std::vector<std::shared_ptr<Call>> snapshot() const;
    std::size_t size() const;

private:
    mutable std::mutex mutex_;  // guards calls_ only; never held while a call is locked
    std::unordered_map<std::string, std::shared_ptr<Call>> calls_;
};

}  // namespace rtpe::call
