#include "daemon/control/ng_message.hpp"

#include "bencode/codec.hpp"
#include "json/json_codec.hpp"

namespace rtpe::control {

std::optional<NgFrame> split_frame(std::string_view datagram) {
    const auto space = datagram.find(' ');
    if (space == std::string_view::npos || space == 0)
        return std::nullopt;
    return NgFrame{datagram.substr(0, space), datagram.substr(space + 1)};
}

WireFormat detect_format(std::string_view body) {
    return !body.empty() && body.front() == '{' ? WireFormat::json : WireFormat::bencode;
}

DecodedBody decode_body(std::string_view body, WireFormat format) {
    DecodedBody result;
    std::optional<bencode::Value> value =
        format == WireFormat::json ? json::decode(body) : bencode::decode(body);
    if (!value) {
        // The reasons are upstream's, so that clients matching on them keep working.
        result.error = format == WireFormat::json ? "Failed to parse JSON document"
                                                  : "Could not decode bencode dictionary";
        return result;
    }
    if (!value->is_dictionary()) {
        result.error = "Invalid NG data format";
        return result;
    }
    result.dictionary = std::move(value);
    return result;
}

std::string encode_reply(std::string_view cookie, const bencode::Value& reply, WireFormat format) {
    std::string out;
    if (format == WireFormat::json) {
        out.append(cookie).append(1, ' ');
        out += json::encode(reply);
        return out;
    }
    // Sized exactly: the reply is kept in the cookie cache for a while.
    out.reserve(cookie.size() + 1 + bencode::encoded_size(reply));
    out.append(cookie).append(1, ' ');
    bencode::encode_to(reply, out);
    return out;
}

}  // namespace rtpe::control
