#include "json/json_codec.hpp"

#include <charconv>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bencode/codec.hpp"
#include "bencode/dict_inserter.hpp"

namespace rtpe::json {

namespace {

using bencode::Value;
using nlohmann::json;

// Builds the Value tree straight from parser events: no intermediate nlohmann DOM, and the
// depth limit applies while parsing rather than after a deep document is already in memory.
// nlohmann's parser keeps its own nesting state on the heap, so it does not recurse either.
class Handler {
public:
    Handler() { stack_.reserve(4); }

    bool null() { return add(Value::string("")); }
    bool boolean(bool b) { return add(Value::string(b ? "true" : "false")); }
    bool number_integer(json::number_integer_t i) { return add(Value::integer(i)); }
    bool number_unsigned(json::number_unsigned_t u) {
        if (u > static_cast<json::number_unsigned_t>(std::numeric_limits<int64_t>::max()))
            return fail("integer overflow");
        return add(Value::integer(static_cast<int64_t>(u)));
    }
    bool number_float(json::number_float_t d, const json::string_t& text) {
        // nlohmann hands integers outside the 64-bit ranges over as floats; keep them
        // consistent with the unsigned case above instead of silently losing precision.
        if (text.find_first_of(".eE") == std::string::npos)
            return fail("integer overflow");
        char buf[32];
        const auto res = std::to_chars(buf, buf + sizeof buf, d);
        return add(Value::string(std::string_view(buf, static_cast<std::size_t>(res.ptr - buf))));
    }
    bool string(json::string_t& s) { return add(Value::adopt_string(std::move(s))); }
    bool binary(json::binary_t&) { return fail("unexpected binary value"); }

    bool start_object(std::size_t) { return open(Value::dictionary()); }
    bool key(json::string_t& k) {
        stack_.back().key = std::move(k);
        return true;
    }
    bool end_object() { return close(); }
    bool start_array(std::size_t) { return open(Value::list()); }
    bool end_array() { return close(); }

    // position is nlohmann's count of bytes read, i.e. the 1-based offset of the offending byte.
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
        error_ = "invalid JSON at byte " + std::to_string(position);
        if (ex.id == 406) {
            error_ += ": number out of range";
            return false;
        }
        // nlohmann's text is "... syntax error while parsing X - REASON; last read: 'TOKEN'".
        // Keep only REASON: the token echoes raw input of any length.
        const std::string_view what = ex.what();
        const std::size_t dash = what.find(" - ");
        if (dash != std::string_view::npos) {
            const std::string_view reason = what.substr(dash + 3);
            error_ += ": ";
            error_ += reason.substr(0, reason.find(';'));
        }
        return false;
    }

    std::optional<Value> take_result() { return std::move(result_); }
    std::string& error() { return error_; }

private:
    struct Frame {
        Value value;
        bencode::detail::DictInserter inserter;
        std::string key;
    };

    bool add(Value v) {
        if (stack_.empty()) {
            result_ = std::move(v);
            return true;
        }
        Frame& top = stack_.back();
        if (top.value.is_list()) {
            top.value.push_back(std::move(v));
        } else {
            // Duplicate keys: the last value wins at the first key's position, as in the
            // bencode decoder and Value::set.
            top.inserter.insert(top.value.as_dictionary(), std::move(top.key), std::move(v));
        }
        return true;
    }

    bool open(Value container) {
        if (stack_.size() == bencode::kMaxDepth)
            return fail("nesting too deep");
        stack_.push_back(Frame{std::move(container), {}, {}});
        return true;
    }

    bool close() {
        Value done = std::move(stack_.back().value);
        stack_.pop_back();
        return add(std::move(done));
    }

    bool fail(const char* why) {
        error_ = why;
        return false;
    }

    std::vector<Frame> stack_;
    std::optional<Value> result_;
    std::string error_;
};

void append_string(const std::string& s, std::string& out) {
    // The replace handler turns bytes that are not valid UTF-8 into U+FFFD instead of throwing.
    out += json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

// Recursion is bounded in practice: decoded values are capped at kMaxDepth and the replies
// the daemon builds nest only a few levels.
void write_value(const Value& value, std::string& out) {
    switch (value.type()) {
    case Value::Type::String:
        append_string(value.as_string(), out);
        return;
    case Value::Type::Integer: {
        char buf[24];
        const auto res = std::to_chars(buf, buf + sizeof buf, value.as_integer());
        out.append(buf, static_cast<std::size_t>(res.ptr - buf));
        return;
    }
    case Value::Type::List: {
        out += '[';
        bool first = true;
        for (const Value& item : value.as_list()) {
            if (!first)
                out += ',';
            first = false;
            write_value(item, out);
        }
        out += ']';
        return;
    }
    case Value::Type::Encoded: {
        // Only the daemon's own writers produce these, so they always decode.
        const auto decoded = bencode::decode(value.as_encoded());
        write_value(decoded ? *decoded : Value(), out);
        return;
    }
    case Value::Type::Dictionary: {
        // Insertion order, like the bencode encoder; nlohmann's own object type would sort.
        out += '{';
        bool first = true;
        for (const auto& [key, item] : value.as_dictionary()) {
            if (!first)
                out += ',';
            first = false;
            append_string(key, out);
            out += ':';
            write_value(item, out);
        }
        out += '}';
        return;
    }
    }
}

}  // namespace

std::optional<Value> decode(std::string_view input, std::string* error) {
    // nlohmann's lexer takes a NUL byte for the end of input, which would accept "{}\0junk".
    // A raw NUL is never valid JSON (inside strings it must be escaped), so refuse it here.
    if (const std::size_t nul = input.find('\0'); nul != std::string_view::npos) {
        if (error)
            *error = "invalid JSON at byte " + std::to_string(nul + 1) + ": NUL byte";
        return std::nullopt;
    }
    Handler handler;
    bool ok = false;
    try {
        ok = json::sax_parse(input.begin(), input.end(), &handler);
    } catch (const std::exception& e) {
        // The SAX path reports syntax errors through parse_error; anything thrown is
        // exceptional (allocation failure), but decode promises not to throw.
        handler.error() = std::string("JSON parser failed: ") + e.what();
    }
    if (!ok) {
        if (error)
            *error = std::move(handler.error());
        return std::nullopt;
    }
    return handler.take_result();
}

std::string encode(const Value& value) {
    std::string out;
    write_value(value, out);
    return out;
}

}  // namespace rtpe::json
