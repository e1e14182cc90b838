// ContextSnapshot as one line of text: small, readable in a Redis dump, and strict to read
// back (anything unexpected makes parse() fail rather than guess).

#include "crypto/base64.hpp"
#include "srtp/context.hpp"
#include "util/parse.hpp"

#include <charconv>
#include <cstdio>

namespace rtpe::srtp {

namespace {
std::string hex(const std::vector<uint8_t>& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (uint8_t b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

std::optional<std::vector<uint8_t>> unhex(std::string_view s) {
    if (s.size() % 2)
        return std::nullopt;
    std::vector<uint8_t> out;
    for (std::size_t i = 0; i < s.size(); i += 2) {
        uint8_t v = 0;
        auto r = std::from_chars(s.data() + i, s.data() + i + 2, v, 16);
        if (r.ec != std::errc() || r.ptr != s.data() + i + 2)
            return std::nullopt;
        out.push_back(v);
    }
    return out;
}

template <typename T>
std::string optional_text(const std::optional<T>& v) {
    return v ? std::to_string(*v) : std::string("-");
}

template <typename T>
bool read_optional(std::string_view s, std::optional<T>& out) {
    if (s == "-") {
        out.reset();
        return true;
    }
    auto v = parse_number<T>(s);
    if (!v)
        return false;
    out = *v;
    return true;
}

}  // namespace

std::string ContextSnapshot::to_string() const {
    std::string out = suite;
    out += " key=" + crypto::base64_encode(master_key);
    out += " salt=" + crypto::base64_encode(master_salt);
    out += " mki=" + (options.mki.empty() ? std::string("-") : hex(options.mki));
    const unsigned flags = (options.unencrypted_srtp ? 1u : 0u) | (options.unencrypted_srtcp ? 2u : 0u) |
                           (options.unauthenticated_srtp ? 4u : 0u);
    out += " flags=" + std::to_string(flags);
    out += " kdr=" + std::to_string(options.key_derivation_rate);
    out += " win=" + std::to_string(options.replay_window);
    for (const StreamState& s : streams) {
        char ssrc[9];
        std::snprintf(ssrc, sizeof(ssrc), "%08x", s.ssrc);
        out += " s=";
        out += ssrc;
        out += "," + optional_text(s.sent_index) + "," + std::to_string(s.next_srtcp_index) + "," +
               optional_text(s.received_index) + "," + optional_text(s.received_srtcp);
    }
    return out;
}

std::optional<ContextSnapshot> ContextSnapshot::parse(std::string_view text) {
    const auto words = split(text, ' ');
    if (words.empty() || words[0].empty())
        return std::nullopt;
    ContextSnapshot out;
    out.suite = std::string(words[0]);
    for (std::size_t i = 1; i < words.size(); ++i) {
        const std::string_view w = words[i];
        const std::size_t eq = w.find('=');
        if (eq == std::string_view::npos)
            return std::nullopt;
        const std::string_view key = w.substr(0, eq), value = w.substr(eq + 1);
        if (key == "key" || key == "salt") {
            auto bytes = crypto::base64_decode(value);
            if (!bytes)
                return std::nullopt;
            (key == "key" ? out.master_key : out.master_salt) = std::move(*bytes);
        } else if (key == "mki") {
            if (value != "-") {
                auto bytes = unhex(value);
                if (!bytes)
                    return std::nullopt;
                out.options.mki = std::move(*bytes);
            }
        } else if (key == "flags") {
            auto f = parse_number<unsigned>(value);
            if (!f || *f > 7)
                return std::nullopt;
            out.options.unencrypted_srtp = *f & 1;
            out.options.unencrypted_srtcp = *f & 2;
            out.options.unauthenticated_srtp = *f & 4;
        } else if (key == "kdr") {
            auto v = parse_number<uint64_t>(value);
            if (!v)
                return std::nullopt;
            out.options.key_derivation_rate = *v;
        } else if (key == "win") {
            auto v = parse_number<unsigned>(value);
            if (!v)
                return std::nullopt;
            out.options.replay_window = *v;
        } else if (key == "s") {
            const auto f = split(value, ',');
            if (f.size() != 5)
                return std::nullopt;
            StreamState s;
            auto ssrc = parse_number<uint32_t>(f[0], 16);
            auto next = parse_number<uint32_t>(f[2]);
            if (!ssrc || !next || !read_optional(f[1], s.sent_index) || !read_optional(f[3], s.received_index) ||
                !read_optional(f[4], s.received_srtcp))
                return std::nullopt;
            s.ssrc = *ssrc;
            s.next_srtcp_index = *next;
            out.streams.push_back(s);
        } else {
            return std::nullopt;
        }
    }
    return out;
}

}  // namespace rtpe::srtp
