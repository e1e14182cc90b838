#pragma once
// Writes bencode straight into a string, for replies too large to be worth a Value tree
// (a call's report is a few hundred tokens, each of which would be an allocation).
// The caller keeps the structure balanced: every dict()/list() gets its end().

#include <cstdint>
#include <string>
#include <string_view>

namespace rtpe::bencode {

class Writer {
public:
    explicit Writer(std::string& out) : out_(out) {}

    Writer& dict() { return put('d'); }
    Writer& list() { return put('l'); }
    Writer& end() { return put('e'); }
    Writer& string(std::string_view s);
    Writer& integer(int64_t i);

    // Dictionary entries: key then value.
    Writer& key(std::string_view k) { return string(k); }
    Writer& entry(std::string_view k, std::string_view v) { return key(k).string(v); }
    Writer& integer_entry(std::string_view k, int64_t v) { return key(k).integer(v); }

private:
    Writer& put(char c) {
        out_ += c;
        return *this;
    }

    std::string& out_;
};

}  // namespace rtpe::bencode
