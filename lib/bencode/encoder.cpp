#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "bencode/codec.hpp"

namespace rtpe::bencode {

namespace {

void append_integer(int64_t i, std::string& out) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, i);
    out.append(buf, res.ptr);
}

void append_string(std::string_view s, std::string& out) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, s.size());
    out.append(buf, res.ptr);
    out += ':';
    out += s;
}

}  // namespace

// Recursion is bounded in practice: decoded values are capped at kMaxDepth and the replies
// the daemon builds nest only a few levels.
void encode_to(const Value& value, std::string& out) {
    switch (value.type()) {
    case Value::Type::String:
        append_string(value.as_string(), out);
        return;
    case Value::Type::Integer:
        out += 'i';
        append_integer(value.as_integer(), out);
        out += 'e';
        return;
    case Value::Type::List:
        out += 'l';
        for (const Value& item : value.as_list())
            encode_to(item, out);
        out += 'e';
        return;
    case Value::Type::Dictionary:
        // Stored (insertion) order, not sorted: upstream puts reply keys on the wire in the
        // order it adds them, and a decoded message re-encodes byte for byte.
        out += 'd';
        for (const auto& [key, item] : value.as_dictionary()) {
            append_string(key, out);
            encode_to(item, out);
        }
        out += 'e';
        return;
    }
}

std::string encode(const Value& value) {
    std::string out;
    encode_to(value, out);
    return out;
}

}  // namespace rtpe::bencode
