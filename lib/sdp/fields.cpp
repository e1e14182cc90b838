#include "sdp/fields.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include "net/address.hpp"

namespace rtpe::sdp {

namespace {

template <typename T>
std::optional<T> fail(std::string* error, std::string_view reason) {
    if (error)
        *error = reason;
    return std::nullopt;
}

// Strict unsigned decimal: digits only, no sign, at most max.
std::optional<uint32_t> parse_decimal(std::string_view text, uint32_t max) {
    if (text.empty() || text.size() > 10)
        return std::nullopt;
    uint64_t n = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    if (n > max)
        return std::nullopt;
    return static_cast<uint32_t>(n);
}

// The fields of one line as views into it. Lines are parsed on every look at them, so
// the common short ones must not cost an allocation; long format lists spill over.
class Fields {
public:
    void push_back(std::string_view field) {
        if (size_ < kInline)
            inline_[size_] = field;
        else
            overflow_.push_back(field);
        ++size_;
    }
    std::size_t size() const { return size_; }
    std::string_view operator[](std::size_t i) const { return i < kInline ? inline_[i] : overflow_[i - kInline]; }

private:
    static constexpr std::size_t kInline = 16;
    std::array<std::string_view, kInline> inline_;
    std::vector<std::string_view> overflow_;
    std::size_t size_ = 0;
};

// SDP separates fields with one space, but some endpoints add trailing ones.
Fields split_fields(std::string_view value) {
    Fields fields;
    std::size_t pos = 0;
    while (pos < value.size()) {
        if (value[pos] == ' ') {
            ++pos;
            continue;
        }
        const std::size_t end = std::min(value.find(' ', pos), value.size());
        fields.push_back(value.substr(pos, end - pos));
        pos = end;
    }
    return fields;
}

// "/ttl/count" for IP4 multicast, "/count" for IP6 (RFC 8866 5.7); other address types
// get the IP4 shape since nothing narrower is known about them.
bool valid_connection_suffix(std::string_view suffix, bool ip6) {
    if (suffix.empty())
        return true;
    std::size_t parts = 0;
    while (!suffix.empty()) {
        if (suffix.front() != '/')
            return false;
        suffix.remove_prefix(1);
        const std::size_t end = suffix.find('/');
        if (!parse_decimal(suffix.substr(0, end), std::numeric_limits<uint16_t>::max()))
            return false;
        suffix.remove_prefix(end == std::string_view::npos ? suffix.size() : end);
        ++parts;
    }
    return parts <= (ip6 ? 1u : 2u);
}

}  // namespace

bool Connection::is_hold() const {
    const auto ip = net::IpAddress::parse(address);
    return ip && ip->is_unspecified();
}

std::optional<Origin> parse_origin(std::string_view value, std::string* error) {
    const auto f = split_fields(value);
    if (f.size() != 6)
        return fail<Origin>(error, "invalid o= line (expected 6 fields)");
    return Origin{std::string(f[0]), std::string(f[1]), std::string(f[2]),
                  std::string(f[3]), std::string(f[4]), std::string(f[5])};
}

std::optional<Connection> parse_connection(std::string_view value, std::string* error) {
    const auto f = split_fields(value);
    if (f.size() != 3)
        return fail<Connection>(error, "invalid c= line (expected <nettype> <addrtype> <address>)");
    Connection c;
    c.net_type = f[0];
    c.addr_type = f[1];
    const std::string_view addr = f[2];
    const std::size_t slash = addr.find('/');
    c.address = addr.substr(0, slash);
    if (slash != std::string_view::npos)
        c.suffix = addr.substr(slash);
    if (c.address.empty())
        return fail<Connection>(error, "invalid c= line (empty address)");
    if (!valid_connection_suffix(c.suffix, c.is_ip6()))
        return fail<Connection>(error, "invalid ttl or count in c= line");
    return c;
}

std::optional<uint16_t> parse_media_port(std::string_view port_field) {
    const auto port = parse_decimal(port_field.substr(0, port_field.find('/')), std::numeric_limits<uint16_t>::max());
    if (!port)
        return std::nullopt;
    return static_cast<uint16_t>(*port);
}

std::optional<MediaDescription> parse_media(std::string_view value, std::string* error) {
    const auto f = split_fields(value);
    if (f.size() < 3)
        return fail<MediaDescription>(error, "invalid m= line (expected <media> <port> <proto> <fmt> ...)");
    MediaDescription m;
    m.media = f[0];
    const std::string_view port_field = f[1];
    const std::size_t slash = port_field.find('/');
    const auto port = parse_media_port(port_field);
    if (!port)
        return fail<MediaDescription>(error, "invalid port in m= line");
    m.port = *port;
    if (slash != std::string_view::npos) {
        const auto count = parse_decimal(port_field.substr(slash + 1), std::numeric_limits<uint16_t>::max());
        if (!count || *count == 0)
            return fail<MediaDescription>(error, "invalid port count in m= line");
        m.port_count = static_cast<uint16_t>(*count);
    }
    m.proto = f[2];
    m.formats.reserve(f.size() - 3);
    for (std::size_t i = 3; i < f.size(); ++i)
        m.formats.emplace_back(f[i]);
    // A rejected stream has nothing left to negotiate, and some endpoints drop the list.
    if (m.formats.empty() && m.port != 0)
        return fail<MediaDescription>(error, "invalid m= line (no formats)");
    return m;
}

Attribute parse_attribute(std::string_view value) {
    const std::size_t colon = value.find(':');
    if (colon == std::string_view::npos)
        return Attribute{std::string(value), std::nullopt};
    return Attribute{std::string(value.substr(0, colon)), std::string(value.substr(colon + 1))};
}

std::optional<Rtcp> parse_rtcp(std::string_view value) {
    const auto f = split_fields(value);
    if (f.size() != 1 && f.size() != 4)
        return std::nullopt;
    const auto port = parse_decimal(f[0], std::numeric_limits<uint16_t>::max());
    if (!port)
        return std::nullopt;
    Rtcp r;
    r.port = static_cast<uint16_t>(*port);
    if (f.size() == 4) {
        r.net_type = f[1];
        r.addr_type = f[2];
        r.address = f[3];
    }
    return r;
}

std::optional<Direction> parse_direction(std::string_view attribute_name) {
    if (attribute_name == "sendrecv")
        return Direction::sendrecv;
    if (attribute_name == "sendonly")
        return Direction::sendonly;
    if (attribute_name == "recvonly")
        return Direction::recvonly;
    if (attribute_name == "inactive")
        return Direction::inactive;
    return std::nullopt;
}

std::optional<Rtpmap> parse_rtpmap(std::string_view value) {
    const auto f = split_fields(value);
    if (f.size() != 2)
        return std::nullopt;
    Rtpmap r;
    r.payload_type = f[0];
    std::string_view rest = f[1];
    const std::size_t slash = rest.find('/');
    if (slash == 0 || slash == std::string_view::npos)
        return std::nullopt;
    r.encoding = rest.substr(0, slash);
    rest.remove_prefix(slash + 1);
    const std::size_t slash2 = rest.find('/');
    const auto rate = parse_decimal(rest.substr(0, slash2), std::numeric_limits<uint32_t>::max());
    if (!rate)
        return std::nullopt;
    r.clock_rate = *rate;
    if (slash2 != std::string_view::npos) {
        if (slash2 + 1 == rest.size())
            return std::nullopt;
        r.encoding_params = std::string(rest.substr(slash2 + 1));
    }
    return r;
}

std::optional<Fmtp> parse_fmtp(std::string_view value) {
    const std::size_t space = value.find(' ');
    if (space == 0 || value.empty())
        return std::nullopt;
    if (space == std::string_view::npos)
        return Fmtp{std::string(value), {}};
    return Fmtp{std::string(value.substr(0, space)), std::string(value.substr(space + 1))};
}

std::string format_origin(const Origin& o) {
    return o.username + ' ' + o.session_id + ' ' + o.session_version + ' ' + o.net_type + ' ' +
           o.addr_type + ' ' + o.address;
}

std::string format_connection(const Connection& c) {
    return c.net_type + ' ' + c.addr_type + ' ' + c.address + c.suffix;
}

std::string format_media(const MediaDescription& m) {
    std::string out = m.media + ' ' + std::to_string(m.port);
    if (m.port_count)
        out += '/' + std::to_string(*m.port_count);
    out += ' ' + m.proto;
    for (const auto& fmt : m.formats)
        out += ' ' + fmt;
    return out;
}

std::string format_attribute(std::string_view name, std::optional<std::string_view> value) {
    std::string out(name);
    if (value) {
        out += ':';
        out += *value;
    }
    return out;
}

std::string format_rtcp(const Rtcp& r) {
    std::string out = std::to_string(r.port);
    if (!r.address.empty())
        out += ' ' + r.net_type + ' ' + r.addr_type + ' ' + r.address;
    return out;
}

std::string_view direction_name(Direction direction) {
    switch (direction) {
        case Direction::sendrecv: return "sendrecv";
        case Direction::sendonly: return "sendonly";
        case Direction::recvonly: return "recvonly";
        case Direction::inactive: return "inactive";
    }
    return "sendrecv";
}

}  // namespace rtpe::sdp
