#pragma once
// Dictionary assembly shared by the bencode and JSON decoders (internal, not part of the codec API).

#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>

#include "bencode/value.hpp"

namespace rtpe::bencode::detail {

// Adds decoded entries to one dictionary under construction. A repeated key keeps its first
// position and takes the last value, exactly like Value::set. Value::set scans linearly, so a
// loop of it over untrusted input with many thousands of distinct keys would be quadratic;
// past a handful of entries this switches to a hash index instead.
class DictInserter {
public:
    void insert(Value::Dictionary& dict, std::string key, Value value) {
        if (dict.size() < kIndexThreshold) {
            for (auto& [k, v] : dict) {
                if (k == key) {
                    v = std::move(value);
                    return;
                }
            }
        } else {
            if (index_.empty()) {
                for (std::size_t i = 0; i < dict.size(); ++i)
                    index_.emplace(dict[i].first, i);
            }
            auto [it, inserted] = index_.try_emplace(key, dict.size());
            if (!inserted) {
                dict[it->second].second = std::move(value);
                return;
            }
        }
        dict.emplace_back(std::move(key), std::move(value));
    }

private:
    // ng dictionaries carry a dozen keys or so; below this a scan beats hashing.
    static constexpr std::size_t kIndexThreshold = 16;

    std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace rtpe::bencode::detail
