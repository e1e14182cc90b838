#include "daemon/call/ice_negotiation.hpp"

#include "crypto/hmac.hpp"

namespace rtpe::call {

namespace {

std::string random_alphanumeric(std::size_t length) {
    static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    constexpr unsigned kCount = sizeof(kChars) - 1;  // 62
    std::string out;
    uint8_t bytes[64];
    while (out.size() < length) {
        crypto::random_bytes(bytes);
        for (uint8_t b : bytes)
            // 248 = 4 * 62: values above it would favour the first characters.
            if (b < 248 && out.size() < length)
                out.push_back(kChars[b % kCount]);
    }
    return out;
}

std::optional<std::string> ice_value(const sdp::Session& session, std::size_t index, std::string_view name) {
    if (auto a = session.media()[index].attribute(name))
        return a->value.value_or("");
    if (auto a = session.session().attribute(name))
        return a->value.value_or("");
    return std::nullopt;
}

}  // namespace

IceCredentials new_ice_credentials() {
    return {random_alphanumeric(8), random_alphanumeric(26)};
}

std::string new_ice_foundation() {
    return random_alphanumeric(16);
}

SdpIce ice_of(const sdp::Session& session, std::size_t index) {
    SdpIce ice;
    ice.credentials.ufrag = ice_value(session, index, "ice-ufrag").value_or("");
    ice.credentials.pwd = ice_value(session, index, "ice-pwd").value_or("");
    if (auto options = ice_value(session, index, "ice-options"))
        ice.trickle = options->find("trickle") != std::string::npos;
    ice.lite = ice_value(session, index, "ice-lite").has_value();
    for (const auto& a : session.media()[index].attributes())
        if (a.name == "candidate" && a.value)
            ice.candidates.push_back(*a.value);
    ice.present = !ice.credentials.empty() || !ice.candidates.empty();
    return ice;
}

void IceSide::take(const SdpIce& sdp) {
    enabled = sdp.present;
    trickle = sdp.trickle;
    lite_peer = sdp.lite;
    if (!remote.empty() && !(remote == sdp.credentials))
        local = {};  // a restart: both sides start over with new credentials
    remote = sdp.credentials;
    remote_candidates = sdp.candidates;
}

const IceCredentials& IceSide::local_credentials() {
    if (local.empty())
        local = new_ice_credentials();
    return local;
}

uint32_t host_candidate_priority(unsigned component) {
    constexpr uint32_t kHostPreference = 126;
    constexpr uint32_t kLocalPreference = 65535;
    return (kHostPreference << 24) + (kLocalPreference << 8) + (256 - component);
}

}  // namespace rtpe::call
