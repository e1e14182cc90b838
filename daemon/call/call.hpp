#pragma once
// The call model: a call (by call-id) has participants (by tag), each with one media
// side per m= line. A media side owns the local sockets facing its participant.
//
// Locking: a Call's mutex guards everything inside it; the registry's mutex guards only
// the id -> call map. Media sides' PacketStreams are touched by their worker thread; the
// control thread changes their worker state only through that worker's poller.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daemon/call/bundle_negotiation.hpp"
#include "daemon/call/codec_negotiation.hpp"
#include "daemon/call/dtls_negotiation.hpp"
#include "daemon/call/ice_negotiation.hpp"
#include "daemon/call/sdes_negotiation.hpp"
#include "daemon/call/sdp_rewriter.hpp"
#include "daemon/call/t38_negotiation.hpp"
#include "daemon/dtls/side_dtls.hpp"
#include "daemon/ice/side_agent.hpp"
#include "daemon/kernel/firewall_chain.hpp"
#include "daemon/media/dtmf_security.hpp"
#include "daemon/media/local_interfaces.hpp"
#include "daemon/media/packet_stream.hpp"
#include "net/address.hpp"

namespace rtpe::call {

struct Participant;

// What block DTMF, block media and silence media (and their un- commands) have set, for a
// whole call, a participant's media, or one flow of it (daemon/call/media_control.cpp).
struct MediaBlocks {
    bool dtmf = false;
    media::DtmfSecurity dtmf_security;  // what block DTMF asked for, while dtmf is set
    bool media = false;
    bool silence = false;
};

struct MediaSide {
    int index = 0;                 // 1-based, as in query output
    std::string type;              // audio, video, image, ...
    std::string protocol;          // RTP/AVP, ...
    bool send = true;              // direction as this participant's SDP said
    bool recv = true;
    std::size_t worker = 0;        // every stream of one m= line, both sides, runs on this worker
    media::LocalAddress* local = nullptr;
    std::unique_ptr<media::SocketPair> sockets;  // null for a rejected (port 0) stream
    // --iptables-chain: the ACCEPT rules of its two ports, going with the sockets.
    std::vector<std::unique_ptr<kernel::FirewallHole>> holes;
    std::unique_ptr<media::PacketStream> rtp;
    std::unique_ptr<media::PacketStream> rtcp;
    bool active = false;           // its sockets are in the worker's poller
    net::SocketAddress sdp_rtp;    // where this participant's SDP says to send RTP
    net::SocketAddress sdp_rtcp;
    bool sdp_filled = false;               // this participant's SDP has described the m= line
    std::optional<OfferedMedia> offered;  // this participant's last offer for the m= line
    bool ice_controlling = false;          // the answering side, as upstream marks it
    IceSide ice;                           // ICE between this participant and us
    std::unique_ptr<ice::SideAgent> ice_agent;  // its agent on the streams' worker, once both know credentials
    SdesSide sdes;                         // SDES-SRTP between this participant and us
    DtlsSide dtls;                         // DTLS-SRTP between this participant and us
    // Its DTLS associations on the streams' worker: one per component (RTP, RTCP), the RTP
    // one alone with rtcp-mux.
    std::unique_ptr<dtls::SideDtls> dtls_rtp, dtls_rtcp;
    // What its streams were last told to hold back until its answer sets up the agent or
    // endpoint (media::PacketStream::stun_expected and early_dtls).
    bool holds_early_stun = false;
    bool holds_early_dtls = false;
    // The SRTP contexts its streams use (the last one); earlier ones stay until the streams
    // go, since the worker may still be using them when a re-INVITE brings new keys.
    std::vector<std::unique_ptr<SideSrtp>> srtp;
    // A BUNDLE transport's routes to each member's peer, the last one in use (earlier ones
    // stay while the worker may still use them, as srtp's do).
    std::vector<std::unique_ptr<media::BundleRoutes>> bundle_routes;
    // The codec chain from this participant towards its peer, when the two share no codec
    // (the last one in use; earlier ones stay while the worker may use them).
    std::vector<std::unique_ptr<media::Transcoder>> transcoders;
    // play media into this participant (the last one plays; earlier ones stay until the
    // worker is done with them, and go with the streams when they are retired).
    std::vector<std::unique_ptr<media::MediaPlayer>> players;
    bool transcoding = false;  // its media is transcoded (query's "transcoding" flag)
    // block DTMF's in-chain modes: the same-codec chain made for them alone (removed when
    // they end), and the chain last told a mode and what it was told.
    const media::Transcoder* dtmf_chain = nullptr;
    const media::Transcoder* dtmf_told = nullptr;
    media::DtmfSecurity dtmf_told_security;
    // The T.38 gateway between this participant and its peer (the last one in use; earlier
    // ones stay while the worker may use them). Both sides hold it; whichever is retired
    // first has it stopped on the worker before its streams go.
    std::vector<std::shared_ptr<media::T38Bridge>> t38_bridges;
    bool t38_gateway = false;  // its media goes through the gateway in use
    // Its last offer's T.38 key engaged a gateway for this m= line: what the answer settles.
    std::optional<T38Offer> t38_offer;
    // Some of its media is held back or silenced towards someone: the kernel is not told
    // of its streams, so that the worker sees every packet.
    bool filtered = false;
    // What its last offer's codec options did (added and consumed codecs), for the answer.
    OfferedCodecs offer_codecs;
    // The payload types of the last SDP of the m= line between it and us (its own, or ours
    // to it), in order: what reuse-codecs keeps the codecs of its next SDP in.
    std::vector<std::string> codec_order;
    // RFC 5761: this participant sends and takes RTCP on the RTP port.
    bool rtcp_mux = false;
    bool rtcp_mux_refused = false;  // its offer said rtcp-mux: reject, so its answer cannot accept it
    // Mux was settled before the pair was bound (demux/accept towards an offerer, require
    // towards an answerer): upstream binds no RTCP port then and shows port 0. We keep the
    // pair (a port pair is the unit we allocate) but advertise and show none.
    bool rtcp_port_unused = false;
    bool dtls_active = false;              // DTLS roles its a=setup allows us (query flags)
    bool dtls_passive = false;
    // Payload type -> "encoding/clock[/channels]" from this participant's SDP, for the codec
    // query shows (static types without an rtpmap get their RFC 3551 names when shown).
    std::map<uint8_t, std::string> codec_names;
    // The codecs of its last SDP as it wrote them (rtpmap, fmtp): what play media encodes for it.
    std::vector<SdpCodec> codecs;
    // The formats this media carries once offer and answer agree (before an answer: what was
    // offered); what a subscription to it is offered.
    std::vector<std::string> negotiated;
    // A subscriber's media: the publisher's media it receives a copy of.
    Participant* feed_publisher = nullptr;
    std::size_t feed_index = 0;
};

struct Participant {
    std::string tag;               // empty until the answer names it
    std::string label;
    std::string via_branch;
    int64_t created = 0;           // wall-clock seconds
    int64_t created_us = 0;        // and microseconds, for the CDR's start time
    std::vector<std::unique_ptr<MediaSide>> medias;
    // Its offer's BUNDLE group, taken with bundle=accept: the members other than the first
    // have no ports of their own; the first m= line's transport carries them all.
    std::optional<BundleGroup> bundle;
    Participant* peer = nullptr;
    bool sdp_seen = false;         // this participant has sent an SDP body
    std::optional<int64_t> output_sdp_version;  // for replace: sdp-version, from its first SDP on
    std::optional<std::string> last_sdp_out;    // what we last wrote with replace: sdp-version
    std::optional<std::string> sdp_username;    // o= username of its first SDP (replace: username)
    std::optional<std::string> sdp_session_name;  // s= of its first SDP (replace: session-name)
    std::string last_sdp;                       // its last SDP as sent: what subscriptions mirror
    // Publish/subscribe, beside the offer/answer peer: who gets a copy of this participant's
    // media, and whose media it gets a copy of.
    std::vector<Participant*> subscribers;
    std::vector<Participant*> subscriptions;
    // What the media commands set for its media, towards everyone and (by the receiver's
    // tag) towards one receiver.
    MediaBlocks blocks;
    std::map<std::string, MediaBlocks> flow_blocks;
};

// The encoding ("PCMU/8000") a payload type has in the participant's SDP of media m, with
// the RFC 3551 names for static types it did not map; nullopt when it has none.
std::optional<std::string> encoding_name(const MediaSide& m, uint8_t payload_type);

// The codec query and the CLI show for a media: the payload type its participant sent
// most, named by that participant's SDP (RFC 3551 names for static types it did not map).
// None before the first packet, or when the most used type has no name.
std::optional<std::string> shown_codec(const MediaSide& media);

class Call {
public:
    explicit Call(std::string id);

    const std::string& id() const { return *id_; }
    // The id shared with the call's media streams, which may outlive the call a little.
    const std::shared_ptr<const std::string>& shared_id() const { return id_; }
    std::mutex& mutex() { return mutex_; }

    int64_t created_s = 0;
    int64_t created_us = 0;
    int64_t last_signal = 0;
    std::string created_from;          // the ng client that sent the first offer
    std::string callback_ip;           // what %% in --b2b-url becomes: that client's IP or xmlrpc-callback
    bool debug = false;                // the CLI's 'debug CALLID on': its log lines at debug level
    bool answered = false;
    std::optional<int> tos;            // the TOS key, once a request gave one
    MediaBlocks blocks;                // the media commands' call-wide settings
    std::optional<net::SocketAddress> dtmf_log_dest;  // DTMF-log-dest: this call's DTMF events go there
    std::optional<int64_t> delete_at;  // wall-clock seconds, set by delete with a delay
    media::QualityLog quality;         // MOS samples from relayed RTCP, by reporting SSRC

    std::vector<std::unique_ptr<Participant>>& participants() { return participants_; }
    const std::vector<std::unique_ptr<Participant>>& participants() const { return participants_; }
    Participant* find(const std::string& tag);
    Participant& add(std::string tag);

private:
    const std::shared_ptr<const std::string> id_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Participant>> participants_;
};

}  // namespace rtpe::call
