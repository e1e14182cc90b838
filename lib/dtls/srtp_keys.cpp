#include "dtls/srtp_keys.hpp"

#include <stdexcept>

#include "crypto/base64.hpp"

namespace rtpe::dtls {

namespace {
std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = s.find(sep, start);
        out.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos)
            return out;
        start = end + 1;
    }
}

bool read_pair(std::string_view value, std::vector<uint8_t>& key, std::vector<uint8_t>& salt) {
    const auto parts = split(value, ',');
    if (parts.size() != 2)
        return false;
    auto k = crypto::base64_decode(parts[0]);
    auto s = crypto::base64_decode(parts[1]);
    if (!k || !s)
        return false;
    key = std::move(*k);
    salt = std::move(*s);
    return true;
}
}  // namespace

std::string_view to_string(Role role) {
    return role == Role::active ? "active" : "passive";
}

srtp::Context SrtpKeys::send_context(srtp::ContextOptions options) const {
    if (!suite)
        throw std::invalid_argument("no SRTP suite negotiated");
    return srtp::Context(*suite, send_key, send_salt, std::move(options));
}

srtp::Context SrtpKeys::receive_context(srtp::ContextOptions options) const {
    if (!suite)
        throw std::invalid_argument("no SRTP suite negotiated");
    return srtp::Context(*suite, receive_key, receive_salt, std::move(options));
}

std::string SessionSnapshot::to_string() const {
    std::string out = "role=";
    out += dtls::to_string(role);
    out += " suite=";
    out += keys.suite ? keys.suite->name : std::string_view("-");
    out += " send=" + crypto::base64_encode(keys.send_key) + "," + crypto::base64_encode(keys.send_salt);
    out += " recv=" + crypto::base64_encode(keys.receive_key) + "," + crypto::base64_encode(keys.receive_salt);
    if (peer) {
        out += " peer=";
        out += dtls::to_string(peer->hash);
        out += ",";
        out += peer->hex();
    }
    return out;
}

std::optional<SessionSnapshot> SessionSnapshot::parse(std::string_view text) {
    SessionSnapshot out;
    bool have_role = false, have_send = false, have_recv = false;
    for (std::string_view word : split(text, ' ')) {
        const std::size_t eq = word.find('=');
        if (eq == std::string_view::npos)
            return std::nullopt;
        const std::string_view key = word.substr(0, eq), value = word.substr(eq + 1);
        if (key == "role") {
            if (value == "active")
                out.role = Role::active;
            else if (value == "passive")
                out.role = Role::passive;
            else
                return std::nullopt;
            have_role = true;
        } else if (key == "suite") {
            out.keys.suite = srtp::find_suite(value);
            if (!out.keys.suite || out.keys.suite->dtls_name.empty())
                return std::nullopt;
        } else if (key == "send") {
            if (!read_pair(value, out.keys.send_key, out.keys.send_salt))
                return std::nullopt;
            have_send = true;
        } else if (key == "recv") {
            if (!read_pair(value, out.keys.receive_key, out.keys.receive_salt))
                return std::nullopt;
            have_recv = true;
        } else if (key == "peer") {
            const std::size_t comma = value.find(',');
            if (comma == std::string_view::npos)
                return std::nullopt;
            std::string joined(value.substr(0, comma));
            joined += ' ';
            joined += value.substr(comma + 1);
            out.peer = Fingerprint::parse(joined);
            if (!out.peer)
                return std::nullopt;
        } else {
            return std::nullopt;
        }
    }
    const srtp::CryptoSuite* s = out.keys.suite;
    if (!have_role || !have_send || !have_recv || !s)
        return std::nullopt;
    if (out.keys.send_key.size() != s->master_key_length || out.keys.receive_key.size() != s->master_key_length ||
        out.keys.send_salt.size() != s->master_salt_length || out.keys.receive_salt.size() != s->master_salt_length)
        return std::nullopt;
    return out;
}

}  // namespace rtpe::dtls
