#pragma once
// One tree type for ng dictionaries, whichever wire format (bencode or JSON) carried them.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace rtpe::bencode {

class Value {
public:
    enum class Type { String, Integer, List, Dictionary, Encoded };
    using List = std::vector<Value>;
    // Insertion order is kept: upstream writes reply keys in the order it adds them.
    using Dictionary = std::vector<std::pair<std::string, Value>>;

    Value() : data_(std::string{}) {}
    static Value string(std::string_view s) { return Value(std::string(s)); }
    // Takes over s without copying it (decoders hand over what they have just read).
    static Value adopt_string(std::string s) { return Value(std::move(s)); }
    static Value integer(int64_t i) { return Value(i); }
    // capacity: entries to reserve room for, when the caller knows.
    static Value list(std::size_t capacity = 0);
    static Value dictionary(std::size_t capacity = 0);
    // One value already written as bencode (see Writer), spliced into the output as is;
    // the JSON encoder decodes it first. It compares equal only to the same text.
    static Value encoded(std::string bencode) { return Value(Encoded{std::move(bencode)}); }

    Type type() const { return static_cast<Type>(data_.index()); }
    bool is_string() const { return type() == Type::String; }
    bool is_integer() const { return type() == Type::Integer; }
    bool is_list() const { return type() == Type::List; }
    bool is_dictionary() const { return type() == Type::Dictionary; }

    // Accessors require the matching type (checked with std::get, which throws).
    const std::string& as_string() const { return std::get<std::string>(data_); }
    int64_t as_integer() const { return std::get<int64_t>(data_); }
    const List& as_list() const { return std::get<List>(data_); }
    List& as_list() { return std::get<List>(data_); }
    const Dictionary& as_dictionary() const { return std::get<Dictionary>(data_); }
    Dictionary& as_dictionary() { return std::get<Dictionary>(data_); }
    const std::string& as_encoded() const { return std::get<Encoded>(data_).text; }

    // Dictionary lookup; nullptr when this is not a dictionary or the key is absent.
    const Value* find(std::string_view key) const;
    Value* find(std::string_view key);
    // The string under key, or nullptr when absent or not a string.
    const std::string* find_string(std::string_view key) const;

    // Dictionary insert: replaces an existing key in place, else appends. Returns the stored value.
    Value& set(std::string_view key, Value v);
    Value& set(std::string_view key, std::string_view s) { return set(key, string(s)); }
    Value& set(std::string_view key, const char* s) { return set(key, string(s)); }
    Value& set_integer(std::string_view key, int64_t i) { return set(key, integer(i)); }
    // Dictionary insert of a key the caller knows is not there yet: no search.
    Value& append(std::string_view key, Value v);
    Value& append(std::string_view key, std::string_view s) { return append(key, string(s)); }
    Value& append(std::string_view key, const char* s) { return append(key, string(s)); }
    Value& append_integer(std::string_view key, int64_t i) { return append(key, integer(i)); }
    // List append. Returns the stored value.
    Value& push_back(Value v);

    bool operator==(const Value& other) const = default;

private:
    struct Encoded {
        std::string text;
        bool operator==(const Encoded&) const = default;
    };

    explicit Value(std::string s) : data_(std::move(s)) {}
    explicit Value(int64_t i) : data_(i) {}
    explicit Value(List l) : data_(std::move(l)) {}
    explicit Value(Dictionary d) : data_(std::move(d)) {}
    explicit Value(Encoded e) : data_(std::move(e)) {}

    // Order matches Type.
    std::variant<std::string, int64_t, List, Dictionary, Encoded> data_;
};

}  // namespace rtpe::bencode
