#pragma once
// ICE in the signalling, as upstream 10.5 negotiates it: which participant speaks ICE with
// us, the credentials we give each one, and what we advertise (our host candidates, with
// the relay as the only candidate). The connectivity checks themselves run on the media
// ports (daemon/ice); this is the part the SDP carries.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sdp/session.hpp"

namespace rtpe::call {

struct IceCredentials {
    std::string ufrag;
    std::string pwd;
    bool operator==(const IceCredentials&) const = default;
    bool empty() const { return ufrag.empty(); }
};

// Fresh credentials of our own, shaped as upstream's (8 and 26 alphanumeric characters).
IceCredentials new_ice_credentials();
// A random candidate foundation, as upstream makes one per local address.
std::string new_ice_foundation();

// What a participant's SDP says about ICE for one m= line: its media-level attributes, else
// the session-level ones.
struct SdpIce {
    bool present = false;  // it offers or answers ICE (credentials or candidates)
    IceCredentials credentials;
    bool trickle = false;  // a=ice-options:trickle
    bool lite = false;     // a=ice-lite
    std::vector<std::string> candidates;  // a=candidate values as they came
};
SdpIce ice_of(const sdp::Session& session, std::size_t index);

// One participant's ICE with us, on one m= line.
struct IceSide {
    bool enabled = false;    // it speaks ICE with us (query: "ICE")
    bool trickle = false;    // it trickles (query: "trickle ICE")
    bool lite_peer = false;  // it is ICE lite, so we control (query: "ICE-lite peer")
    IceCredentials local;    // what we gave it
    IceCredentials remote;   // its own
    std::vector<std::string> remote_candidates;

    // Takes in what its SDP said; on an ICE restart (new credentials) ours are renewed too.
    void take(const SdpIce& sdp);
    // Ours, made when first needed and kept across re-offers.
    const IceCredentials& local_credentials();
};

// What the rewritten SDP advertises to a participant that speaks ICE with us.
struct IceAdvert {
    IceCredentials credentials;
    bool trickle = false;  // a=ice-options:trickle and a=end-of-candidates
    std::string foundation;
};

// Host candidate priority (RFC 8445 5.1.2.1) with upstream's preferences.
uint32_t host_candidate_priority(unsigned component);

}  // namespace rtpe::call
