#pragma once

// What a completed DTLS-SRTP handshake yields (RFC 5764 4.2): the negotiated suite and
// the master key and salt for each direction, already mapped from the exporter's
// client/server halves to ours by role. A later Redis feature stores it as one line of
// text, so a standby can protect and unprotect without a new handshake.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dtls/fingerprint.hpp"
#include "srtp/context.hpp"
#include "srtp/suite.hpp"

namespace rtpe::dtls {

enum class Role : uint8_t {
    active,   // a=setup:active: we are the DTLS client
    passive,  // a=setup:passive: we are the DTLS server
};
std::string_view to_string(Role role);

struct SrtpKeys {
    const srtp::CryptoSuite* suite = nullptr;
    std::vector<uint8_t> send_key;  // protects what we send
    std::vector<uint8_t> send_salt;
    std::vector<uint8_t> receive_key;  // unprotects what the peer sends
    std::vector<uint8_t> receive_salt;

    // Contexts with these keys (throw std::invalid_argument when suite is unset).
    srtp::Context send_context(srtp::ContextOptions options = {}) const;
    srtp::Context receive_context(srtp::ContextOptions options = {}) const;

    bool operator==(const SrtpKeys&) const = default;
};

// A connected association as the store keeps it.
struct SessionSnapshot {
    Role role = Role::active;
    SrtpKeys keys;
    std::optional<Fingerprint> peer;  // the fingerprint the peer's certificate matched

    // "role=<active|passive> suite=<SDES name> send=<key b64>,<salt b64>
    //  recv=<key b64>,<salt b64> [peer=<hash>,<hex>]"
    std::string to_string() const;
    // Strict: unknown words, a suite without a DTLS profile or key/salt lengths that do
    // not fit the suite make it fail.
    static std::optional<SessionSnapshot> parse(std::string_view text);

    bool operator==(const SessionSnapshot&) const = default;
};

}  // namespace rtpe::dtls
