#pragma once
// SDES-SRTP (RFC 4568) in the signalling, as upstream 10.5 negotiates it: what we offer a
// participant whose profile is SRTP (the offerer's own a=crypto lines first, with their
// tags and keys, so both ends can agree on one suite; then every other suite we have,
// with fresh keys), what an answer settles, and the keys each side's SRTP contexts use.
// SRTP is terminated: what one side sends is unprotected, and protected anew for the other
// unless both agreed on the same keys (SRTP passthrough).

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "daemon/call/call_request.hpp"
#include "sdp/session.hpp"
#include "srtp/context.hpp"
#include "srtp/sdes.hpp"

namespace rtpe::call {

// RTP/SAVP, RTP/SAVPF and their UDP/TLS forms.
bool is_srtp_profile(std::string_view protocol);
// RTP/AVP and RTP/AVPF: where SDES lines make an OSRTP offer (RFC 8643).
bool is_plain_rtp_profile(std::string_view protocol);

// The a=crypto lines of an m= line we can use (known suites), in order.
std::vector<srtp::SdesCrypto> sdes_of(const sdp::MediaSection& section);

// Our offer's lines for a participant, given what the offerer offered and the SDES options.
std::vector<srtp::SdesCrypto> sdes_offer(const std::vector<srtp::SdesCrypto>& from_offerer,
                                         const SdesRequest& options);
// Our lines as the SDP carries them (pad: keys keep their base64 padding).
std::string format_sdes_line(const srtp::SdesCrypto& crypto, const SdesRequest& options);

// A participant's SDES with us, on one m= line.
struct SdesSide {
    std::vector<srtp::SdesCrypto> offered_to;  // what we offered it
    std::vector<srtp::SdesCrypto> offered_by;  // what it offered us
    std::optional<srtp::SdesCrypto> in;        // its key: what it sends us is protected with it
    std::optional<srtp::SdesCrypto> out;       // ours: what we send it
    bool osrtp_offered = false;  // its offer was OSRTP: SDES on a plain RTP profile
    bool answered_crypto = false;  // its answer had a=crypto lines (query shows "SDES")
    bool active() const { return in && out; }
};

// The pair of contexts a side's streams use; kept by the side while its streams might.
struct SideSrtp {
    srtp::Context in;
    srtp::Context out;
    srtp::SdesCrypto in_params;
    srtp::SdesCrypto out_params;
};

// Contexts for what side settled; nullptr when it does not speak SRTP (or its keys do not
// fit their suite, which is logged).
std::unique_ptr<SideSrtp> make_side_srtp(const SdesSide& side);
// The same keys as what the contexts were made from (a re-INVITE repeating them keeps the
// running contexts, with their rollover counters and replay windows).
bool same_keys(const SideSrtp& contexts, const SdesSide& side);
// What from sends us is protected with the keys we protect with towards to: the two ends
// agreed on one line, and SRTP can pass between them as it is.
bool srtp_passes_through(const SideSrtp& from, const SideSrtp& to);

}  // namespace rtpe::call
