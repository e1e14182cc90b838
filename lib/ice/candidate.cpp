#include "ice/candidate.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "crypto/hmac.hpp"
#include "util/parse.hpp"

namespace rtpe::ice {

namespace {

std::optional<CandidateType> parse_type(std::string_view s) {
    if (s == "host")
        return CandidateType::host;
    if (s == "srflx")
        return CandidateType::srflx;
    if (s == "prflx")
        return CandidateType::prflx;
    if (s == "relay")
        return CandidateType::relay;
    return std::nullopt;
}

constexpr std::string_view kIceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kAlphanumeric = kIceChars.substr(0, 62);
constexpr std::size_t kFoundationLength = 16;

}  // namespace

std::string_view to_string(CandidateType type) {
    switch (type) {
    case CandidateType::host: return "host";
    case CandidateType::srflx: return "srflx";
    case CandidateType::prflx: return "prflx";
    case CandidateType::relay: return "relay";
    }
    return "host";
}

std::optional<net::SocketAddress> Candidate::socket_address() const {
    const auto ip = net::IpAddress::parse(address);
    if (!ip)
        return std::nullopt;
    return net::SocketAddress(*ip, port);
}

std::optional<std::string_view> Candidate::extension(std::string_view name) const {
    for (const auto& [key, value] : extensions)
        if (key == name)
            return std::string_view(value);
    return std::nullopt;
}

std::optional<Candidate> parse_candidate(std::string_view value) {
    if (value.starts_with("a="))
        value.remove_prefix(2);
    if (value.starts_with("candidate:"))
        value.remove_prefix(10);
    const auto w = split_words(value);
    // foundation component transport priority address port "typ" type
    if (w.size() < 8 || w[6] != "typ")
        return std::nullopt;
    Candidate c;
    if (w[0].size() > 32 || !is_ice_chars(w[0]))
        return std::nullopt;
    c.foundation = w[0];
    const auto component = parse_number<unsigned>(w[1]);
    if (!component || *component < 1 || *component > 256)
        return std::nullopt;
    c.component = *component;
    c.transport_name = w[2];
    c.transport = equals_ignoring_case(w[2], "udp") ? Transport::udp : equals_ignoring_case(w[2], "tcp") ? Transport::tcp : Transport::other;
    const auto priority = parse_number<uint32_t>(w[3]);
    if (!priority || *priority == 0)
        return std::nullopt;
    c.priority = *priority;
    c.address = w[4];
    const auto port = parse_number<uint16_t>(w[5]);
    if (!port)
        return std::nullopt;
    c.port = *port;
    const auto type = parse_type(w[7]);
    if (!type)
        return std::nullopt;
    c.type = *type;

    std::size_t i = 8;
    if (i + 1 < w.size() && w[i] == "raddr") {
        c.related_address = std::string(w[i + 1]);
        i += 2;
    }
    if (i + 1 < w.size() && w[i] == "rport") {
        const auto rport = parse_number<uint16_t>(w[i + 1]);
        if (!rport)
            return std::nullopt;
        c.related_port = *rport;
        i += 2;
    }
    // extension-att-name SP extension-att-value, in pairs.
    if ((w.size() - i) % 2)
        return std::nullopt;
    for (; i < w.size(); i += 2)
        c.extensions.emplace_back(std::string(w[i]), std::string(w[i + 1]));
    return c;
}

std::string format_candidate(const Candidate& c) {
    std::string out;
    out.reserve(96);
    out += c.foundation;
    out += ' ';
    out += std::to_string(c.component);
    out += ' ';
    out += c.transport_name.empty() ? std::string_view("UDP") : std::string_view(c.transport_name);
    out += ' ';
    out += std::to_string(c.priority);
    out += ' ';
    out += c.address;
    out += ' ';
    out += std::to_string(c.port);
    out += " typ ";
    out += to_string(c.type);
    if (c.related_address) {
        out += " raddr ";
        out += *c.related_address;
    }
    if (c.related_port) {
        out += " rport ";
        out += std::to_string(*c.related_port);
    }
    for (const auto& [name, value] : c.extensions) {
        out += ' ';
        out += name;
        out += ' ';
        out += value;
    }
    return out;
}

uint32_t type_preference(CandidateType type) {
    switch (type) {
    case CandidateType::host: return 126;
    case CandidateType::prflx: return 110;
    case CandidateType::srflx: return 100;
    case CandidateType::relay: return 0;
    }
    return 0;
}

uint32_t candidate_priority(CandidateType type, uint16_t local_preference, unsigned component) {
    const unsigned comp = std::clamp(component, 1u, 256u);
    return (type_preference(type) << 24) + (static_cast<uint32_t>(local_preference) << 8) + (256 - comp);
}

uint64_t pair_priority(uint32_t g, uint32_t d) {
    const uint64_t lo = std::min(g, d);
    const uint64_t hi = std::max(g, d);
    return (lo << 32) + 2 * hi + (g > d ? 1 : 0);
}

std::string host_foundation(const net::IpAddress& base) {
    static const std::array<uint8_t, 20> kKey = [] {
        std::array<uint8_t, 20> key{};
        crypto::random_bytes(key);
        return key;
    }();
    const uint8_t family = base.is_v6() ? 6 : 4;
    const auto* address = base.is_v6() ? reinterpret_cast<const uint8_t*>(&base.v6())
                                        : reinterpret_cast<const uint8_t*>(&base.v4());
    const std::size_t length = base.is_v6() ? sizeof(in6_addr) : sizeof(in_addr);
    const auto digest = crypto::hmac_sha1(kKey, {{&family, 1}, {address, length}});
    std::string out;
    for (std::size_t i = 0; i < kFoundationLength; ++i)
        out.push_back(kAlphanumeric[digest[i] % kAlphanumeric.size()]);
    return out;
}

bool is_ice_chars(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return kIceChars.find(c) != std::string_view::npos;
    });
}

std::string random_alphanumeric(std::size_t count) {
    std::string out;
    std::array<uint8_t, 64> random;
    while (out.size() < count) {
        crypto::random_bytes(random);
        for (uint8_t b : random)
            // 248 = 4 * 62: what lies above would favour the first characters.
            if (b < 248 && out.size() < count)
                out.push_back(kAlphanumeric[b % kAlphanumeric.size()]);
    }
    return out;
}

Credentials generate_credentials() {
    return Credentials{random_alphanumeric(kUfragLength), random_alphanumeric(kPwdLength)};
}

}  // namespace rtpe::ice
