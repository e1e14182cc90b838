#pragma once
// Rewrites an SDP body so that its receiver sends media to our sockets, in the shape
// upstream rtpengine 10.5 produces (docs/sdp-rewriting.md describes it; the differential
// test against the Debian build checks it).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/call/dtls_negotiation.hpp"
#include "daemon/call/sdp_codecs.hpp"
#include "daemon/call/ice_negotiation.hpp"
#include "net/address.hpp"
#include "sdp/session.hpp"

namespace rtpe::call {

// What an answer inherits from the offer of the same m= line.
struct OfferedMedia {
    std::string protocol;
    std::vector<std::string> formats;
    std::optional<std::string> mid;
    std::optional<std::string> ptime;
    bool rtcp_mux = false;  // a=rtcp-mux
    // Its a=extmap value for the MID header extension (RFC 9143 section 15.2), when it
    // offered one: "<id>[/direction] urn:ietf:params:rtp-hdrext:sdes:mid".
    std::optional<std::string> mid_extmap;
    std::vector<SdpCodec> codecs;  // its RTP formats, for transcoding an answer that shares none
};

inline constexpr const char* kMidExtensionUri = "urn:ietf:params:rtp-hdrext:sdes:mid";

// Where the receiver of the rewritten SDP is to send one m= line's media.
// The T.38 gateway writes an m= line as the other kind (daemon/call/t38_negotiation.hpp).
struct MediaConversion {
    std::string media;                 // audio or image
    std::string protocol;              // RTP/AVP (or what transport-protocol names), udptl
    std::vector<std::string> formats;  // t38; audio takes the target's codecs
    std::vector<std::pair<std::string, std::optional<std::string>>> attributes;  // a=T38...
};

struct MediaTarget {
    net::IpAddress address;
    bool address_overridden = false;  // media-address: also replaces hold addresses
    uint16_t rtp_port = 0;
    uint16_t rtcp_port = 0;
    bool rtcp_mux = false;           // write a=rtcp-mux
    bool rtcp_on_rtp_port = false;   // a=rtcp names the RTP port: mux without a fallback port
    std::optional<IceAdvert> ice;    // we speak ICE with the receiver: our attributes and candidates
    std::vector<std::string> crypto;  // our a=crypto values for the receiver (SDES)
    std::optional<DtlsAdvert> dtls;   // our a=setup and a=fingerprint for the receiver
    std::optional<OfferedMedia> offered;  // set when rewriting an answer
    // The codecs the m= line names instead of the SDP's own (codec options of an offer; an
    // answer the daemon transcodes, answered with the offerer's codecs), each written with
    // its own rtpmap, fmtp and rtcp-fb lines.
    std::optional<std::vector<SdpCodec>> codecs;
    // The a=ptime written instead of the SDP's (and the offer's): set to a value, or to
    // none (the inner nullopt); unset leaves the usual rule.
    std::optional<std::optional<std::string>> ptime;
    std::optional<MediaConversion> conversion;
    // The SDP's sender bundled this m= line (RFC 9143): its a=bundle-only port 0 is no
    // rejection, it gets ports of its own here.
    bool sender_bundled = false;
    // Towards a bundled participant: its MID extension, echoed when the SDP lacks it, so
    // that it tags its packets with their m= line.
    std::optional<std::string> mid_extmap;
    // A BUNDLE member towards the bundled participant: the primary's transport, ICE and
    // DTLS, as the member's own.
    void take_transport(const MediaTarget& primary) {
        address = primary.address;
        address_overridden = primary.address_overridden;
        rtp_port = primary.rtp_port;
        rtcp_port = primary.rtcp_port;
        rtcp_mux = primary.rtcp_mux;
        rtcp_on_rtp_port = primary.rtcp_on_rtp_port;
        ice = primary.ice;
        crypto = primary.crypto;
        dtls = primary.dtls;
    }
};

// RTP/AVP, RTP/SAVPF, UDP/TLS/RTP/SAVP...: media whose formats are RTP payload types.
bool is_rtp_protocol(std::string_view proto);

struct RewriteOptions {
    bool replace_origin = false;
    bool replace_session_connection = false;  // the session c= is rewritten even when every media has its own
    bool no_rtcp_attribute = false;
    bool full_rtcp_attribute = false;
    bool original_sendrecv = false;
    bool generate_mid = false;  // a=mid for media without one
    bool strip_extmap = false;  // no a=extmap passed on
    std::optional<std::string> transport_protocol;
    std::optional<std::string> loop_protect_token;  // adds a=rtpengine:<token>
    std::optional<sdp::Direction> direction;        // every media gets this one (subscriptions)
    std::optional<std::string> bundle_group;        // "BUNDLE <mids>": a=group of the SDP
};

// One m= line of an SDP written from scratch (publish answers, combined subscriptions).
struct GeneratedMedia {
    std::string type;      // audio, video, ...
    std::string protocol;  // RTP/AVP, ...
    std::vector<std::string> formats;
    std::vector<std::string> codec_attributes;  // rtpmap/fmtp values to list, in order ("8 PCMA/8000")
    std::optional<std::string> ptime;
    MediaTarget target;    // port 0: rejected
};

// An SDP of our own: o= with session_id, s=session_name, one section per media with its
// own c=, the direction, and a=rtcp.
std::string generate_sdp(const std::vector<GeneratedMedia>& media, sdp::Direction direction,
                         const std::string& session_name, uint64_t session_id);

// The rtpmap and fmtp attribute lines ("rtpmap:8 PCMA/8000") for formats of section, as a
// rewritten SDP lists them (static types without rtpmap get theirs).
std::vector<std::string> codec_attributes(const sdp::MediaSection& section, const std::vector<std::string>& formats);

// The attribute loop-protect adds and looks for.
inline constexpr const char* kLoopProtectAttribute = "rtpengine";

// The direction of media i: its own attribute, else the session's, else sendonly for an
// RFC 2543 hold (c= 0.0.0.0), else sendrecv.
sdp::Direction effective_direction(const sdp::Session& session, std::size_t index);

// What the SDP's own m= line says, for remembering with the offer.
OfferedMedia offered_media(const sdp::MediaSection& section);

std::string rewrite_sdp(sdp::Session session, const std::vector<MediaTarget>& targets, const RewriteOptions& options);

}  // namespace rtpe::call
