#include "daemon/call/call_registry.hpp"

namespace rtpe::call {

std::shared_ptr<Call> CallRegistry::find(const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto it = calls_.find(id);
    return it == calls_.end() ? nullptr : it->second;
}

std::shared_ptr<Call> CallRegistry::find_or_create(const std::string& id, bool* created) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = calls_.try_emplace(id);
    if (inserted)
        it->second = std::make_shared<Call>(id);
    if (created)
        *created = inserted;
    return it->second;
}

std::shared_ptr<Call> CallRegistry::remove(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = calls_.find(id);
    if (it == calls_.end())
        return nullptr;
    auto call = std::move(it->second);
    calls_.erase(it);
    return call;
}

std::vector<std::shared_ptr<Call>> CallRegistry::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<Call>> out;
    out.reserve(calls_.size());
    for (const auto& [id, call] : calls_)
        out.push_back(call);
    return out;
}

std::size_t CallRegistry::size() const {
    std::lock_guard lock(mutex_);
    return calls_.size();
}

}  // namespace rtpe::call
