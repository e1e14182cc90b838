#pragma once
// What a signalling request asks of the call model, its keys and flags as types (the
// control plane parses them: control/call_request_parser).

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "daemon/call/codec_negotiation.hpp"
#include "daemon/media/dtmf_security.hpp"
#include "net/address.hpp"

namespace rtpe::call {

// The ICE key. absent behaves as default: ICE towards the answerer if the offer had it.
enum class IceMode { absent, default_mode, force, remove, optional, force_relay };
// The SDES key's values (and SDES-... flags), as upstream 10.5 reads them.
struct SdesRequest {
    bool off = false;       // off, no, disable: no SDES offered
    bool pad = false;       // keys written with their base64 '=' padding
    bool lifetime = false;  // every key gets the lifetime 2^31
    bool keep = false;      // static: an answer keeps what was negotiated before
    std::vector<std::string> excluded_suites;  // no-SUITE
    // unencrypted_srtp / encrypted_srtp and the like: set or clear that session parameter
    // on every line we offer; absent: the offerer's own lines keep theirs, ours have none.
    std::optional<bool> unencrypted_srtp, unencrypted_srtcp, unauthenticated_srtp;
};

// The OSRTP key (opportunistic SRTP, RFC 8643: SDES offered on a plain RTP profile), as
// upstream 10.5 reads it; without it an offerer's OSRTP offer is passed on as such.
struct OsrtpRequest {
    bool offer = false;   // offer: the answerer is offered OSRTP even when the offerer did not
    bool accept = false;  // accept: we take the offerer's OSRTP offer whatever the answerer does
};

// The ICE-lite key: towards whom we are an ICE-lite agent (RFC 8445 2.5) from now on.
enum class IceLite { forward, backward, both, off };

// The rtcp-mux key's values (RFC 5761 multiplexing), as upstream reads them in an offer.
struct RtcpMuxRequest {
    bool offer = false;    // offer mux to the answerer even when the offerer did not
    bool require = false;  // offer mux to the answerer without a separate RTCP port
    bool demux = false;    // accept the offerer's mux ourselves and offer none onwards
    bool accept = false;   // accept the offerer's mux ourselves and still offer it onwards
    bool reject = false;   // never accept the offerer's mux, whatever the answerer does
};

// The T.38 key (offers): the gateway between an audio side and a T.38 (image/udptl) side.
struct T38Request {
    bool decode = false;  // an offered image/udptl/t38 m= line goes on as audio (RTP)
    bool force = false;   // an offered audio m= line goes on as image/udptl/t38
    bool stop = false;    // a gateway engaged before goes; media passes through again
    bool fec = false;         // our T.38 side offers UDPTL FEC instead of redundancy
    bool redundancy = false;  // ... or redundancy, the default, said explicitly (wins over FEC)
    // Beyond 10.5 (the list): the gateway never uses these, whatever the T.38
    // endpoint's SDP allows (fill bit removal, MMR and JBIG transcoding) ...
    bool no_fill_bit_removal = false, no_transcoding_mmr = false, no_transcoding_jbig = false;
    // ... and its datagrams are bounded by our T38FaxMaxDatagram, not the endpoint's
    // (for endpoints that announce less than they take).
    bool local_max_datagram = false;
    // Left out of what the gateway offers the fax machine (spandsp's modem and ECM settings).
    bool no_ecm = false, no_v17 = false, no_v27ter = false, no_v29 = false, no_v34 = false, no_iaf = false;
};

// The all key's flow forms (block media and the like): which of a participant's media
// flows a command acts on, instead of naming one receiver.
enum class FlowSelection { none, offer_answer, except_offer_answer, flows };

struct CallRequest {
    std::string source;  // the ng client's address, remembered by the call it creates
    std::string source_ip;        // its IP alone (IPv6 in brackets), for --b2b-url's %%
    std::string xmlrpc_callback;  // xmlrpc-callback: the IP to put there instead
    std::string call_id;
    std::string from_tag;
    std::string to_tag;
    std::string via_branch;
    std::string label;
    std::string set_label;               // subscribe request: the label of the new subscription
    std::vector<std::string> from_tags;  // subscribe request: the participants to subscribe to
    std::string to_label;                // media commands: the receiver of a flow, by label
    std::string address;                 // media commands: participants by their SDP media address
    FlowSelection flows = FlowSelection::none;
    std::optional<std::string> sdp;

    // flags
    bool trust_address = false;
    bool sip_source_address = false;
    bool symmetric = false;
    bool asymmetric = false;
    bool unidirectional = false;
    bool strict_source = false;
    bool media_handover = false;
    bool port_latching = false;
    bool no_port_latching = false;
    bool no_rtcp_attribute = false;
    bool full_rtcp_attribute = false;
    bool loop_protect = false;
    bool original_sendrecv = false;
    bool generate_mid = false;
    bool strip_extmap = false;
    bool reset = false;
    bool trickle_ice = false;  // offers ICE with a=ice-options:trickle
    bool reject_ice = false;   // the offerer's ICE is not taken up: it gets no ICE back
    bool all = false;  // the all flag (or all=all): subscribe request: every participant of the
                       // offer/answer exchange; unblocking a call: its participants' too
    bool supports_load_limit = false;  // supports: ["load limit"]: the client reads that result
    CodecRequest codec;  // the codec key and codec-... flags (offers)
    // ptime / ptime-reverse (offers): the packet time the answerer is asked for, and the one
    // the offerer is answered with; a change engages transcoding (repacketizing).
    std::optional<int> ptime, ptime_reverse;
    bool always_transcode = false;  // the offerer is answered with its own first codec, transcoded
    bool inject_dtmf = false;       // inject DTMF: the call's audio goes through the chain for play DTMF
    T38Request t38;                 // the T.38 key and T.38-... flags (offers)
    // delay-buffer (ms): the call's codec chains delay its media by this much; 0 ends it.
    std::optional<int> delay_buffer;
    bool single_codec = false;      // (answers) only the first codec, with telephone-event and CN, goes back
    // reuse-codecs / no-codec-renegotiation: the SDP's codecs keep the order the
    // participant's previous SDP of the m= line (to us or from us) gave them.
    bool reuse_codecs = false;
    // block DTMF: DTMF-security (drop when absent or unknown, off when a trigger is given),
    // frequency / frequencies, volume, digit / code, the trigger keys.
    media::DtmfSecurity dtmf_security{.mode = media::DtmfMode::drop};

    // replace
    bool replace_origin = false;
    bool replace_sdp_version = false;
    bool replace_session_connection = false;
    bool replace_username = false;
    bool replace_session_name = false;

    std::optional<std::string> address_family;  // "IP4" or "IP6"
    std::array<std::string, 2> direction;        // interface names; empty = default
    std::optional<std::string> media_address;
    std::optional<std::string> transport_protocol;
    IceMode ice = IceMode::absent;
    std::optional<IceLite> ice_lite;  // absent: as it was
    RtcpMuxRequest rtcp_mux;
    SdesRequest sdes;
    OsrtpRequest osrtp;
    bool bundle_accept = false;  // bundle: accept: a bundled offer is answered bundled
    bool dtls_off = false;      // DTLS: off, no, disable: no DTLS-SRTP offered or accepted
    // DTLS: passive/active, the role we prefer where we may choose (absent: --dtls-passive).
    std::optional<bool> dtls_passive;
    // DTLS-reverse: passive/active, the same towards the participant whose offer this is,
    // for the answer that goes back to it (absent: --dtls-passive).
    std::optional<bool> dtls_reverse_passive;
    std::optional<std::string> dtls_fingerprint;  // DTLS-fingerprint: the hash our a=fingerprint uses
    std::optional<int> tos;
    std::optional<net::SocketAddress> dtmf_log_dest;  // DTMF-log-dest: where the call's DTMF events go
    // play media: what to play (one of file, blob, db-id), how often, from which packet on.
    std::optional<std::string> media_file, media_blob;
    std::optional<int64_t> media_db_id;
    int repeat_times = 1;
    int start_position = 0;
    std::optional<std::string> received_from_address;
    std::optional<int64_t> delete_delay;
};

}  // namespace rtpe::call
