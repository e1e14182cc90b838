#pragma once
// ICE in the signalling, as upstream 10.5 negotiates it: which participant speaks ICE with
// us, the credentials we give each one, and what we advertise (our host candidates, the
// relay being the only candidate). The connectivity checks run on the media ports
// (daemon/ice); this is the part the SDP carries.

#include <optional>
#include <string>
#include <vector>

#include "ice/sdp_attributes.hpp"
#include "sdp/session.hpp"

namespace rtpe::call {

// The ICE attributes of a participant's SDP for one m= line: the session's, then the
// media's (which win).
ice::SdpIce ice_of(const sdp::Session& session, std::size_t index);
// It offers or answers ICE (credentials or candidates).
bool speaks_ice(const ice::SdpIce& sdp);

// One participant's ICE with us, on one m= line.
struct IceSide {
    bool enabled = false;    // it speaks ICE with us (query: "ICE")
    bool trickle = false;    // it trickles (query: "trickle ICE")
    bool lite_peer = false;  // it is ICE lite, so we control (query: "ICE-lite peer")
    bool lite_self = false;  // we are ICE lite towards it (the ICE-lite key): it controls
    // ICE=optional with an offer that had ICE: the two ends do ICE with each other, we are
    // only one more (low-priority) candidate and run no agent (query: "passthrough").
    bool passthrough = false;
    ice::Credentials local;   // what we gave it
    ice::Credentials remote;  // its own
    std::vector<ice::Candidate> remote_candidates;
    bool remote_done = false;  // no more candidates to come (no trickle, or end-of-candidates)

    // Takes in what its SDP said; on an ICE restart (new credentials) ours are renewed too.
    void take(const ice::SdpIce& sdp);
    // Ours, made when first needed and kept across re-offers.
    const ice::Credentials& local_credentials();
};

// What the rewritten SDP advertises to a participant that speaks ICE with us.
struct IceAdvert {
    ice::Credentials credentials;
    bool trickle = false;  // a=ice-options:trickle and a=end-of-candidates
    bool lite = false;     // a=ice-lite (session level): we are ICE lite towards the receiver
    // The receiver's peer's own ICE attributes stay in the SDP; ours are extra candidates
    // (without credentials), ranked below the peer's when low_priority.
    bool passthrough = false;
    bool low_priority = false;
    // ICE=force-relay: we are a relay candidate beside the sender's own (its relay ones
    // dropped), and its c=, m=, o= and rtcp attributes pass unchanged.
    bool relay = false;
};

}  // namespace rtpe::call
