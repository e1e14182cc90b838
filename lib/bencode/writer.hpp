#pragma once
// Writes bencode straight into a string, for replies too large to be worth a Value tree
// (a call's report is a few hundred tokens, each of which would be an allocation).
// The caller keeps the structure balanced: every dict()/list() gets its end().
//
// While a Writer lives, out holds spare room after the bytes written so far (tokens are
// copied into it without the bookkeeping of std::string appends); the Writer's end of
// life cuts that off. Use out only after the Writer is gone.

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace rtpe::bencode {

class Writer {
public:
    explicit Writer(std::string& out) : out_(out), used_(out.size()) {}
    ~Writer() { out_.resize(used_); }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    Writer& dict() { return put('d'); }
    Writer& list() { return put('l'); }
    Writer& end() { return put('e'); }
    Writer& string(std::string_view s) {
        char* at = room(kMaxHead + s.size());
        char* colon = std::to_chars(at, at + kMaxHead, s.size()).ptr;
        *colon = ':';
        std::memcpy(colon + 1, s.data(), s.size());
        used_ += static_cast<std::size_t>(colon + 1 - at) + s.size();
        return *this;
    }
    Writer& integer(int64_t i) {
        char* at = room(kMaxHead);
        *at = 'i';
        char* e = std::to_chars(at + 1, at + kMaxHead, i).ptr;
        *e = 'e';
        used_ += static_cast<std::size_t>(e + 1 - at);
        return *this;
    }
    // Bytes that already are bencode (a value encoded earlier).
    Writer& encoded(std::string_view bencode) {
        std::memcpy(room(bencode.size()), bencode.data(), bencode.size());
        used_ += bencode.size();
        return *this;
    }

    // Dictionary entries: key then value.
    Writer& key(std::string_view k) { return string(k); }
    Writer& entry(std::string_view k, std::string_view v) { return key(k).string(v); }
    Writer& integer_entry(std::string_view k, int64_t v) { return key(k).integer(v); }

private:
    // Where the next n bytes go; grows out geometrically.
    char* room(std::size_t n) {
        if (out_.size() - used_ < n)
            out_.resize(std::max(2 * out_.size(), used_ + n + kMinimumRoom));
        return out_.data() + used_;
    }
    Writer& put(char c) {
        *room(1) = c;
        ++used_;
        return *this;
    }

    // Longest token head: 20 digits of a length and ':', or 'i', a sign, 19 digits and 'e'.
    static constexpr std::size_t kMaxHead = 24;
    static constexpr std::size_t kMinimumRoom = 256;
    std::string& out_;
    std::size_t used_;
};

}  // namespace rtpe::bencode
