#pragma once
// DTLS-SRTP (RFC 5763) in the signalling, as upstream 10.5 negotiates it: towards a
// participant whose profile is SRTP we offer a=setup:actpass with our certificate's
// fingerprint (beside SDES); a participant that offers or answers a fingerprint gets
// DTLS-SRTP, which wins over SDES; our role follows its a=setup (actpass: we take the
// active role unless the DTLS key says passive).

#include <optional>
#include <string>

#include "dtls/fingerprint.hpp"
#include "dtls/srtp_keys.hpp"
#include "sdp/session.hpp"

namespace rtpe::call {

// The a=fingerprint and a=setup of an m= line (media level, else session level).
std::optional<dtls::Fingerprint> fingerprint_of(const sdp::Session& session, std::size_t index);
std::optional<std::string> setup_of(const sdp::Session& session, std::size_t index);

// A participant's DTLS-SRTP with us, on one m= line.
struct DtlsSide {
    std::optional<dtls::Fingerprint> remote_fingerprint;
    std::optional<std::string> remote_setup;
    bool active = false;              // DTLS-SRTP chosen with it (query: "DTLS-SRTP")
    dtls::Role role = dtls::Role::passive;  // ours towards it
    // Its offer asked (DTLS-reverse, else --dtls-passive) for the passive role in our answer.
    bool reverse_passive = false;
    bool offered = false;  // our offer to it carried our fingerprint
};

// Our role towards a participant whose a=setup is setup (RFC 4145 / 5763).
dtls::Role role_towards(const std::optional<std::string>& setup, bool prefer_passive);

// What the rewritten SDP says of DTLS to its receiver.
struct DtlsAdvert {
    std::string setup;        // actpass, active or passive
    std::string fingerprint;  // "sha-256 AB:..."
};

}  // namespace rtpe::call
