#include "bencode/value.hpp"

namespace rtpe::bencode {

const Value* Value::find(std::string_view key) const {
    if (!is_dictionary())
        return nullptr;
    for (const auto& [k, v] : as_dictionary())
        if (k == key)
            return &v;
    return nullptr;
}

Value* Value::find(std::string_view key) {
    return const_cast<Value*>(std::as_const(*this).find(key));
}

const std::string* Value::find_string(std::string_view key) const {
    const Value* v = find(key);
    return v && v->is_string() ? &v->as_string() : nullptr;
}

Value& Value::set(std::string_view key, Value v) {
    if (Value* existing = find(key)) {
        *existing = std::move(v);
        return *existing;
    }
    auto& dict = as_dictionary();
    dict.emplace_back(std::string(key), std::move(v));
    return dict.back().second;
}

Value Value::list(std::size_t capacity) {
    List l;
    l.reserve(capacity);
    return Value(std::move(l));
}

Value Value::dictionary(std::size_t capacity) {
    Dictionary d;
    d.reserve(capacity);
    return Value(std::move(d));
}

Value& Value::append(std::string_view key, Value v) {
    auto& dict = as_dictionary();
    dict.emplace_back(std::string(key), std::move(v));
    return dict.back().second;
}

Value& Value::push_back(Value v) {
    auto& list = as_list();
    list.push_back(std::move(v));
    return list.back();
}

}  // namespace rtpe::bencode
