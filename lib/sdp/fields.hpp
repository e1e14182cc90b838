#pragma once
// Typed views of single SDP line values (RFC 8866, RFC 3605, RFC 3264) and their text forms.
// Each view is a copy, so it stays valid while the session it came from is edited.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtpe::sdp {

// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
struct Origin {
    std::string username;
    std::string session_id;
    std::string session_version;
    std::string net_type;
    std::string addr_type;
    std::string address;

    bool operator==(const Origin&) const = default;
};

// c=<nettype> <addrtype> <connection-address>[/ttl][/count]
struct Connection {
    std::string net_type = "IN";
    std::string addr_type = "IP4";
    std::string address;
    // "/ttl/count" or "/count" exactly as written; only multicast uses it.
    std::string suffix;

    bool is_ip4() const { return addr_type == "IP4"; }
    bool is_ip6() const { return addr_type == "IP6"; }
    // RFC 2543 style hold: the peer is told to send nowhere.
    bool is_hold() const;
    bool operator==(const Connection&) const = default;
};

// m=<media> <port>[/<count>] <proto> <fmt> ...
struct MediaDescription {
    std::string media;
    uint16_t port = 0;
    std::optional<uint16_t> port_count;
    std::string proto;
    std::vector<std::string> formats;

    // RFC 3264: port 0 in an answer or offer disables the stream.
    bool is_rejected() const { return port == 0; }
    bool operator==(const MediaDescription&) const = default;
};

// a=<name>[:<value>]; a flag attribute has no value at all, which differs from an empty one.
struct Attribute {
    std::string name;
    std::optional<std::string> value;

    bool operator==(const Attribute&) const = default;
};

// a=rtcp:<port> [<nettype> <addrtype> <address>] (RFC 3605)
struct Rtcp {
    uint16_t port = 0;
    // All three empty when the attribute carries only a port.
    std::string net_type;
    std::string addr_type;
    std::string address;

    bool operator==(const Rtcp&) const = default;
};

enum class Direction { sendrecv, sendonly, recvonly, inactive };

// a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
struct Rtpmap {
    std::string payload_type;
    std::string encoding;
    uint32_t clock_rate = 0;
    std::optional<std::string> encoding_params;

    bool operator==(const Rtpmap&) const = default;
};

// a=fmtp:<format> <format specific parameters>
struct Fmtp {
    std::string format;
    std::string params;

    bool operator==(const Fmtp&) const = default;
};

// Each parse_* takes the text after "x=" (or after "a=name:") and accepts exactly what the
// matching format_* produces plus what real endpoints send; nullopt when malformed, with
// the reason in error when given.
std::optional<Origin> parse_origin(std::string_view value, std::string* error = nullptr);
std::optional<Connection> parse_connection(std::string_view value, std::string* error = nullptr);
std::optional<MediaDescription> parse_media(std::string_view value, std::string* error = nullptr);
// The port of an m= line's second field ("<port>[/<count>]").
std::optional<uint16_t> parse_media_port(std::string_view port_field);
Attribute parse_attribute(std::string_view value);
std::optional<Rtcp> parse_rtcp(std::string_view value);
std::optional<Direction> parse_direction(std::string_view attribute_name);
std::optional<Rtpmap> parse_rtpmap(std::string_view value);
std::optional<Fmtp> parse_fmtp(std::string_view value);

std::string format_origin(const Origin& origin);
std::string format_connection(const Connection& connection);
std::string format_media(const MediaDescription& media);
std::string format_attribute(std::string_view name, std::optional<std::string_view> value);
std::string format_rtcp(const Rtcp& rtcp);
std::string_view direction_name(Direction direction);

}  // namespace rtpe::sdp
