#include "daemon/call/dtls_negotiation.hpp"

namespace rtpe::call {

namespace {
std::optional<std::string> attribute_of(const sdp::Session& session, std::size_t index, std::string_view name) {
    if (auto a = session.media()[index].attribute(name); a && a->value)
        return *a->value;
    if (auto a = session.session().attribute(name); a && a->value)
        return *a->value;
    return std::nullopt;
}
}  // namespace

std::optional<dtls::Fingerprint> fingerprint_of(const sdp::Session& session, std::size_t index) {
    if (auto value = attribute_of(session, index, "fingerprint"))
        return dtls::Fingerprint::parse(*value);
    return std::nullopt;
}

std::optional<std::string> setup_of(const sdp::Session& session, std::size_t index) {
    return attribute_of(session, index, "setup");
}

dtls::Role role_towards(const std::optional<std::string>& setup, bool prefer_passive) {
    if (setup == "active")
        return dtls::Role::passive;
    if (setup == "passive")
        return dtls::Role::active;
    return prefer_passive ? dtls::Role::passive : dtls::Role::active;
}

}  // namespace rtpe::call
