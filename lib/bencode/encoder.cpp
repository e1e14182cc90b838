#include <cstdint>
#include <string>
#include <string_view>

#include "bencode/codec.hpp"
#include "bencode/writer.hpp"

namespace rtpe::bencode {

namespace {

// Recursion is bounded in practice: decoded values are capped at kMaxDepth and the replies
// the daemon builds nest only a few levels.
void write_value(const Value& value, Writer& writer) {
    switch (value.type()) {
    case Value::Type::String:
        writer.string(value.as_string());
        return;
    case Value::Type::Integer:
        writer.integer(value.as_integer());
        return;
    case Value::Type::Encoded:
        writer.encoded(value.as_encoded());
        return;
    case Value::Type::List:
        writer.list();
        for (const Value& item : value.as_list())
            write_value(item, writer);
        writer.end();
        return;
    case Value::Type::Dictionary:
        // Stored (insertion) order, not sorted: upstream puts reply keys on the wire in the
        // order it adds them, and a decoded message re-encodes byte for byte.
        writer.dict();
        for (const auto& [key, item] : value.as_dictionary()) {
            writer.key(key);
            write_value(item, writer);
        }
        writer.end();
        return;
    }
}

}  // namespace

void encode_to(const Value& value, std::string& out) {
    Writer writer(out);
    write_value(value, writer);
}

namespace {
std::size_t decimal_digits(uint64_t n) {
    std::size_t digits = 1;
    while (n >= 10) {
        n /= 10;
        ++digits;
    }
    return digits;
}

std::size_t string_size(std::size_t length) {
    return decimal_digits(length) + 1 + length;
}
}  // namespace

std::size_t encoded_size(const Value& value) {
    switch (value.type()) {
    case Value::Type::String:
        return string_size(value.as_string().size());
    case Value::Type::Integer: {
        const int64_t i = value.as_integer();
        const uint64_t magnitude = i < 0 ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
        return 2 + (i < 0 ? 1 : 0) + decimal_digits(magnitude);
    }
    case Value::Type::Encoded:
        return value.as_encoded().size();
    case Value::Type::List: {
        std::size_t size = 2;
        for (const Value& item : value.as_list())
            size += encoded_size(item);
        return size;
    }
    case Value::Type::Dictionary: {
        std::size_t size = 2;
        for (const auto& [key, item] : value.as_dictionary())
            size += string_size(key.size()) + encoded_size(item);
        return size;
    }
    }
    return 0;
}

std::string encode(const Value& value) {
    std::string out;
    encode_to(value, out);
    return out;
}

}  // namespace rtpe::bencode
