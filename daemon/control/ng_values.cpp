#include "daemon/control/ng_values.hpp"

#include "util/parse.hpp"

namespace rtpe::control {

std::string string_of(const bencode::Value& dict, std::string_view key) {
    const bencode::Value* v = dict.find(key);
    if (!v)
        return {};
    if (v->is_string())
        return v->as_string();
    if (v->is_integer())
        return std::to_string(v->as_integer());
    return {};
}

std::vector<std::string> strings_of(const bencode::Value& dict, std::string_view key) {
    std::vector<std::string> out;
    const bencode::Value* v = dict.find(key);
    if (!v)
        return out;
    if (v->is_string()) {
        out.push_back(v->as_string());
    } else if (v->is_list()) {
        for (const auto& item : v->as_list())
            if (item.is_string())
                out.push_back(item.as_string());
    }
    return out;
}

std::optional<int64_t> integer_of(const bencode::Value& dict, std::string_view key) {
    const bencode::Value* v = dict.find(key);
    if (!v)
        return std::nullopt;
    if (v->is_integer())
        return v->as_integer();
    if (v->is_string())
        return parse_int(v->as_string());
    return std::nullopt;
}

}  // namespace rtpe::control
