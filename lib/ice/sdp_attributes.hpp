#pragma once
// The ICE attributes of an SDP (RFC 8839 5, RFC 8840 for trickle) gathered from and
// turned back into (name, value) pairs, the shape lib/sdp keeps attributes in.
// ice-lite is session-level, the others may be session- or media-level: the caller
// feeds the session's attributes first and then the media's, later ones win.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ice/candidate.hpp"

namespace rtpe::ice {

// One entry of a=remote-candidates (RFC 8839 5.2).
struct RemoteCandidateRef {
    unsigned component = 1;
    std::string address;
    uint16_t port = 0;
    bool operator==(const RemoteCandidateRef&) const = default;
};

struct SdpIce {
    Credentials credentials;
    std::vector<std::string> options;  // a=ice-options tokens, e.g. "trickle"
    bool lite = false;
    bool end_of_candidates = false;
    // UDP and TCP candidates alike; the agent uses only the UDP ones.
    std::vector<Candidate> candidates;
    std::vector<RemoteCandidateRef> remote_candidates;
    // a=candidate lines that did not parse (counted, not fatal: one odd line from a
    // browser must not fail the whole offer).
    std::size_t malformed_candidates = 0;

    bool has_option(std::string_view option) const;
    bool trickle() const { return has_option("trickle"); }

    // Takes one attribute; true when it is one of ICE's (even if its value was bad).
    bool absorb(std::string_view name, std::string_view value);

    // The attributes in the order RFC 8839's examples show them: ice-lite, ice-ufrag,
    // ice-pwd, ice-options, candidates, remote-candidates, end-of-candidates. Flag
    // attributes have an empty value.
    std::vector<std::pair<std::string, std::string>> to_attributes() const;
};

// "1 192.0.2.3 45664 2 192.0.2.3 45665" <-> entries
std::optional<std::vector<RemoteCandidateRef>> parse_remote_candidates(std::string_view value);
std::string format_remote_candidates(const std::vector<RemoteCandidateRef>& refs);

}  // namespace rtpe::ice
