#include "sdp/session.hpp"

#include <algorithm>
#include <iterator>

namespace rtpe::sdp {

namespace {

struct Span {
    std::size_t pos = 0;
    std::size_t len = 0;
};

// Where field index sits in value, so an edit can leave the rest of the line, spacing
// included, as the endpoint wrote it.
std::optional<Span> field_span(std::string_view value, std::size_t index) {
    std::size_t pos = 0;
    std::size_t n = 0;
    while (pos < value.size()) {
        if (value[pos] == ' ') {
            ++pos;
            continue;
        }
        const std::size_t end = std::min(value.find(' ', pos), value.size());
        if (n++ == index)
            return Span{pos, end - pos};
        pos = end;
    }
    return std::nullopt;
}

void replace_field(std::string& value, std::size_t index, std::string_view text) {
    if (const auto span = field_span(value, index))
        value.replace(span->pos, span->len, text);
}

bool attribute_name_is(const Line& line, std::string_view name) {
    if (line.type != 'a')
        return false;
    const std::string_view v = line.value;
    return v.starts_with(name) && (v.size() == name.size() || v[name.size()] == ':');
}

bool is_direction_line(const Line& line) {
    return line.type == 'a' && parse_direction(line.value).has_value();
}

}  // namespace

const Line* Section::find_line(char type) const {
    const auto it = std::find_if(lines_.begin(), lines_.end(), [type](const Line& l) { return l.type == type; });
    return it == lines_.end() ? nullptr : &*it;
}

std::vector<Attribute> Section::attributes() const {
    std::vector<Attribute> out;
    for (const auto& line : lines_)
        if (line.type == 'a')
            out.push_back(parse_attribute(line.value));
    return out;
}

std::optional<Attribute> Section::attribute(std::string_view name) const {
    for (const auto& line : lines_)
        if (attribute_name_is(line, name))
            return parse_attribute(line.value);
    return std::nullopt;
}

std::vector<Attribute> Section::attributes(std::string_view name) const {
    std::vector<Attribute> out;
    for (const auto& line : lines_)
        if (attribute_name_is(line, name))
            out.push_back(parse_attribute(line.value));
    return out;
}

std::vector<Line>::iterator Section::find_attribute_line(std::string_view name) {
    return std::find_if(lines_.begin(), lines_.end(), [name](const Line& l) { return attribute_name_is(l, name); });
}

void Section::insert_line(std::size_t pos, char type, std::string value) {
    lines_.insert(lines_.begin() + static_cast<std::ptrdiff_t>(pos), Line{type, std::move(value), new_line_ending_});
}

void Section::set_attribute(std::string_view name, std::optional<std::string_view> value) {
    std::string text = format_attribute(name, value);
    const auto first = find_attribute_line(name);
    if (first == lines_.end()) {
        insert_line(lines_.size(), 'a', std::move(text));
        return;
    }
    first->value = std::move(text);
    lines_.erase(std::remove_if(std::next(first), lines_.end(), [name](const Line& l) { return attribute_name_is(l, name); }),
                 lines_.end());
}

void Section::add_attribute(std::string_view name, std::optional<std::string_view> value) {
    insert_line(lines_.size(), 'a', format_attribute(name, value));
}

std::size_t Section::remove_attributes(std::string_view name) {
    return std::erase_if(lines_, [name](const Line& l) { return attribute_name_is(l, name); });
}

std::optional<Connection> Section::connection() const {
    const Line* line = find_line('c');
    return line ? parse_connection(line->value) : std::nullopt;
}

void Section::set_connection(const Connection& connection) {
    const auto it = std::find_if(lines_.begin(), lines_.end(), [](const Line& l) { return l.type == 'c'; });
    if (it != lines_.end()) {
        it->value = format_connection(connection);
        return;
    }
    // RFC 8866 fixes the order: c= comes after v o s i u e p at session level and after
    // m i in a media section, before everything else.
    const std::string_view after_c = is_media_ ? "bka" : "btrzka";
    const std::size_t start = is_media_ ? 1 : 0;
    std::size_t pos = start;
    while (pos < lines_.size() && after_c.find(lines_[pos].type) == std::string_view::npos)
        ++pos;
    insert_line(pos, 'c', format_connection(connection));
}

bool Section::remove_connection() {
    return std::erase_if(lines_, [](const Line& l) { return l.type == 'c'; }) > 0;
}

std::optional<Direction> Section::direction() const {
    for (const auto& line : lines_)
        if (line.type == 'a')
            if (const auto d = parse_direction(line.value))
                return d;
    return std::nullopt;
}

void Section::set_direction(Direction direction) {
    const std::string name(direction_name(direction));
    const auto first = std::find_if(lines_.begin(), lines_.end(), is_direction_line);
    if (first == lines_.end()) {
        insert_line(lines_.size(), 'a', name);
        return;
    }
    first->value = name;
    lines_.erase(std::remove_if(std::next(first), lines_.end(), is_direction_line), lines_.end());
}

std::optional<Rtcp> Section::rtcp() const {
    const auto a = attribute("rtcp");
    return a && a->value ? parse_rtcp(*a->value) : std::nullopt;
}

MediaDescription MediaSection::media() const {
    return parse_media(lines_.front().value).value_or(MediaDescription{});
}

uint16_t MediaSection::port() const {
    const std::string_view value = lines_.front().value;
    const auto span = field_span(value, 1);
    return span ? parse_media_port(value.substr(span->pos, span->len)).value_or(0) : 0;
}

void MediaSection::set_port(uint16_t port) {
    std::string& value = lines_.front().value;
    const auto span = field_span(value, 1);
    if (!span)
        return;
    // Only the digits before a "/count" change.
    const std::string_view field = std::string_view(value).substr(span->pos, span->len);
    const std::size_t digits = std::min(field.find('/'), field.size());
    value.replace(span->pos, digits, std::to_string(port));
}

void MediaSection::set_proto(std::string_view proto) {
    replace_field(lines_.front().value, 2, proto);
}

std::optional<Rtpmap> MediaSection::rtpmap(std::string_view payload_type) const {
    for (const auto& a : attributes("rtpmap"))
        if (a.value)
            if (auto r = parse_rtpmap(*a.value); r && r->payload_type == payload_type)
                return r;
    return std::nullopt;
}

std::optional<Fmtp> MediaSection::fmtp(std::string_view format) const {
    for (const auto& a : attributes("fmtp"))
        if (a.value)
            if (auto f = parse_fmtp(*a.value); f && f->format == format)
                return f;
    return std::nullopt;
}

Origin Session::origin() const {
    const Line* line = session_.find_line('o');
    return line ? parse_origin(line->value).value_or(Origin{}) : Origin{};
}

void Session::set_origin_address(std::string_view addr_type, std::string_view address) {
    // The parser guarantees exactly one well-formed o= line.
    for (auto& line : session_.lines_) {
        if (line.type != 'o')
            continue;
        replace_field(line.value, 4, addr_type);
        replace_field(line.value, 5, address);
        return;
    }
}

void Session::set_origin_version(std::string_view version) {
    for (auto& line : session_.lines_) {
        if (line.type == 'o') {
            replace_field(line.value, 2, version);
            return;
        }
    }
}

void Session::set_origin_username(std::string_view username) {
    for (auto& line : session_.lines_) {
        if (line.type == 'o') {
            replace_field(line.value, 0, username);
            return;
        }
    }
}

std::string Session::session_name() const {
    for (const auto& line : session_.lines_)
        if (line.type == 's')
            return line.value;
    return {};
}

void Session::set_session_name(std::string_view name) {
    for (auto& line : session_.lines_) {
        if (line.type == 's') {
            line.value = std::string(name);
            return;
        }
    }
}

std::optional<Connection> Session::connection(std::size_t media_index) const {
    if (media_index < media_.size())
        if (auto c = media_[media_index].connection())
            return c;
    return session_.connection();
}

Direction Session::direction(std::size_t media_index) const {
    if (media_index < media_.size())
        if (const auto d = media_[media_index].direction())
            return *d;
    return session_.direction().value_or(Direction::sendrecv);
}

}  // namespace rtpe::sdp
