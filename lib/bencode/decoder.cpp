#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bencode/codec.hpp"
#include "bencode/dict_inserter.hpp"

namespace rtpe::bencode {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A list or dictionary whose closing 'e' has not been seen yet. Children are finished
// before they are moved into their parent, so no frame ever points into another.
struct Frame {
    explicit Frame(bool dictionary) : value(dictionary ? Value::dictionary() : Value::list()) {}

    Value value;
    detail::DictInserter inserter;
    // A dictionary key whose value is still being decoded.
    std::optional<std::string> key;
};

class Decoder {
public:
    explicit Decoder(std::string_view input) : in_(input) {}

    std::optional<Value> run() {
        if (in_.empty())
            return fail("empty input");
        // ng messages nest two or three levels; deeper input grows the stack (to kMaxDepth).
        stack_.reserve(4);
        std::optional<Value> result;
        while (!result) {
            std::optional<Value> done = step();
            if (!error_.empty())
                return std::nullopt;
            if (!done)
                continue;
            if (stack_.empty())
                result = std::move(done);
            else
                attach(std::move(*done));
        }
        if (pos_ != in_.size())
            return fail("trailing data");
        return result;
    }

    const std::string& error() const { return error_; }

private:
    // Consumes one token. Returns a finished value (scalar or just-closed container), or
    // nullopt when a container was opened, a key was read, or an error was recorded.
    std::optional<Value> step() {
        Frame* top = stack_.empty() ? nullptr : &stack_.back();
        if (pos_ == in_.size()) {
            // Empty input was refused up front and a finished top-level value ends the loop,
            // so running out here means a container is still open.
            return fail(top->value.is_dictionary() ? "unterminated dictionary" : "unterminated list");
        }
        const char c = in_[pos_];
        if (top && c == 'e') {
            if (top->key)
                return fail("missing dictionary value");
            ++pos_;
            Value closed = std::move(top->value);
            stack_.pop_back();
            return closed;
        }
        if (top && top->value.is_dictionary() && !top->key) {
            if (!is_digit(c))
                return fail("dictionary key not a string");
            std::optional<std::string> key = read_string();
            if (key)
                top->key = std::move(key);
            return std::nullopt;
        }
        if (c == 'i')
            return read_integer();
        if (is_digit(c)) {
            std::optional<std::string> s = read_string();
            if (!s)
                return std::nullopt;
            return Value::adopt_string(std::move(*s));
        }
        if (c == 'l' || c == 'd') {
            if (stack_.size() == kMaxDepth)
                return fail("nesting too deep");
            ++pos_;
            stack_.emplace_back(c == 'd');
            return std::nullopt;
        }
        return fail("invalid value");
    }

    void attach(Value v) {
        Frame& top = stack_.back();
        if (top.value.is_list()) {
            top.value.push_back(std::move(v));
            return;
        }
        // Duplicate keys: the last value wins but keeps the first key's position, matching
        // Value::set, so a decoded message behaves as if its keys had been set in order.
        top.inserter.insert(top.value.as_dictionary(), std::move(*top.key), std::move(v));
        top.key.reset();
    }

    // i<digits>e: optional single '-', no leading zeros, no "-0", fits int64.
    std::optional<Value> read_integer() {
        ++pos_;  // 'i'
        const bool negative = pos_ < in_.size() && in_[pos_] == '-';
        if (negative)
            ++pos_;
        const std::size_t digits_start = pos_;
        // Magnitude of INT64_MIN is one more than INT64_MAX; unsigned holds both.
        const uint64_t limit = negative ? uint64_t{1} << 63 : std::numeric_limits<int64_t>::max();
        uint64_t magnitude = 0;
        while (pos_ < in_.size() && is_digit(in_[pos_])) {
            const uint64_t digit = static_cast<uint64_t>(in_[pos_] - '0');
            if (magnitude > (limit - digit) / 10)
                return fail("integer overflow");
            magnitude = magnitude * 10 + digit;
            ++pos_;
        }
        if (pos_ == in_.size())
            return fail("truncated integer");
        if (in_[pos_] != 'e')
            return fail("invalid integer");
        const std::size_t ndigits = pos_ - digits_start;
        if (ndigits == 0)
            return fail("empty integer");
        if (in_[digits_start] == '0' && ndigits > 1)
            return fail("leading zero in integer");
        if (negative && magnitude == 0)
            return fail("negative zero");
        ++pos_;  // 'e'
        // Two's-complement negation of the magnitude in unsigned arithmetic is exact for
        // INT64_MIN, which has no positive int64 counterpart.
        const int64_t value = negative ? static_cast<int64_t>(~magnitude + 1) : static_cast<int64_t>(magnitude);
        return Value::integer(value);
    }

    // <len>:<bytes>. The length is compared with the remaining input before any allocation,
    // so a declared length of many gigabytes costs nothing.
    std::optional<std::string> read_string() {
        const std::size_t digits_start = pos_;
        const std::size_t remaining_max = in_.size() - pos_;
        std::size_t len = 0;
        bool longer_than_input = false;
        while (pos_ < in_.size() && is_digit(in_[pos_])) {
            // Saturate instead of overflowing: anything past the input length is an error anyway.
            if (!longer_than_input) {
                len = len * 10 + static_cast<std::size_t>(in_[pos_] - '0');
                longer_than_input = len > remaining_max;
            }
            ++pos_;
        }
        if (pos_ == in_.size())
            return fail("truncated string");
        if (in_[pos_] != ':')
            return fail("invalid string length");
        if (in_[digits_start] == '0' && pos_ - digits_start > 1)
            return fail("leading zero in string length");
        ++pos_;  // ':'
        if (longer_than_input || len > in_.size() - pos_)
            return fail("truncated string");
        std::string s(in_.substr(pos_, len));
        pos_ += len;
        return s;
    }

    std::nullopt_t fail(const char* why) {
        error_ = why;
        return std::nullopt;
    }

    std::string_view in_;
    std::size_t pos_ = 0;
    std::vector<Frame> stack_;
    std::string error_;
};

}  // namespace

std::optional<Value> decode(std::string_view input, std::string* error) {
    Decoder decoder(input);
    std::optional<Value> result = decoder.run();
    if (!result && error)
        *error = decoder.error();
    return result;
}

}  // namespace rtpe::bencode

namespace rtpe::bencode {

std::optional<std::size_t> complete_length(std::string_view in) {
    std::size_t pos = 0;
    std::size_t depth = 0;
    while (pos < in.size()) {
        const char c = in[pos];
        if (c == 'l' || c == 'd') {
            if (++depth > kMaxDepth)
                return std::nullopt;
            ++pos;
        } else if (c == 'e') {
            if (depth == 0)
                return std::nullopt;
            --depth;
            ++pos;
        } else if (c == 'i') {
            const auto end = in.find('e', pos);
            if (end == std::string_view::npos)
                return in.size() - pos > 21 ? std::nullopt : std::optional<std::size_t>(0);
            pos = end + 1;
        } else if (c >= '0' && c <= '9') {
            std::size_t length = 0;
            std::size_t p = pos;
            while (p < in.size() && in[p] >= '0' && in[p] <= '9') {
                length = length * 10 + static_cast<std::size_t>(in[p] - '0');
                if (++p - pos > 18)
                    return std::nullopt;  // no ng message is that long
            }
            if (p == in.size())
                return 0;
            if (in[p] != ':')
                return std::nullopt;
            if (in.size() - (p + 1) < length)
                return 0;
            pos = p + 1 + length;
        } else {
            return std::nullopt;
        }
        if (depth == 0)
            return pos;
    }
    return 0;
}

}  // namespace rtpe::bencode
