#pragma once
// The operations ng commands perform on calls: offer, answer, delete, and the timers'
// expiry. Media sockets are allocated here and handed to the workers.

#include <atomic>
#include <functional>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "daemon/call/call.hpp"
#include "daemon/call/call_registry.hpp"
#include "daemon/call/call_request.hpp"
#include "daemon/call/kernel_offload.hpp"
#include "daemon/call/load_limits.hpp"
#include "daemon/call/sdp_media.hpp"
#include "daemon/call/transcoding.hpp"
#include "daemon/media/local_interfaces.hpp"
#include "daemon/media/worker_pool.hpp"
#include "daemon/stats/statistics.hpp"
#include "db/media_database.hpp"
#include "dtls/certificate.hpp"
#include "dtls/context.hpp"
#include "sdp/session.hpp"

namespace rtpe::call {

struct CallSettings {
    int delete_delay = 30;
    int tos = -1;  // --tos; -1 leaves media packets' TOS alone
    media::RelayPolicy relay;
    std::string instance_id;  // identifies this daemon in loop-protect attributes
    std::optional<int> cdr_facility;  // --log-facility-cdr: a CDR per ended call goes there
    std::string sdp_session_name = "rtpengine";  // s= of SDPs written from scratch
    // --dtls-*: the certificate made at start, the handshake's ciphers, datagram size and
    // the role preferred where we may choose.
    dtls::CertificateOptions dtls_certificate;
    dtls::ContextOptions dtls_context;
    std::size_t dtls_mtu = 1200;
    bool dtls_passive = false;
    db::MediaDatabaseSettings media_database;  // --mysql-*: play media's db-id
    ChainOptions chain;  // --jitter-buffer, --dtx-*, CN: what every codec chain does
};

// What one m= line of an offer or answer needs, as negotiation decides it before anything
// is bound: which ports, where the sender's media goes, what it carries, and what the
// rewritten SDP is measured against.
struct MediaPlan {
    enum class Ports {
        kept,     // both sides keep their socket pairs
        fresh,    // a side without a pair, or the receiver's after a move, gets a new one
        retired,  // rejected (port 0): both sides' pairs go
    };
    std::size_t index = 0;
    Ports ports = Ports::kept;
    bool moved = false;           // the sender moved: the receiver's old pair is retired first
    bool fresh_sender = false;    // the sender's side is bound anew
    bool fresh_receiver = false;  // the receiver's side is bound anew
    SdpEndpoints endpoints;       // where the sender's SDP says its media is to go
    int receiver_family = AF_INET;
    std::string type;                   // audio, image, application, ...
    std::vector<std::string> formats;   // the m= line's formats, negotiated for subscribers
    bool sdp_rtcp_mux = false;          // the sender's SDP has a=rtcp-mux
    ice::SdpIce ice;                    // what the sender's SDP says about ICE
    bool dtls_active = false;           // the sender's a=setup, as our DTLS role towards it
    bool dtls_passive = false;
    // Offers: what the answer will be measured against, and the receiver's media as offered.
    std::optional<OfferedMedia> offered;
    bool receiver_ice_controlling = false;
    std::string receiver_protocol;
    // The receiver is offered SRTP on its plain profile (OSRTP): passed on from an OSRTP
    // offer, or asked for with OSRTP=offer.
    bool receiver_osrtp = false;
    // BUNDLE: this m= line's sender / receiver side rides its group's primary transport.
    bool sender_bundled = false;
    bool receiver_bundled = false;
    // Answers: the offer the rewritten answer is measured against (the rewrite target's).
    std::optional<OfferedMedia> answer_to;
};

struct SdpPlan {
    bool is_offer = true;
    std::string sender_interface;    // direction: the interface facing the sender
    std::string receiver_interface;  // and the one facing the receiver
    media::RelayPolicy policy;
    std::vector<MediaPlan> media;    // one per m= line, in order
    // The BUNDLE group of the sender (an offer taken with bundle=accept, or kept from
    // before) and of the receiver (what our SDP to it must bundle again).
    std::optional<BundleGroup> sender_bundle, receiver_bundle;
};

// One RFC 4733 event that ended, for DTMF logging (upstream's DTMF JSON fields).
struct DtmfReport {
    std::string call_id;
    std::string source_tag;
    std::string source_label;       // empty: none
    std::vector<std::string> tags;  // the call's participants
    net::SocketAddress source;      // where the event came from
    int64_t timestamp = 0;          // wall-clock seconds
    int event = 0;
    uint32_t duration_ms = 0;
    int volume = 0;
    std::optional<net::SocketAddress> call_destination;  // the call's DTMF-log-dest
};

// What a subscribe request answers: the offer for the subscriber, and who is who.
struct Subscription {
    std::string sdp;
    std::vector<std::string> from_tags;
    std::string to_tag;
};

// An offer for a new call refused by a limit; what() is upstream's specific reason. The
// ng layer decides how to word the refusal (clients differ in what they understand).
class LimitReached : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class CallService {
public:
    CallService(CallRegistry& registry, media::LocalInterfaces& interfaces, media::WorkerPool& workers,
                LoadLimits& limits, CallSettings settings, stats::Statistics& stats);

    // The rewritten SDP for the other side. Throw CallError with upstream's reasons;
    // offer throws LimitReached when it would create a call a limit does not allow.
    std::string offer(const CallRequest& request);
    std::string answer(const CallRequest& request);

    // Publish/subscribe (daemon/call/pubsub.cpp), as upstream 10.5 has them. publish
    // answers the publisher's SDP with one generated recvonly; a subscribe request offers
    // the subscriber a sendonly copy of the selected participants' media; its answer starts
    // the copy; unsubscribe stops it. Subscribers come and go without a gap for the others.
    std::string publish(const CallRequest& request);
    Subscription subscribe_request(const CallRequest& request);
    void subscribe_answer(const CallRequest& request);
    void unsubscribe(const CallRequest& request);

    // The media commands (daemon/call/media_control.cpp): block DTMF, block media and
    // silence media and their reverses. They act on the whole call, or on the participants
    // a from-tag, label or SDP address selects (on their media towards everyone, or for
    // media towards one receiver: to-tag, to-label, or the all key's flow forms).
    enum class MediaBlock { dtmf, media, silence };
    void set_media_block(const CallRequest& request, MediaBlock what, bool on);
    // start/stop forwarding: the selection is checked as for blocking; forwarding itself is
    // the recording daemon's, which this build does not have (upstream without a
    // recording method does nothing more either).
    void check_media_selection(const CallRequest& request);
    // play DTMF: the digit goes out of the selected participants' media (or everyone's,
    // with all) into their transcoded audio; the call must have been set up with
    // inject-DTMF.
    void play_dtmf(const CallRequest& request, const media::DtmfInjector::Digit& digit);
    // play media: the request's file or blob, decoded at once, played into the selected
    // participants' audio media (or everyone's, with all) in the first codec of theirs this
    // build encodes; returns its duration in ms. stop media stops it and returns the
    // packets played (last-frame-pos).
    int64_t play_media(const CallRequest& request);
    uint64_t stop_media(const CallRequest& request);

    // Deletes the call now, or schedules it for the request's (else the configured)
    // delete delay. report sees the call, locked, as it was before it went. Returns false
    // when there is no such call.
    bool remove(const CallRequest& request, const std::function<void(const Call&)>& report);

    // Destroys the call now: its sockets leave the workers and close; the statistics count
    // it under reason and, unless at shutdown (upstream writes none then), a CDR is logged.
    void destroy(const std::shared_ptr<Call>& call, stats::EndReason reason, bool write_cdr = true);

    CallRegistry& registry() { return registry_; }

    // Control thread only, like every operation here: the CLI changes the delete delay
    // between requests, so no request sees it half-changed.
    int delete_delay() const { return settings_.delete_delay; }
    void set_delete_delay(int seconds) { settings_.delete_delay = seconds; }

    // Applies what the workers reported (endpoints learned) to the streams' published
    // fields, and hands DTMF events to the DTMF listener. Control thread; call before
    // reading them (query, CDR), and often enough for DTMF logging.
    void apply_media_events();
    // Where ended DTMF events go (DTMF logging); set once at start.
    void on_dtmf(std::function<void(const DtmfReport&)> listener) { dtmf_listener_ = std::move(listener); }

    // Frees the sockets and streams the workers are done with. The timers call it, so that an
    // idle daemon gives ports back too; every operation frees at least the oldest ones.
    void bury_released();
    // Wakes idle workers that still hold changes or released media, so that the latter gets
    // freed (and its ports reused) even without traffic; the one-second timer calls it.
    void kick_workers();

    // In-kernel forwarding through the daemon's table (--table), set once at start.
    void use_kernel(const kernel::KernelTable& table) { offload_ = std::make_unique<KernelOffload>(table); }
    // --iptables-chain: every media port bound from now on gets its ACCEPT rule there.
    void use_firewall(const kernel::FirewallChain& chain) { firewall_ = &chain; }
    // Once a second, control thread: every call's streams synced with the kernel's table,
    // and what the kernel forwarded added to their kernel counters.
    void tick_kernel();

private:
    // When ports run out: frees the ports of retired media at once, without waiting for
    // their workers. True when anything was freed.
    bool reclaim_released_ports();
    // The cheap part of bury_released(), for every operation: the oldest graves, as long as
    // they are released (one worker's are released in order; the timer gets the rest).
    void bury_oldest_released();

    // An offer's or answer's SDP: negotiate() decides per m= line, apply() binds, wires and
    // retires accordingly, and the SDP is rewritten towards the targets apply() returns.
    std::string process_sdp(Call& call, Participant& sender, Participant& receiver, const CallRequest& request,
                            bool is_offer);
    SdpPlan negotiate(const sdp::Session& session, const Participant& sender, const Participant& receiver,
                      const CallRequest& request, bool is_offer) const;
    std::vector<MediaTarget> apply(Call& call, Participant& sender, Participant& receiver,
                                   const sdp::Session& session, const SdpPlan& plan, const CallRequest& request);
    // The call an offer or publish names: a new one (unless a limit refuses it with
    // LimitReached), or the existing one as it is. Checks the keys both need.
    std::shared_ptr<Call> call_for_offer(const CallRequest& request, bool& created);
    // The o= username and s= of the sender's first SDP (replace: username, session-name).
    void keep_origin_fields(Participant& sender, sdp::Session& session, const CallRequest& request);
    // replace: sdp-version: the SDP rewritten with our own o= version, raised when what we
    // write differs from what we last wrote with the flag.
    std::string renumber_origin(Participant& sender, sdp::Session session, const std::vector<MediaTarget>& targets,
                                const RewriteOptions& options);
    // The media side for m= line index, created (unbound) when new.
    // worker: where a new one goes (a BUNDLE group lives on one worker); else its peer's,
    // or the next in turn.
    MediaSide& media_at(Participant& side, std::size_t index, const Participant& other,
                        std::optional<std::size_t> worker = std::nullopt);

    // What one signalling operation does to the media plane: changes to streams a worker
    // is serving go to that worker as one task, posted when this goes out of scope (no
    // waiting); streams not serving yet are changed directly.
    // Streams and sockets taken out of a poller, kept until their worker has finished the
    // batch of packets it may have been handling; then freed here, on the control thread,
    // so memory goes back to the allocator arena it came from.
    struct Retired {
        std::unique_ptr<media::PacketStream> rtp, rtcp;
        std::unique_ptr<media::SocketPair> sockets;
        std::vector<std::unique_ptr<kernel::FirewallHole>> holes;
        std::unique_ptr<ice::SideAgent> ice_agent;
        std::vector<std::unique_ptr<SideSrtp>> srtp;
        std::unique_ptr<dtls::SideDtls> dtls_rtp, dtls_rtcp;
        std::vector<std::unique_ptr<media::BundleRoutes>> bundle_routes;
        std::vector<std::unique_ptr<media::MediaPlayer>> players;  // stopped by stop_timers()
        std::vector<std::unique_ptr<media::Transcoder>> transcoders;  // their clocks too
        std::vector<std::shared_ptr<media::T38Bridge>> t38_bridges;  // stopped before the streams go
    };
    struct Grave {
        std::vector<Retired> streams;
        std::atomic<bool> released{false};  // set by the worker
        bool seen_released = false;         // control thread: released when last looked at

        static bool is_released(const std::unique_ptr<Grave>& g) {
            return g->released.load(std::memory_order_acquire);
        }
    };

    class MediaChanges {
    public:
        // offload: the kernel's targets of a side go before its streams do (null: none).
        MediaChanges(media::WorkerPool& workers, std::deque<std::unique_ptr<Grave>>& graves,
                     KernelOffload* offload);
        ~MediaChanges();
        void update(const MediaSide& m, std::function<void()> change);
        // Runs task on m's worker, whether or not m is serving yet (for what needs the
        // worker's own timers).
        void on_worker(const MediaSide& m, std::function<void()> task);
        void on_worker(std::size_t worker, std::function<void()> task);
        // The same, and the worker is woken for it (what must not wait for its next packet
        // or the timer's kick, such as a media player starting).
        void now_on_worker(const MediaSide& m, std::function<void()> task);
        // Stops m's streams now (what arrives is dropped); their worker closes the sockets
        // after its current batch, and they are freed once it has.
        void retire(MediaSide& m);
        // Puts m's sockets into its worker's poller, once its state is set.
        void activate(MediaSide& m);

    private:
        media::WorkerPool& workers_;
        std::deque<std::unique_ptr<Grave>>& graves_;
        KernelOffload* offload_;
        std::vector<std::vector<std::function<void()>>> tasks_;  // by worker
        std::vector<bool> wake_;                                 // by worker: post with a wake-up
        std::vector<std::vector<Retired>> retired_;              // by worker
    };

    // An answer that is to be transcoded (no codec shared with the offer, or as the offer's
    // codec and ptime keys decide): both sides' codec chains (or none again), and in t the
    // offerer's codecs and ptime for the rewritten answer. answered: the answer's codecs as
    // its flags leave them (single-codec, reuse-codecs).
    // T.38 (offers): the m= line goes on to the answerer as the other kind, or a gateway
    // engaged before goes (stop).
    void offer_t38(MediaChanges& changes, MediaSide& offerer, MediaSide& answerer, const sdp::MediaSection& offer,
                   const CallRequest& request, MediaTarget& t);
    // T.38 (answers): the gateway the offer asked for runs between the two; false when the
    // offer engaged none (the answer goes on as usual).
    bool settle_t38(MediaChanges& changes, MediaSide& answerer, MediaSide& offerer, const sdp::MediaSection& answer,
                    MediaTarget& t);
    // The streams go back to forwarding; the gateway in use stops.
    void drop_t38(MediaChanges& changes, MediaSide& a, MediaSide& b);
    // side's RTP stream gets chain towards its peer, or loses the one it has (nullopt);
    // the chain installed, null when none.
    media::Transcoder* install_chain(MediaChanges& changes, MediaSide& side,
                                     std::optional<media::Transcoder::Chain> chain);
    // Answers: the codec chains each way, when the offer's options or the codecs call for
    // them; answered: the answer's codecs its flags leave the offerer, left_out those
    // single-codec took out (transcoded into the one kept when there is no other chain).
    void settle_transcoding(MediaChanges& changes, MediaSide& answerer, MediaSide& offerer,
                            const sdp::MediaSection& answer, const std::vector<SdpCodec>& answered,
                            const std::vector<SdpCodec>& left_out, MediaTarget& t);
    // The call's kernel targets as its streams are now (offload_ set), and the worker tasks
    // that needs.
    void sync_kernel(MediaChanges& changes, const Call& call);
    // What a sender's SDP says for its m= line i, into m and (through changes) its streams;
    // returns the payload types it names.
    std::vector<media::AllowedPayload> take_sender_sdp(MediaChanges& changes, MediaSide& m,
                                                       const sdp::Session& session, std::size_t i,
                                                       const SdpEndpoints& e, const media::RelayPolicy& policy);
    // Where the receiver of our SDP is to send out's media.
    MediaTarget target_of(const MediaSide& out, const CallRequest& request) const;
    // ICE as the offer or answer settles it for both sides of an m= line; advertises ours
    // in t when the receiver of the rewritten SDP speaks ICE with us.
    void settle_ice(MediaSide& sender, MediaSide& receiver, const ice::SdpIce& sdp, const CallRequest& request,
                    bool is_offer, MediaTarget& t);
    // Hands side's agent (made when first needed) what the signalling settled, on its worker.
    void sync_ice_agent(MediaChanges& changes, MediaSide& side);
    // SDES as the offer or answer settles it for both sides of an m= line; our a=crypto
    // lines for the receiver of the rewritten SDP go into t.
    void settle_sdes(MediaSide& sender, MediaSide& receiver, const sdp::MediaSection& section,
                     const MediaPlan& plan, const CallRequest& request, bool is_offer, MediaTarget& t);
    // Gives side's streams the SRTP contexts its keys call for (none without SRTP).
    void sync_srtp(MediaChanges& changes, MediaSide& side);
    // A BUNDLE transport's routes to each member's peer, and the members' peers to it.
    void wire_bundle(MediaChanges& changes, Participant& bundled, Participant& other, const BundleGroup& group);
    // SRTP passthrough both ways between the two sides of an m= line, where they agreed.
    void sync_srtp_passthrough(MediaChanges& changes, MediaSide& a, MediaSide& b);
    // DTLS-SRTP as the offer or answer settles it (after SDES, which it wins over).
    void settle_dtls(MediaSide& sender, MediaSide& receiver, const sdp::Session& session, std::size_t index,
                     const MediaPlan& plan, const CallRequest& request, bool is_offer, MediaTarget& t);
    // Hands side's DTLS endpoint (made when first needed) what the signalling settled.
    void sync_dtls(MediaChanges& changes, MediaSide& side);
    // Our certificate's fingerprint with hash, as a=fingerprint writes it.
    std::string our_fingerprint(dtls::HashFunction hash) const;
    media::RelayPolicy relay_policy(const CallRequest& request) const;
    // Hands each of publisher's streams the subscriber streams that are to get a copy.
    void refresh_fan_out(MediaChanges& changes, const Call& call, Participant& publisher);
    // Ends every subscription of subscriber (its media stays, receiving nothing).
    void drop_subscriptions(MediaChanges& changes, const Call& call, Participant& subscriber);
    // Undoes every publish/subscribe link of a participant that is going away.
    void detach_pubsub(MediaChanges& changes, const Call& call, Participant& leaving);
    // The media commands' settings as the flow from m (from's media) to the participant
    // tagged `to` is to apply them (daemon/call/media_control.cpp).
    media::MediaFilter media_filter(const Call& call, const Participant& from, const MediaSide& m,
                                    const std::string& to) const;
    // Every stream of the call filtered as the media commands' settings say now; streams
    // whose filter is off and was off are not touched. First each chain is told block
    // DTMF's mode, and a same-codec chain is made (or removed) for its in-chain modes.
    void sync_media_filters(MediaChanges& changes, Call& call);
    void sync_dtmf_chains(MediaChanges& changes, Call& call);

    // Gives m a fresh socket pair on the named interface; throws CallError.
    void bind_media(Call& call, MediaSide& m, const std::string& interface_name, int family);
    void wire(MediaChanges& changes, MediaSide& a, MediaSide& b);
    // Stops m forwarding anywhere (its peer is going away).
    void unlink(MediaChanges& changes, MediaSide& m);
    void release_media_locked(Call& call);
    // The end of a whole call: CDR (unless termination is nullptr), media released, gone
    // from the registry.
    void end_locked(Call& call, stats::EndReason reason, bool write_cdr);
    // Deletes only the branch a to-tag or via-branch names, if the call has others.
    bool remove_branch_locked(Call& call, const CallRequest& request);

    CallRegistry& registry_;
    media::LocalInterfaces& interfaces_;
    media::WorkerPool& workers_;
    LoadLimits& limits_;
    CallSettings settings_;
    std::size_t next_worker_ = 0;
    std::deque<std::unique_ptr<Grave>> graves_;  // control thread only, oldest first
    stats::Statistics& stats_;
    std::unique_ptr<KernelOffload> offload_;  // null: userspace only
    std::function<void(const DtmfReport&)> dtmf_listener_;
    // The DTMF report of an event that ended on stream; nullopt when its call is gone.
    std::optional<DtmfReport> dtmf_report(const media::MediaEvent& e);
    const kernel::FirewallChain* firewall_ = nullptr;
    // The DTLS certificate (made at start, as upstream does) and the context every
    // endpoint shares.
    dtls::Context dtls_context_;
};

}  // namespace rtpe::call
