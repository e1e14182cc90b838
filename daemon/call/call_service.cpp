#include "daemon/call/call_service.hpp"

#include "daemon/call/transcoding.hpp"

#include "daemon/media/srtp_logging.hpp"

#include <sys/time.h>

#include <algorithm>
#include <ctime>

#include "daemon/call/call_samples.hpp"
#include "daemon/call/cdr.hpp"
#include "daemon/call/sdp_media.hpp"
#include "daemon/call/sdp_rewriter.hpp"
#include "daemon/call/call_error.hpp"
#include "daemon/media/relay.hpp"
#include "rtp/payload_types.hpp"
#include "sdp/session.hpp"
#include "util/log.hpp"
#include "util/parse.hpp"

namespace rtpe::call {



CallService::CallService(CallRegistry& registry, media::LocalInterfaces& interfaces, media::WorkerPool& workers,
                         LoadLimits& limits, CallSettings settings, stats::Statistics& stats)
    : registry_(registry),
      interfaces_(interfaces),
      workers_(workers),
      limits_(limits),
      settings_(std::move(settings)),
      stats_(stats),
      dtls_context_(dtls::Certificate::generate(settings_.dtls_certificate), settings_.dtls_context) {}

void CallService::keep_origin_fields(Participant& sender, sdp::Session& session, const CallRequest& request) {
    // The participant's first SDP gives the username, session name and version its later
    // ones are measured against (upstream remembers them whether or not a flag asks).
    const sdp::Origin origin = session.origin();
    if (!sender.sdp_username)
        sender.sdp_username = origin.username;
    else if (request.replace_username)
        session.set_origin_username(*sender.sdp_username);
    if (!sender.output_sdp_version)
        sender.output_sdp_version = parse_int(origin.session_version).value_or(0);
    if (!sender.sdp_session_name)
        sender.sdp_session_name = session.session_name();
    else if (request.replace_session_name)
        session.set_session_name(*sender.sdp_session_name);
}

std::string CallService::renumber_origin(Participant& sender, sdp::Session session,
                                         const std::vector<MediaTarget>& targets, const RewriteOptions& options) {
    // Our own version goes out; it moves on only when what we write differs from what we
    // wrote with this flag last time (ports, addresses and flags count, not just the body).
    session.set_origin_version(std::to_string(*sender.output_sdp_version));
    std::string out = rewrite_sdp(session, targets, options);
    if (sender.last_sdp_out && *sender.last_sdp_out != out) {
        ++*sender.output_sdp_version;
        session.set_origin_version(std::to_string(*sender.output_sdp_version));
        out = rewrite_sdp(std::move(session), targets, options);
    }
    sender.last_sdp_out = out;
    return out;
}

MediaSide& CallService::media_at(Participant& side, std::size_t index, const Participant& other,
                                 std::optional<std::size_t> worker) {
    while (side.medias.size() <= index) {
        auto m = std::make_unique<MediaSide>();
        const std::size_t i = side.medias.size();
        m->index = static_cast<int>(i) + 1;
        // Both sides of one m= line share a worker, so the relay never crosses threads.
        m->worker = i < other.medias.size() ? other.medias[i]->worker
                    : i == index && worker ? *worker
                                           : next_worker_++ % workers_.size();
        side.medias.push_back(std::move(m));
    }
    return *side.medias[index];
}

CallService::MediaChanges::MediaChanges(media::WorkerPool& workers, std::deque<std::unique_ptr<Grave>>& graves,
                                        KernelOffload* offload)
    : workers_(workers), graves_(graves), offload_(offload), tasks_(workers.size()), wake_(workers.size()),
      retired_(workers.size()) {}

CallService::MediaChanges::~MediaChanges() {
    // Changes run on the worker before any packet it fetches after this point, so a peer
    // sending right after our reply meets the new state; they only matter to packets, so
    // an idle worker is not woken for them. Freeing waits until packets already in hand
    // are through. Also on errors: what was retired must still be freed.
    for (std::size_t w = 0; w < tasks_.size(); ++w) {
        if (!tasks_[w].empty())
            workers_.poller(w).post(
                [tasks = std::move(tasks_[w])] {
                    for (const auto& task : tasks)
                        task();
                },
                wake_[w]);
        if (!retired_[w].empty()) {
            auto grave = std::make_unique<Grave>();
            grave->streams = std::move(retired_[w]);
            Grave* dead = grave.get();
            graves_.push_back(std::move(grave));
            // The worker closes the sockets itself, after the batch in which it sees this:
            // only then can no event of theirs be pending, and their fd numbers be reused
            // without a handler reading the wrong socket. No wake-up just for this either:
            // a busy worker gets to it after its current batch, an idle one when
            // kick_workers() runs from the timer (reclaim_released_ports() need not wait for it).
            workers_.poller(w).defer(
                [dead] {
                    for (auto& retired : dead->streams) {
                        if (retired.sockets)
                            retired.sockets->close_sockets();
                        for (auto* stream : {retired.rtp.get(), retired.rtcp.get()})
                            if (stream)
                                stream->stop_timers();
                        for (const auto& bridge : retired.t38_bridges)
                            bridge->stop();
                    }
                    dead->released.store(true, std::memory_order_release);
                },
                false);
        }
    }
}

void CallService::MediaChanges::update(const MediaSide& m, std::function<void()> change) {
    if (m.active)
        tasks_[m.worker].push_back(std::move(change));
    else
        change();  // not in any poller yet: nothing else can be looking at it
}

void CallService::MediaChanges::on_worker(const MediaSide& m, std::function<void()> task) {
    on_worker(m.worker, std::move(task));
}

void CallService::MediaChanges::on_worker(std::size_t worker, std::function<void()> task) {
    tasks_[worker].push_back(std::move(task));
}

void CallService::MediaChanges::now_on_worker(const MediaSide& m, std::function<void()> task) {
    tasks_[m.worker].push_back(std::move(task));
    wake_[m.worker] = true;
}

void CallService::MediaChanges::retire(MediaSide& m) {
    if (!m.rtp)
        return;
    if (offload_)
        offload_->release(m);
    m.rtp->retire();
    m.rtcp->retire();
    // The call may go before the worker has reported all it saw: nothing more for its log.
    m.rtp->published.quality = m.rtcp->published.quality = nullptr;
    retired_[m.worker].push_back({std::move(m.rtp), std::move(m.rtcp), std::move(m.sockets), std::move(m.holes),
                                  std::move(m.ice_agent),
                                  std::move(m.srtp), std::move(m.dtls_rtp), std::move(m.dtls_rtcp),
                                  std::move(m.bundle_routes), std::move(m.players), std::move(m.transcoders),
                                  m.t38_bridges});
    m.srtp.clear();
    m.players.clear();
    m.transcoders.clear();
    m.t38_bridges.clear();
    m.t38_gateway = false;
    m.bundle_routes.clear();
    m.holes.clear();
    m.active = false;
}

void CallService::MediaChanges::activate(MediaSide& m) {
    if (m.active || !m.rtp)
        return;
    auto& poller = workers_.poller(m.worker);
    poller.add(m.rtp->fd(), *m.rtp);
    poller.add(m.rtcp->fd(), *m.rtcp);
    m.active = true;
}

// Which graves are released is read before the events are drained: a worker posts every
// event of a stream before it releases it, so those events are applied while the stream
// still exists, and none can come after.
void CallService::bury_released() {
    for (auto& g : graves_)
        g->seen_released = Grave::is_released(g);
    apply_media_events();
    std::erase_if(graves_, [](const std::unique_ptr<Grave>& g) { return g->seen_released; });
}

void CallService::bury_oldest_released() {
    std::size_t released = 0;
    while (released < graves_.size() && Grave::is_released(graves_[released]))
        ++released;
    apply_media_events();
    graves_.erase(graves_.begin(), graves_.begin() + static_cast<std::ptrdiff_t>(released));
}

void CallService::apply_media_events() {
    for (const auto& e : workers_.events().take()) {
        switch (e.kind) {
        case media::MediaEvent::Kind::endpoint_learned:
            e.stream->published.advertised = e.advertised;
            e.stream->published.learned = e.address;
            break;
        case media::MediaEvent::Kind::quality_sample:
            if (e.stream->published.quality)
                e.stream->published.quality->add(e.ssrc, e.quality);
            break;
        case media::MediaEvent::Kind::dtls_verified:
            e.stream->published.dtls_verified = true;
            break;
        case media::MediaEvent::Kind::srtp_progress:
            if (offload_)
                offload_->take_srtp_progress(e.stream, e.srtp);
            break;
        case media::MediaEvent::Kind::dtmf:
            if (dtmf_listener_)
                if (auto report = dtmf_report(e))
                    dtmf_listener_(*report);
            break;
        case media::MediaEvent::Kind::new_ssrc:
            RTPE_LOG(core, log::kDebug, "New SSRC %08x on %s%s", e.ssrc,
                     e.stream->local_address().to_string().c_str(), e.stream->is_rtcp() ? " (RTCP)" : "");
            break;
        }
    }
}

std::optional<DtmfReport> CallService::dtmf_report(const media::MediaEvent& e) {
    auto call = registry_.find(std::string(e.stream->call_id()));
    if (!call)
        return std::nullopt;
    std::lock_guard lock(call->mutex());
    DtmfReport r;
    for (const auto& p : call->participants()) {
        r.tags.push_back(p->tag);
        for (const auto& m : p->medias)
            if (m->rtp.get() == e.stream || m->rtcp.get() == e.stream) {
                r.source_tag = p->tag;
                r.source_label = p->label;
            }
    }
    r.call_id = call->id();
    r.source = e.address;
    r.timestamp = time(nullptr);
    r.event = e.dtmf.event;
    r.duration_ms = e.dtmf.duration_ms;
    r.volume = e.dtmf.volume;
    r.call_destination = call->dtmf_log_dest;
    return r;
}

void CallService::tick_kernel() {
    if (!offload_)
        return;
    apply_media_events();
    MediaChanges changes(workers_, graves_, offload_.get());
    for (const auto& call : registry_.snapshot()) {
        std::lock_guard lock(call->mutex());
        sync_kernel(changes, *call);
    }
    offload_->collect();
}

void CallService::sync_kernel(MediaChanges& changes, const Call& call) {
    for (auto& [worker, task] : offload_->sync(call, settings_.tos))
        changes.on_worker(worker, std::move(task));
}

bool CallService::reclaim_released_ports() {
    // No waiting for the workers: pairs they have not closed yet give up their ports at once
    // (SocketPair::release_ports_now); the workers, woken now, close what is left after their
    // batch, so the graves do not pile up until the timer's next kick.
    kick_workers();
    bool freed = false;
    for (auto& grave : graves_)
        if (!Grave::is_released(grave))
            for (auto& retired : grave->streams)
                if (retired.sockets && retired.sockets->release_ports_now(interfaces_.placeholder_fd()))
                    freed = true;
    const std::size_t before = graves_.size();
    bury_released();
    return freed || graves_.size() < before;
}

void CallService::kick_workers() {
    for (std::size_t w = 0; w < workers_.size(); ++w)
        workers_.poller(w).kick();
}

void CallService::bind_media(Call& call, MediaSide& m, const std::string& interface_name, int family) {
    m.local = interfaces_.find(interface_name, family);
    if (!m.local)
        m.local = interfaces_.find(interface_name);
    if (!m.local)
        throw CallError(interface_name.empty() ? "No usable interface" : "Unknown interface '" + interface_name + "'");
    m.sockets = interfaces_.allocate(*m.local);
    m.rtcp_port_unused = false;
    if (!m.sockets && reclaim_released_ports())
        m.sockets = interfaces_.allocate(*m.local);
    if (!m.sockets)
        throw CallError("Ran out of ports");
    const net::IpAddress& ip = m.local->local;
    const uint16_t port = m.sockets->rtp_port();
    m.holes.clear();
    if (firewall_)
        for (uint16_t p : {port, static_cast<uint16_t>(port + 1)})
            m.holes.push_back(std::make_unique<kernel::FirewallHole>(*firewall_, net::SocketAddress(ip, p), call.id()));
    m.rtp = std::make_unique<media::PacketStream>(m.sockets->rtp_fd(), false, net::SocketAddress(ip, port),
                                                  call.shared_id());
    m.rtcp = std::make_unique<media::PacketStream>(m.sockets->rtcp_fd(), true,
                                                   net::SocketAddress(ip, static_cast<uint16_t>(port + 1)),
                                                   call.shared_id());
    // Set before the streams are active: nothing else looks at them yet.
    m.rtp->rtp_sibling = m.rtp.get();
    m.rtcp->rtp_sibling = m.rtp.get();
    m.rtp->published.quality = m.rtcp->published.quality = &call.quality;
    m.holds_early_stun = m.holds_early_dtls = false;  // new streams hold nothing yet
}

void CallService::wire(MediaChanges& changes, MediaSide& a, MediaSide& b) {
    if (!a.rtp || !b.rtp)
        return;
    struct Side {
        media::PacketStream* rtp;
        media::PacketStream* rtcp;
        bool mux;
    };
    const Side sides[] = {{a.rtp.get(), a.rtcp.get(), a.rtcp_mux}, {b.rtp.get(), b.rtcp.get(), b.rtcp_mux}};
    auto link = [sides] {
        // RTP goes to the peer's RTP stream. RTCP goes to the peer's RTCP stream, or its RTP
        // stream when the peer multiplexes (RFC 5761); RTCP a multiplexing participant sends
        // on its RTP port is split off towards a peer that does not. Otherwise what arrives
        // on an RTP port goes on as it is, as upstream relays it.
        for (int i = 0; i < 2; ++i) {
            const Side& here = sides[i];
            const Side& peer = sides[1 - i];
            media::PacketStream* peer_rtcp = peer.mux ? peer.rtp : peer.rtcp;
            here.rtp->forwarder.set_targets(peer.rtp, here.mux && !peer.mux ? peer_rtcp : nullptr);
            here.rtcp->forwarder.set_targets(peer_rtcp, nullptr);
            here.rtp->forwarder.set_bundle(nullptr);  // wire_bundle sets it again where bundled
            here.rtcp->forwarder.set_bundle(nullptr);
            here.rtp->rebuild_sinks();
            here.rtcp->rebuild_sinks();
        }
    };
    // Both sides share a worker; one task covers them whichever of them is active.
    if (a.active || b.active)
        changes.update(a.active ? a : b, link);
    else
        link();
}

void CallService::wire_bundle(MediaChanges& changes, Participant& bundled, Participant& other,
                              const BundleGroup& group) {
    const std::size_t primary = group.primary();
    if (primary >= bundled.medias.size() || !bundled.medias[primary]->rtp)
        return;
    MediaSide& p = *bundled.medias[primary];
    struct Peer {
        media::PacketStream* rtp;
        media::PacketStream* rtcp;
        bool mux;
    };
    std::vector<media::BundleRoute> routes;
    std::vector<Peer> peers;
    for (std::size_t n = 0; n < group.indices.size(); ++n) {
        const std::size_t k = group.indices[n];
        if (k >= bundled.medias.size() || k >= other.medias.size() || !other.medias[k]->rtp)
            continue;
        const MediaSide& member = *bundled.medias[k];
        MediaSide& peer = *other.medias[k];
        if (peer.worker != p.worker) {
            RTPE_LOG(core, log::kWarning, "BUNDLE member %zu is on another worker: not bundled", k + 1);
            continue;
        }
        media::BundleRoute route;
        route.mid = group.mids[n];
        route.target = peer.rtp.get();
        route.rtcp_target = peer.rtcp_mux ? peer.rtp.get() : peer.rtcp.get();
        for (const auto& format : member.negotiated)
            if (auto pt = parse_int(format); pt && *pt >= 0 && *pt < 128)
                route.payload_types.set(static_cast<std::size_t>(*pt));
        routes.push_back(route);
        peers.push_back({peer.rtp.get(), peer.rtcp.get(), peer.rtcp_mux});
    }
    // Its packets name their m= line in the MID header extension, when it offered one.
    uint8_t mid_extension = 0;
    if (p.offered && p.offered->mid_extmap) {
        const std::string_view id_and_direction = split_words(*p.offered->mid_extmap).front();
        if (auto id = parse_int(id_and_direction.substr(0, id_and_direction.find('/'))); id && *id > 0 && *id < 256)
            mid_extension = static_cast<uint8_t>(*id);
    }
    p.bundle_routes.push_back(std::make_unique<media::BundleRoutes>(std::move(routes), mid_extension));
    media::BundleRoutes* table = p.bundle_routes.back().get();
    media::PacketStream* rtp = p.rtp.get();
    media::PacketStream* rtcp = p.rtcp.get();
    const bool mux = p.rtcp_mux;
    // Each member's peer sends to the one transport (RTCP on its RTP port when it muxes).
    changes.update(p, [rtp, rtcp, mux, table, peers = std::move(peers)] {
        for (media::PacketStream* s : {rtp, rtcp}) {
            s->forwarder.set_bundle(table);
            s->rebuild_sinks();
        }
        media::PacketStream* transport_rtcp = mux ? rtp : rtcp;
        for (const Peer& peer : peers) {
            peer.rtp->forwarder.set_targets(rtp, peer.mux && !mux ? transport_rtcp : nullptr);
            peer.rtcp->forwarder.set_targets(transport_rtcp, nullptr);
            peer.rtp->rebuild_sinks();
            peer.rtcp->rebuild_sinks();
        }
    });
}

void CallService::unlink(MediaChanges& changes, MediaSide& m) {
    if (!m.rtp)
        return;
    media::PacketStream* rtp = m.rtp.get();
    media::PacketStream* rtcp = m.rtcp.get();
    changes.update(m, [rtp, rtcp] {
        for (auto* stream : {rtp, rtcp}) {
            stream->forwarder.set_targets(nullptr, nullptr);
            stream->rebuild_sinks();
        }
    });
}

std::vector<media::AllowedPayload> CallService::take_sender_sdp(MediaChanges& changes, MediaSide& m,
                                                                const sdp::Session& session, std::size_t i,
                                                                const SdpEndpoints& e,
                                                                const media::RelayPolicy& policy) {
    const auto& section = session.media()[i];
    const auto description = section.media();
    m.type = description.media;
    m.protocol = description.proto;
    // Seen from the relay, as upstream reports it: we send to a participant that
    // receives, and receive from one that sends.
    auto direction = section.direction() ? section.direction() : session.session().direction();
    // Upstream ignores the direction of a media held with a zero address.
    if (auto c = section.connection(); c && c->address == "0.0.0.0")
        direction.reset();
    m.send = !direction || direction == sdp::Direction::sendrecv || direction == sdp::Direction::recvonly;
    m.recv = !direction || direction == sdp::Direction::sendrecv || direction == sdp::Direction::sendonly;
    m.sdp_rtp = e.rtp;
    m.sdp_rtcp = e.rtcp;
    m.sdp_filled = true;
    auto payloads = payloads_of(section, description.formats, m.codec_names);
    m.codecs = sdp_codecs(section);
    if (m.rtp) {
        media::PacketStream* rtp = m.rtp.get();
        media::PacketStream* rtcp = m.rtcp.get();
        changes.update(m, [rtp, rtcp, e, policy, payloads] {
            apply_sdp_address(*rtp, e.rtp, policy);
            apply_sdp_address(*rtcp, e.rtcp, policy);
            rtp->payloads().allow(payloads);
        });
    }
    return payloads;
}

void CallService::settle_ice(MediaSide& sender, MediaSide& receiver, const ice::SdpIce& sdp, const CallRequest& request,
                             bool is_offer, MediaTarget& t) {
    sender.ice.take(sdp);
    if (is_offer && request.reject_ice)
        sender.ice.enabled = false;
    bool advertise = receiver.ice.enabled;  // an answer: what the offerer said
    bool trickle = receiver.ice.trickle;
    if (is_offer) {
        // The answerer is offered ICE as the key says, and taken to speak it until it answers.
        // force-relay negotiates as optional does; only the offer it writes differs.
        const bool optional = request.ice == IceMode::optional || request.ice == IceMode::force_relay;
        const bool relay = request.ice == IceMode::force_relay;
        advertise = request.ice == IceMode::force || optional ||
                    ((request.ice == IceMode::absent || request.ice == IceMode::default_mode) && speaks_ice(sdp));
        trickle = request.trickle_ice;
        receiver.ice.enabled = advertise;
        sender.ice.passthrough = receiver.ice.passthrough = optional && speaks_ice(sdp);
        if (sender.ice.passthrough) {
            // Upstream marks the answerer's side controlling only once it has answered.
            receiver.ice_controlling = false;
            t.ice = IceAdvert{{}, false, false, true, true, relay};
            return;
        }
        if (relay && advertise) {
            t.ice = IceAdvert{receiver.ice.local_credentials(), trickle, receiver.ice.lite_self, false, false, true};
            return;
        }
    } else if (receiver.ice.passthrough) {
        // The answerer's own ICE (if any) goes back as it is; we rank below it.
        sender.ice_controlling = true;
        t.ice = IceAdvert{{}, false, false, true, speaks_ice(sdp)};
        return;
    }
    if (!advertise)
        return;
    t.ice = IceAdvert{receiver.ice.local_credentials(), trickle, receiver.ice.lite_self};
}

void CallService::sync_ice_agent(MediaChanges& changes, MediaSide& side) {
    if (!side.rtp)
        return;
    // We speak ICE with it: its checks are never the other side's, even before its agent runs.
    const bool stun_expected = side.ice.enabled && !side.ice.passthrough;
    if (stun_expected != side.holds_early_stun) {
        side.holds_early_stun = stun_expected;
        media::PacketStream* rtp = side.rtp.get();
        media::PacketStream* rtcp = side.rtcp.get();
        changes.on_worker(side, [rtp, rtcp, stun_expected] { rtp->stun_expected = rtcp->stun_expected = stun_expected; });
    }
    ice::SideSetup setup;
    // Checks need both credentials: ours reach the participant with our SDP, its own with its.
    // In passthrough the ends check each other, through us as a plain relay.
    setup.enabled = side.ice.enabled && !side.ice.passthrough && !side.ice.local.ufrag.empty() &&
                    !side.ice.remote.ufrag.empty();
    if (!setup.enabled && !side.ice_agent)
        return;
    if (!side.ice_agent)
        side.ice_agent = std::make_unique<ice::SideAgent>(*side.rtp, *side.rtcp);
    // Upstream controls towards the answerer (its "ICE controlling" side) and ICE-lite peers.
    setup.role = side.ice_controlling ? ice::Role::controlling : ice::Role::controlled;
    setup.remote_lite = side.ice.lite_peer;
    setup.lite = side.ice.lite_self;
    setup.local = side.ice.local;
    setup.remote = side.ice.remote;
    setup.remote_candidates = side.ice.remote_candidates;
    setup.remote_done = side.ice.remote_done;
    setup.rtcp_mux = side.rtcp_mux;
    ice::SideAgent* agent = side.ice_agent.get();
    media::PacketStream* rtp = side.rtp.get();
    media::PacketStream* rtcp = side.rtcp.get();
    changes.on_worker(side, [agent, rtp, rtcp, setup = std::move(setup)] {
        agent->configure(setup);
        rtp->ice = rtcp->ice = setup.enabled ? agent : nullptr;
    });
}

void CallService::settle_sdes(MediaSide& sender, MediaSide& receiver, const sdp::MediaSection& section,
                              const MediaPlan& plan, const CallRequest& request, bool is_offer, MediaTarget& t) {
    const std::string protocol = section.media().proto;
    const bool srtp_profile = is_srtp_profile(protocol);
    std::vector<srtp::SdesCrypto> lines =
        srtp_profile || is_plain_rtp_profile(protocol) ? sdes_of(section) : std::vector<srtp::SdesCrypto>{};
    if (is_offer) {
        sender.sdes.osrtp_offered = !srtp_profile && !lines.empty();
        sender.sdes.offered_by = std::move(lines);
        const bool receiver_srtp =
            (is_srtp_profile(plan.receiver_protocol) || plan.receiver_osrtp) && !request.sdes.off;
        receiver.sdes.offered_to =
            receiver_srtp ? sdes_offer(sender.sdes.offered_by, request.sdes) : std::vector<srtp::SdesCrypto>{};
        for (const auto& c : receiver.sdes.offered_to)
            t.crypto.push_back(format_sdes_line(c, request.sdes));
        return;
    }
    SdesSide& answerer = sender.sdes;
    SdesSide& offerer = receiver.sdes;
    answerer.answered_crypto = !lines.empty();
    // static: a re-INVITE's answer leaves what was negotiated before as it is.
    if (request.sdes.keep && answerer.active() && offerer.active()) {
        t.crypto.push_back(format_sdes_line(*offerer.out, request.sdes));
        return;
    }
    // The answerer took one of the lines we offered it (by tag) and gave its own key.
    answerer.in.reset();
    answerer.out.reset();
    if (!lines.empty())
        for (const auto& offered : answerer.offered_to)
            if (offered.tag == lines.front().tag && offered.suite == lines.front().suite) {
                answerer.in = lines.front();
                answerer.out = offered;
            }
    // Towards the offerer we answer its first usable line with a key of our own (kept while
    // it keeps offering the same line, so a re-INVITE does not re-key).
    // An OSRTP offer (RFC 8643) is taken up when the answerer took SRTP, when it was offered
    // none (we speak SRTP with the offerer ourselves), or with OSRTP=accept; otherwise the
    // offerer stays on plain RTP, as the answerer did.
    const bool osrtp_declined =
        offerer.osrtp_offered && !answerer.active() && !answerer.offered_to.empty() && !request.osrtp.accept;
    if (offerer.offered_by.empty() || osrtp_declined) {
        offerer.in.reset();
        offerer.out.reset();
        return;
    }
    // The answerer took one of the offerer's own lines: both ends agree on it, and the
    // offerer gets the answerer's line as it is (its key too), as upstream passes it.
    for (const auto& line : offerer.offered_by)
        if (answerer.in && line.tag == answerer.in->tag && line.suite == answerer.in->suite) {
            offerer.in = line;
            offerer.out = *answerer.in;
            t.crypto.push_back(format_sdes_line(*offerer.out, request.sdes));
            return;
        }
    const srtp::SdesCrypto& chosen = offerer.offered_by.front();
    if (!offerer.out || offerer.out->tag != chosen.tag || offerer.out->suite != chosen.suite ||
        (answerer.in && offerer.out->keys == answerer.in->keys))
        offerer.out = srtp::make_sdes(chosen.tag, *chosen.suite);
    offerer.in = chosen;
    t.crypto.push_back(format_sdes_line(*offerer.out, request.sdes));
}

std::string CallService::our_fingerprint(dtls::HashFunction hash) const {
    return dtls_context_.certificate().fingerprint(hash).to_string();
}

void CallService::settle_dtls(MediaSide& sender, MediaSide& receiver, const sdp::Session& session, std::size_t index,
                              const MediaPlan& plan, const CallRequest& request, bool is_offer, MediaTarget& t) {
    const std::string protocol = session.media()[index].media().proto;
    sender.dtls.remote_fingerprint = is_srtp_profile(protocol) ? fingerprint_of(session, index) : std::nullopt;
    sender.dtls.remote_setup = setup_of(session, index);
    // DTLS-fingerprint names the hash; else SHA-256 in offers, the peer's own in answers.
    bool hash_requested = false;
    dtls::HashFunction requested_hash = dtls::HashFunction::sha_256;
    if (request.dtls_fingerprint)
        if (auto hash = dtls::find_hash_function(*request.dtls_fingerprint)) {
            requested_hash = *hash;
            hash_requested = true;
        }
    if (is_offer) {
        sender.dtls.reverse_passive = request.dtls_reverse_passive.value_or(settings_.dtls_passive);
        // Offered beside SDES to a participant whose profile is SRTP.
        if ((is_srtp_profile(plan.receiver_protocol) || plan.receiver_osrtp) && !request.dtls_off)
            t.dtls = DtlsAdvert{"actpass", our_fingerprint(requested_hash)};
        receiver.dtls.offered = t.dtls.has_value();
        return;
    }
    // The answerer answered our offer with a fingerprint: DTLS-SRTP with it, not SDES. (The
    // answer's own DTLS key is about the offerer's side, where the rewritten SDP goes.)
    DtlsSide& answerer = sender.dtls;
    answerer.active = answerer.remote_fingerprint.has_value();
    if (answerer.active) {
        answerer.role = role_towards(answerer.remote_setup, false);
        sender.sdes.in.reset();
        sender.sdes.out.reset();
    }
    // The offerer offered a fingerprint: it gets DTLS-SRTP back, with our fingerprint in
    // its own hash, and no SDES.
    DtlsSide& offerer = receiver.dtls;
    offerer.active = offerer.remote_fingerprint.has_value() && !request.dtls_off;
    if (!offerer.active)
        return;
    // Passive when either the offer (DTLS-reverse) or this answer (DTLS) asks for it, each
    // defaulting to --dtls-passive: upstream 10.5 answers so.
    offerer.role = role_towards(offerer.remote_setup,
                                offerer.reverse_passive || request.dtls_passive.value_or(settings_.dtls_passive));
    // Query shows the role the answer settled.
    receiver.dtls_active = offerer.role == dtls::Role::active;
    receiver.dtls_passive = offerer.role == dtls::Role::passive;
    receiver.sdes.in.reset();
    receiver.sdes.out.reset();
    t.crypto.clear();
    t.dtls = DtlsAdvert{std::string(dtls::to_string(offerer.role)),
                        our_fingerprint(hash_requested ? requested_hash : offerer.remote_fingerprint->hash)};
}

void CallService::sync_dtls(MediaChanges& changes, MediaSide& side) {
    if (!side.rtp)
        return;
    auto sync = [&](std::unique_ptr<dtls::SideDtls>& endpoint, media::PacketStream& own, media::PacketStream& sibling,
                    bool enabled, bool keys_sibling) {
        if (!enabled && !endpoint)
            return;
        if (!endpoint)
            endpoint = std::make_unique<dtls::SideDtls>(dtls_context_, own, sibling);
        dtls::SideSetup setup;
        setup.enabled = enabled;
        setup.role = side.dtls.role;
        setup.remote_fingerprint = side.dtls.remote_fingerprint;
        setup.mtu = settings_.dtls_mtu;
        setup.keys_sibling = keys_sibling;
        dtls::SideDtls* handler = endpoint.get();
        media::PacketStream* stream = &own;
        changes.on_worker(side, [handler, stream, setup] {
            handler->configure(setup);
            stream->dtls = setup.enabled ? handler : nullptr;
            if (setup.enabled && stream->early_dtls)
                stream->early_dtls->hand_over([&](const uint8_t* data, std::size_t length,
                                                  const net::SocketAddress& source) {
                    handler->on_dtls(*stream, data, length, source);
                });
        });
    };
    // RTCP's first: with rtcp-mux the RTP association then keys the RTCP stream as well.
    sync(side.dtls_rtcp, *side.rtcp, *side.rtp, side.dtls.active && !side.rtcp_mux, false);
    sync(side.dtls_rtp, *side.rtp, *side.rtcp, side.dtls.active, side.rtcp_mux);
    // Offered our fingerprint and not answered yet: what DTLS it sends early is kept.
    const bool hold = side.dtls.offered && !side.dtls.active;
    if (hold != side.holds_early_dtls) {
        side.holds_early_dtls = hold;
        media::PacketStream* rtp = side.rtp.get();
        media::PacketStream* rtcp = side.rtcp.get();
        changes.on_worker(side, [rtp, rtcp, hold] {
            for (media::PacketStream* s : {rtp, rtcp})
                s->early_dtls = hold ? std::make_unique<media::EarlyDatagrams>() : nullptr;
        });
    }
}

void CallService::sync_srtp(MediaChanges& changes, MediaSide& side) {
    if (!side.rtp)
        return;
    const bool running = !side.srtp.empty() && side.srtp.back();
    if (running && same_keys(*side.srtp.back(), side.sdes))
        return;
    if (!running && !side.sdes.active())
        return;
    auto contexts = make_side_srtp(side.sdes);
    if (contexts) {
        const auto& in_key = side.sdes.in->keys.front();
        const auto& out_key = side.sdes.out->keys.front();
        media::log_srtp_key("SDES", side.rtp->local_address(), *side.sdes.in->suite, in_key.key, in_key.salt, true);
        media::log_srtp_key("SDES", side.rtp->local_address(), *side.sdes.out->suite, out_key.key, out_key.salt,
                            false);
    }
    srtp::Context* in = contexts ? &contexts->in : nullptr;
    srtp::Context* out = contexts ? &contexts->out : nullptr;
    media::PacketStream* rtp = side.rtp.get();
    media::PacketStream* rtcp = side.rtcp.get();
    changes.update(side, [rtp, rtcp, in, out] {
        rtp->srtp_in = rtcp->srtp_in = in;
        rtp->srtp_out = rtcp->srtp_out = out;
    });
    side.srtp.push_back(std::move(contexts));
}

void CallService::settle_transcoding(MediaChanges& changes, MediaSide& answerer, MediaSide& offerer,
                                     const sdp::MediaSection& answer, const std::vector<SdpCodec>& answered,
                                     const std::vector<SdpCodec>& left_out, MediaTarget& t) {
    if (!answerer.rtp || !offerer.rtp || !offerer.offered)
        return;
    const OfferedCodecs& options = offerer.offer_codecs;
    std::optional<Transcoding> tc = transcoding_for(offerer.offered->codecs, options, answered);
    std::optional<media::Transcoder::Chain> to_answerer, to_offerer;
    // Packet times the encoders write: what each side's SDP (or the offer's keys) asks for.
    auto ptime_of = [](const std::optional<std::string>& text) { return text ? parse_int(*text).value_or(0) : 0; };
    const auto answer_ptime = answer.attribute("ptime");
    const int answerer_ptime = answer_ptime && answer_ptime->value ? ptime_of(answer_ptime->value)
                                                                   : options.ptime.value_or(0);
    const int offerer_ptime = options.ptime_reverse.value_or(ptime_of(offerer.offered->ptime));
    if (tc) {
        to_answerer = make_chain(tc->offerer, tc->answerer, answerer_ptime);
        to_offerer = make_chain(tc->answerer, tc->offerer, offerer_ptime);
        if (!to_answerer || !to_offerer)
            tc.reset();
    }
    // The kept codec and what else the offerer gets pass as they are; what the answerer
    // still sends in the codecs single-codec left out is transcoded into the kept one, at
    // the answer's packet time (as 10.5 does).
    if (!tc) {
        to_answerer.reset();
        to_offerer = left_out_chain(left_out, answered, answerer_ptime);
        if (to_offerer)
            RTPE_LOG(transcoding, log::kInfo, "Transcoding what the answerer sends in the codecs single-codec "
                     "left out: %s", to_offerer->name.c_str());
    }
    if (!tc && !to_offerer && !answerer.transcoding && !offerer.transcoding)
        return;
    if (tc) {
        if (!tc->same_codec)
            t.codecs = answer_codecs(*tc, options, answered);
        // After a ptime change the offerer is answered with its own packet time (or the
        // ptime-reverse one), as 10.5 does.
        if (options.ptime || options.ptime_reverse)
            t.ptime = options.ptime_reverse ? std::optional<std::string>(std::to_string(*options.ptime_reverse))
                                            : offerer.offered->ptime;
        // DTMF events pass both ways when each side has telephone-event.
        const SdpCodec* offerer_events = telephone_event(t.codecs ? *t.codecs : answered);
        const SdpCodec* answerer_events = telephone_event(answered);
        if (offerer_events && answerer_events) {
            to_answerer->events = event_mapping(*offerer_events, *answerer_events);
            to_offerer->events = event_mapping(*answerer_events, *offerer_events);
        } else if (answerer_events) {  // DTMF transcoding: tones one way, events the other
            engage_dtmf_transcoding(*to_answerer, *to_offerer, *answerer_events);
        } else if (offerer_events) {
            engage_dtmf_transcoding(*to_offerer, *to_answerer, *offerer_events);
        }
        if (options.inject_dtmf) {
            if (!to_answerer->injector)
                to_answerer->injector = dtmf_injector(*to_answerer, answerer_events);
            if (!to_offerer->injector)
                to_offerer->injector = dtmf_injector(*to_offerer, offerer_events);
        }
        engage_clock(*to_answerer, settings_.chain, answered, *t.codecs, options.delay_buffer);
        engage_clock(*to_offerer, settings_.chain, *t.codecs, answered, options.delay_buffer);
    }
    // Each side's RTP stream gets the chain towards its peer (or loses it).
    install_chain(changes, offerer, std::move(to_answerer));
    install_chain(changes, answerer, std::move(to_offerer));
    if (tc)
        RTPE_LOG(transcoding, log::kInfo, "Transcoding %s <-> %s", tc->offerer.encoding().c_str(),
                 tc->answerer.encoding().c_str());
}

media::Transcoder* CallService::install_chain(MediaChanges& changes, MediaSide& side,
                                              std::optional<media::Transcoder::Chain> chain) {
    media::Transcoder* transcoder = nullptr;
    if (chain) {
        side.transcoders.push_back(std::make_unique<media::Transcoder>(std::move(*chain), side.rtp->forwarder));
        transcoder = side.transcoders.back().get();
    }
    side.transcoding = transcoder != nullptr;
    media::PacketStream* rtp = side.rtp.get();
    changes.update(side, [rtp, transcoder] {
        if (rtp->transcoder)
            rtp->transcoder->stop_clock();  // what the old chain holds goes with it
        rtp->transcoder = transcoder;
        rtp->rebuild_sinks();
    });
    return transcoder;
}

void CallService::offer_t38(MediaChanges& changes, MediaSide& offerer, MediaSide& answerer,
                            const sdp::MediaSection& offer, const CallRequest& request, MediaTarget& t) {
    const sdp::MediaDescription d = offer.media();
    const T38Request& r = request.t38;
    std::optional<T38Offer::Mode> mode;
    if (r.decode && is_t38(d))
        mode = T38Offer::Mode::decode;
    else if (r.force && d.media == "audio" && is_rtp_protocol(d.proto))
        mode = T38Offer::Mode::force;
    else if (!r.stop && offerer.t38_offer && !r.decode && !r.force)
        mode = offerer.t38_offer->mode;  // a re-offer without the key keeps the gateway
    if (!mode || r.stop) {
        if (offerer.t38_offer || offerer.t38_gateway)
            drop_t38(changes, offerer, answerer);
        offerer.t38_offer.reset();
        return;
    }
    T38Offer o;
    o.mode = *mode;
    o.request = offerer.t38_offer && !r.decode && !r.force ? offerer.t38_offer->request : r;
    MediaConversion c;
    if (o.mode == T38Offer::Mode::decode) {
        o.offered = t38_sdp_of(offer);
        c.media = "audio";
        c.protocol = request.transport_protocol.value_or("RTP/AVP");
        t.codecs = t38_decode_codecs(request.codec);
    } else {
        o.offered = our_t38_offer(o.request);
        c.media = kT38MediaType;
        c.protocol = kT38Protocol;
        c.formats = {kT38Format};
        c.attributes = t38_attributes(o.offered);
        t.codecs.reset();
        t.ptime.reset();
    }
    answerer.type = c.media;
    answerer.protocol = c.protocol;
    t.conversion = std::move(c);
    offerer.t38_offer = std::move(o);
}

bool CallService::settle_t38(MediaChanges& changes, MediaSide& answerer, MediaSide& offerer,
                             const sdp::MediaSection& answer, MediaTarget& t) {
    if (!offerer.t38_offer || !offerer.offered)
        return false;
    const T38Offer& o = *offerer.t38_offer;
    const sdp::MediaDescription d = answer.media();
    MediaConversion c;
    // The fax machine's side and its codec; the T.38 endpoint's parameters and the answer's.
    MediaSide* audio = nullptr;
    MediaSide* fax = nullptr;
    const SdpCodec* codec = nullptr;
    std::vector<SdpCodec> answered;
    T38Sdp peer, settled;
    if (o.mode == T38Offer::Mode::force) {
        codec = first_transcodable(offerer.offered->codecs);  // the fax machine's, for the gateway
        c.media = "audio";
        c.protocol = offerer.offered->protocol;
        t.codecs = codec ? std::vector<SdpCodec>{*codec} : std::vector<SdpCodec>{};
        audio = &offerer;
        fax = &answerer;
        peer = settled = t38_sdp_of(answer);
        if (!is_t38(d))
            codec = nullptr;
    } else {
        answered = sdp_codecs(answer);
        codec = first_transcodable(answered);
        peer = o.offered;
        settled = our_t38_answer(peer);
        c.media = kT38MediaType;
        c.protocol = kT38Protocol;
        c.formats = {kT38Format};
        c.attributes = t38_attributes(settled);
        audio = &answerer;
        fax = &offerer;
    }
    t.conversion = std::move(c);
    drop_t38(changes, answerer, offerer);
    if (!codec || d.is_rejected() || !audio->rtp || !fax->rtp) {
        if (!d.is_rejected())
            RTPE_LOG(transcoding, log::kWarning, "No T.38 gateway: no audio codec it can use");
        return true;
    }
    std::shared_ptr<media::T38Bridge> bridge =
        make_t38_bridge(*codec, peer, settled, o.request, *audio->rtp, *fax->rtp);
    if (!bridge)
        return true;
    for (MediaSide* side : {audio, fax}) {
        side->t38_bridges.push_back(bridge);
        side->t38_gateway = true;
    }
    media::PacketStream* audio_stream = audio->rtp.get();
    media::PacketStream* fax_stream = fax->rtp.get();
    media::T38Bridge* b = bridge.get();
    changes.update(*audio, [audio_stream, fax_stream, b] {
        audio_stream->gateway = &b->audio_sink();
        fax_stream->gateway = &b->udptl_sink();
        fax_stream->udptl = true;
        audio_stream->rebuild_sinks();
        fax_stream->rebuild_sinks();
    });
    changes.now_on_worker(*audio, [b] { b->start(); });
    RTPE_LOG(transcoding, log::kInfo, "T.38 gateway between %s and UDPTL", codec->encoding().c_str());
    return true;
}

void CallService::drop_t38(MediaChanges& changes, MediaSide& a, MediaSide& b) {
    std::shared_ptr<media::T38Bridge> in_use = !a.t38_bridges.empty() ? a.t38_bridges.back()
                                               : !b.t38_bridges.empty() ? b.t38_bridges.back()
                                                                        : nullptr;
    a.t38_gateway = b.t38_gateway = false;
    if (!a.rtp || !b.rtp)
        return;
    media::PacketStream* ra = a.rtp.get();
    media::PacketStream* rb = b.rtp.get();
    media::T38Bridge* stopping = in_use.get();
    changes.update(a, [ra, rb, stopping] {
        for (media::PacketStream* s : {ra, rb}) {
            s->gateway = nullptr;
            s->udptl = false;
            s->rebuild_sinks();
        }
        if (stopping)
            stopping->stop();
    });
}

void CallService::sync_srtp_passthrough(MediaChanges& changes, MediaSide& a, MediaSide& b) {
    auto sync = [&](MediaSide& from, MediaSide& to) {
        if (!from.rtp)
            return;
        const SideSrtp* in = from.srtp.empty() ? nullptr : from.srtp.back().get();
        const SideSrtp* out = to.srtp.empty() ? nullptr : to.srtp.back().get();
        const srtp::Context* passthrough = in && out && srtp_passes_through(*in, *out) ? &out->out : nullptr;
        media::PacketStream* rtp = from.rtp.get();
        media::PacketStream* rtcp = from.rtcp.get();
        changes.update(from, [rtp, rtcp, passthrough] {
            rtp->srtp_passthrough_out = rtcp->srtp_passthrough_out = passthrough;
        });
    };
    sync(a, b);
    sync(b, a);
}

media::RelayPolicy CallService::relay_policy(const CallRequest& request) const {
    media::RelayPolicy policy = settings_.relay;
    policy.asymmetric = request.asymmetric;
    policy.strict_source = request.strict_source;
    policy.media_handover = request.media_handover;
    return policy;
}

MediaTarget CallService::target_of(const MediaSide& out, const CallRequest& request) const {
    MediaTarget t;
    if (out.sockets) {
        t.address = out.local->advertised;
        t.rtp_port = out.sockets->rtp_port();
        t.rtcp_port = static_cast<uint16_t>(t.rtp_port + 1);
    }
    if (request.media_address)
        if (auto a = net::IpAddress::parse(*request.media_address)) {
            t.address = *a;
            t.address_overridden = true;
        }
    return t;
}

namespace {

const MediaSide* existing_media(const Participant& side, std::size_t index) {
    return index < side.medias.size() ? side.medias[index].get() : nullptr;
}

// a=setup of a DTLS-capable peer, as upstream reports our role towards it.
void dtls_roles_of(const sdp::MediaSection& section, bool& active, bool& passive) {
    active = passive = false;
    if (auto setup = section.attribute("setup"); setup && setup->value) {
        const std::string& v = *setup->value;
        active = v == "passive" || v == "actpass";
        passive = v == "active" || v == "actpass";
    }
}

}  // namespace

namespace {

// RFC 5761 as upstream 10.5 settles it. An offer's rtcp-mux is accepted by us at once
// with demux or accept, else only by the answerer (unless reject); the answerer's own
// a=rtcp-mux makes it multiplex whatever was offered.
void settle_rtcp_mux(MediaSide& sender, MediaSide& receiver, bool sdp_mux, const RtcpMuxRequest& flags,
                     bool is_offer) {
    if (is_offer) {
        sender.rtcp_mux = sdp_mux && (flags.demux || flags.accept || sender.rtcp_mux);
        sender.rtcp_mux_refused = flags.reject;
        return;
    }
    sender.rtcp_mux = sdp_mux;
    if (sdp_mux && receiver.offered && receiver.offered->rtcp_mux && !receiver.rtcp_mux_refused)
        receiver.rtcp_mux = true;
}

// What the receiver of the rewritten SDP is told about multiplexing.
void rtcp_mux_target(MediaTarget& t, const MediaSide& receiver, bool sdp_mux, const RtcpMuxRequest& flags,
                     bool is_offer) {
    if (is_offer) {
        t.rtcp_mux = (sdp_mux && !flags.demux) || flags.offer || flags.require;
        t.rtcp_on_rtp_port = flags.require;
    } else {
        t.rtcp_mux = t.rtcp_on_rtp_port = receiver.rtcp_mux;
    }
}

}  // namespace

// Negotiation: what each m= line needs, read from the SDP and the call as it is; nothing
// is bound, wired or changed here.
SdpPlan CallService::negotiate(const sdp::Session& session, const Participant& sender, const Participant& receiver,
                               const CallRequest& request, bool is_offer) const {
    SdpPlan plan;
    plan.is_offer = is_offer;
    plan.sender_interface = request.direction[is_offer ? 0 : 1];
    plan.receiver_interface = request.direction[is_offer ? 1 : 0];
    plan.policy = relay_policy(request);
    // An offer bundles only with bundle=accept; an answer keeps what its sender's offer had.
    plan.sender_bundle = is_offer ? (request.bundle_accept ? bundle_group_of(session) : std::nullopt) : sender.bundle;
    plan.receiver_bundle = receiver.bundle;

    std::optional<net::IpAddress> sip_source;
    if (request.sip_source_address && !request.trust_address && request.received_from_address)
        sip_source = net::IpAddress::parse(*request.received_from_address);

    for (std::size_t i = 0; i < session.media().size(); ++i) {
        const auto& section = session.media()[i];
        const auto description = section.media();
        MediaPlan mp;
        mp.index = i;
        mp.type = description.media;
        mp.formats = description.formats;
        mp.endpoints = endpoints_of(session, i);
        mp.receiver_family = request.address_family ? family_of(*request.address_family) : mp.endpoints.family;
        if (sip_source && !mp.endpoints.rtp.ip().is_unspecified()) {
            mp.endpoints.rtp = net::SocketAddress(*sip_source, mp.endpoints.rtp.port());
            mp.endpoints.rtcp = net::SocketAddress(*sip_source, mp.endpoints.rtcp.port());
        }
        dtls_roles_of(section, mp.dtls_active, mp.dtls_passive);
        mp.sdp_rtcp_mux = section.attribute("rtcp-mux").has_value();
        mp.ice = ice_of(session, i);
        const MediaSide* m = existing_media(sender, i);
        const MediaSide* out = existing_media(receiver, i);
        mp.sender_bundled = plan.sender_bundle && plan.sender_bundle->secondary(i);
        mp.receiver_bundled = plan.receiver_bundle && plan.receiver_bundle->secondary(i);
        // A bundle-only member (port 0) is not rejected: it is reached on the transport.
        const bool bundle_only = plan.sender_bundle && plan.sender_bundle->member(i) && is_bundle_only(section);
        if (bundle_only)
            mp.endpoints = endpoints_of(session, plan.sender_bundle->primary());
        if (description.is_rejected() && !bundle_only) {
            mp.ports = MediaPlan::Ports::retired;
        } else {
            // A sender that moved to a new address (or a new media type) gets a fresh port
            // pair towards the other side, in offers and answers alike, unless port-latching
            // keeps the ports. A hold (zero address) is not a move.
            // Port latching is the default towards participants speaking ICE (their address
            // changes with every ICE restart), unless no-port-latching says otherwise.
            const bool latching = request.port_latching || (speaks_ice(mp.ice) && !request.no_port_latching);
            mp.moved = m && !latching && m->sdp_rtp.port() != 0 && !m->sdp_rtp.ip().is_unspecified() &&
                       !mp.endpoints.rtp.ip().is_unspecified() &&
                       (!(m->sdp_rtp == mp.endpoints.rtp) || m->type != description.media);
            mp.fresh_sender = !m || !m->sockets;
            mp.fresh_receiver = mp.moved || !out || !out->sockets;
            mp.ports = mp.moved || mp.fresh_sender || mp.fresh_receiver ? MediaPlan::Ports::fresh
                                                                         : MediaPlan::Ports::kept;
        }
        if (is_offer) {
            mp.offered = offered_media(section);
            // The side answering the first offer of this m= line is the ICE controlling one.
            mp.receiver_ice_controlling = !(m && m->ice_controlling);
            mp.receiver_protocol = request.transport_protocol ? *request.transport_protocol : description.proto;
            const bool osrtp_offer = is_plain_rtp_profile(description.proto) && !sdes_of(section).empty();
            mp.receiver_osrtp = is_plain_rtp_profile(mp.receiver_protocol) &&
                                (request.osrtp.offer || (osrtp_offer && !request.transport_protocol));
        } else if (out) {
            mp.answer_to = out->offered;
        }
        plan.media.push_back(std::move(mp));
    }
    return plan;
}

// Application: binds, wires and retires what the plan says, through MediaChanges; returns
// where the receiver of the rewritten SDP is to send each m= line's media.
std::vector<MediaTarget> CallService::apply(Call& call, Participant& sender, Participant& receiver,
                                            const sdp::Session& session, const SdpPlan& plan,
                                            const CallRequest& request) {
    if (request.tos)
        call.tos = request.tos;
    if (request.dtmf_log_dest)
        call.dtmf_log_dest = request.dtmf_log_dest;
    MediaChanges changes(workers_, graves_, offload_.get());
    std::vector<MediaTarget> targets;
    if (plan.is_offer)
        sender.bundle = plan.sender_bundle;
    // A BUNDLE group lives on its primary's worker; the primary's transport streams take
    // every member's payload types.
    auto bundle_of = [&](std::size_t i) -> std::pair<Participant*, const BundleGroup*> {
        if (plan.sender_bundle && plan.sender_bundle->member(i))
            return {&sender, &*plan.sender_bundle};
        if (plan.receiver_bundle && plan.receiver_bundle->member(i))
            return {&receiver, &*plan.receiver_bundle};
        return {nullptr, nullptr};
    };
    for (const MediaPlan& mp : plan.media) {
        const std::size_t i = mp.index;
        std::optional<std::size_t> bundle_worker;
        MediaSide* transport = nullptr;  // the bundled side's primary, for its members
        if (auto [side, group] = bundle_of(i); side) {
            Participant& other = side == &sender ? receiver : sender;
            transport = &media_at(*side, group->primary(), other);
            bundle_worker = transport->worker;
        }
        MediaSide& m = media_at(sender, i, receiver, bundle_worker);
        MediaSide& out = media_at(receiver, i, sender, bundle_worker);
        settle_rtcp_mux(m, out, mp.sdp_rtcp_mux, request.rtcp_mux, plan.is_offer);
        // A bundled transport multiplexes RTCP (RFC 9143 section 9.1): we take it ourselves.
        if (plan.is_offer && mp.sdp_rtcp_mux && plan.sender_bundle && plan.sender_bundle->member(i))
            m.rtcp_mux = true;
        if (plan.is_offer && request.ice_lite) {
            const IceLite lite = *request.ice_lite;
            out.ice.lite_self = lite == IceLite::forward || lite == IceLite::both;
            m.ice.lite_self = lite == IceLite::backward || lite == IceLite::both;
        }
        if (mp.ports == MediaPlan::Ports::retired) {
            // A rejected stream needs no sockets on either side.
            changes.retire(m);
            changes.retire(out);
        } else {
            if (mp.moved) {
                unlink(changes, m);
                changes.retire(out);
            }
            // A BUNDLE member's side has no ports of its own: the transport carries it.
            if (mp.sender_bundled)
                changes.retire(m);
            if (mp.receiver_bundled)
                changes.retire(out);
            if (mp.fresh_sender && !mp.sender_bundled)
                bind_media(call, m, plan.sender_interface, mp.endpoints.family);
            if (mp.fresh_receiver && !mp.receiver_bundled)
                bind_media(call, out, plan.receiver_interface, mp.receiver_family);
            if (plan.is_offer) {
                m.rtcp_port_unused = m.rtcp_port_unused || (mp.fresh_sender && m.rtcp_mux);
                out.rtcp_port_unused = out.rtcp_port_unused || (mp.fresh_receiver && request.rtcp_mux.require);
            }
            if (const int tos = call.tos.value_or(settings_.tos); tos >= 0)
                for (MediaSide* side : {&m, &out})
                    if (side->sockets)
                        for (int fd : {side->sockets->rtp_fd(), side->sockets->rtcp_fd()})
                            net::set_tos(fd, side->local->local.family(), tos);
            wire(changes, m, out);
        }

        auto payloads = take_sender_sdp(changes, m, session, i, mp.endpoints, plan.policy);
        // Payload types either side's SDP named are expected from both (added, never removed,
        // as upstream keeps them); a BUNDLE member's arrive on its transport.
        auto expect = [&](MediaSide& side) {
            if (!side.rtp || payloads.empty())
                return;
            media::PacketStream* rtp = side.rtp.get();
            changes.update(side, [rtp, payloads] { rtp->payloads().allow(payloads); });
        };
        if (mp.sender_bundled)
            expect(*transport);
        expect(mp.receiver_bundled ? *transport : out);
        // What each side's media carries once negotiated: what subscribers will be offered.
        m.negotiated = mp.formats;
        if (!plan.is_offer)
            out.negotiated = mp.formats;
        m.dtls_active = mp.dtls_active;
        m.dtls_passive = mp.dtls_passive;
        if (!plan.is_offer)
            out.dtls_active = out.dtls_passive = false;  // the answer settled the roles
        changes.activate(m);
        changes.activate(out);
        if (plan.is_offer) {
            m.offered = mp.offered;
            if (mp.receiver_ice_controlling)
                out.ice_controlling = true;
            // An ICE-lite agent never controls.
            if (out.ice.lite_self)
                out.ice_controlling = false;
            out.type = mp.type;
            out.protocol = mp.receiver_protocol;
        }

        MediaTarget t = target_of(out, request);
        t.sender_bundled = plan.sender_bundle && plan.sender_bundle->member(i);
        rtcp_mux_target(t, out, mp.sdp_rtcp_mux, request.rtcp_mux, plan.is_offer);
        // Until the answer says otherwise, the answerer is taken to do what it was offered.
        if (plan.is_offer)
            out.rtcp_mux = t.rtcp_mux;
        if (out.sockets || mp.receiver_bundled) {
            settle_ice(m, out, mp.ice, request, plan.is_offer, t);
            sync_ice_agent(changes, m);
            sync_ice_agent(changes, out);
            settle_sdes(m, out, session.media()[i], mp, request, plan.is_offer, t);
            settle_dtls(m, out, session, i, mp, request, plan.is_offer, t);
            sync_srtp(changes, m);
            sync_srtp(changes, out);
            sync_srtp_passthrough(changes, m, out);
            sync_dtls(changes, m);
            sync_dtls(changes, out);
        }
        const std::vector<SdpCodec> sent = sdp_codecs(session.media()[i]);
        std::vector<SdpCodec> codecs = request.reuse_codecs ? in_earlier_order(sent, m.codec_order) : sent;
        if (plan.is_offer) {
            // The codec key: what the answerer is offered of the offerer's codecs, and
            // what the answer will find added or consumed for transcoding.
            const int delay_buffer = request.delay_buffer.value_or(m.offer_codecs.delay_buffer);
            m.offer_codecs = codecs_for_answerer(codecs, request.codec, m.type,
                                                 request.ptime || request.ptime_reverse ||
                                                     request.always_transcode || request.inject_dtmf);
            m.offer_codecs.delay_buffer = delay_buffer;
            m.offer_codecs.ptime = request.ptime;
            m.offer_codecs.ptime_reverse = request.ptime_reverse;
            m.offer_codecs.always_transcode = request.always_transcode;
            m.offer_codecs.inject_dtmf = request.inject_dtmf;
            if (m.offer_codecs.changed || payload_types(codecs) != payload_types(sent))
                t.codecs = m.offer_codecs.to_answerer;
            if (request.ptime)
                t.ptime = std::to_string(*request.ptime);
            out.codec_order = payload_types(m.offer_codecs.to_answerer);
            offer_t38(changes, m, out, session.media()[i], request, t);
        } else {
            t.offered = mp.answer_to;
            out.offer_codecs.inject_dtmf = out.offer_codecs.inject_dtmf || request.inject_dtmf;
            out.offer_codecs.delay_buffer = request.delay_buffer.value_or(out.offer_codecs.delay_buffer);
            std::vector<SdpCodec> left_out;
            if (request.single_codec) {
                left_out = left_out_by_single_codec(codecs);
                codecs = single_codec(std::move(codecs));
            }
            if (!settle_t38(changes, m, out, session.media()[i], t)) {
                settle_transcoding(changes, m, out, session.media()[i], codecs, left_out, t);
                // Untranscoded, the offerer gets the answer's codecs it offered; after codec
                // options, those it kept or we added (a codec the options stripped is gone).
                const OfferedCodecs& options = out.offer_codecs;
                if (!t.codecs && (options.changed || payload_types(codecs) != payload_types(sent))) {
                    std::vector<std::string> allowed = t.offered ? t.offered->formats : payload_types(codecs);
                    if (options.changed) {
                        allowed = payload_types(options.offerer_side);
                        std::ranges::copy(payload_types(options.to_answerer), std::back_inserter(allowed));
                    }
                    t.codecs = answered_as_offered(codecs, allowed);
                }
            }
            out.codec_order = payload_types(t.codecs ? *t.codecs : codecs);
        }
        m.codec_order = payload_types(codecs);
        targets.push_back(t);
    }
    if (plan.sender_bundle)
        wire_bundle(changes, sender, receiver, *plan.sender_bundle);
    if (plan.receiver_bundle) {
        wire_bundle(changes, receiver, sender, *plan.receiver_bundle);
        // What goes to the bundled participant names the one transport for every member.
        const std::size_t primary = plan.receiver_bundle->primary();
        if (primary < targets.size())
            for (std::size_t k : plan.receiver_bundle->indices) {
                if (k >= targets.size())
                    continue;
                if (k != primary)
                    targets[k].take_transport(targets[primary]);
                if (k < receiver.medias.size() && receiver.medias[k]->offered)
                    targets[k].mid_extmap = receiver.medias[k]->offered->mid_extmap;
            }
    }
    return targets;
}

std::string CallService::process_sdp(Call& call, Participant& sender, Participant& receiver,
                                     const CallRequest& request, bool is_offer) {
    std::string error;
    auto session = sdp::parse(*request.sdp, &error);
    if (!session) {
        RTPE_LOG(control, log::kWarning, "Failed to parse SDP: %s", error.c_str());
        throw CallError("Failed to parse SDP");
    }
    const std::size_t count = session->media().size();
    // Our own SDP coming back (a call looping through this daemon) is passed on untouched.
    if (request.loop_protect) {
        auto marker = session->session().attribute(kLoopProtectAttribute);
        if (marker && marker->value == settings_.instance_id)
            return *request.sdp;
    }

    const SdpPlan plan = negotiate(*session, sender, receiver, request, is_offer);
    const std::vector<MediaTarget> targets = apply(call, sender, receiver, *session, plan, request);
    {
        MediaChanges changes(workers_, graves_, offload_.get());
        // Blocks set earlier apply to what this SDP changed (payload types, a new peer).
        sync_media_filters(changes, call);
        // Kernel targets follow the new state now, not at the next tick: a moved peer's old
        // ports must not be sent from.
        if (offload_)
            sync_kernel(changes, call);
    }

    sender.sdp_seen = true;
    sender.last_sdp = *request.sdp;
    if (!request.label.empty())
        sender.label = request.label;
    call.last_signal = time(nullptr);

    RewriteOptions options;
    options.replace_origin = request.replace_origin;
    options.replace_session_connection = request.replace_session_connection;
    options.no_rtcp_attribute = request.no_rtcp_attribute;
    options.full_rtcp_attribute = request.full_rtcp_attribute;
    options.original_sendrecv = request.original_sendrecv;
    options.generate_mid = request.generate_mid;
    options.strip_extmap = request.strip_extmap;
    options.transport_protocol = request.transport_protocol;
    if (plan.receiver_bundle) {
        // The members the SDP does not reject, under the mids the bundled participant gave.
        std::string group = "BUNDLE";
        for (std::size_t n = 0; n < plan.receiver_bundle->indices.size(); ++n) {
            const std::size_t k = plan.receiver_bundle->indices[n];
            if (k < count && !session->media()[k].media().is_rejected())
                group += " " + plan.receiver_bundle->mids[n];
        }
        options.bundle_group = group;
    }
    if (request.loop_protect)
        options.loop_protect_token = settings_.instance_id;
    if (count == 0)
        throw CallError("Error rewriting SDP");
    keep_origin_fields(sender, *session, request);
    if (!request.replace_sdp_version)
        return rewrite_sdp(std::move(*session), targets, options);
    return renumber_origin(sender, std::move(*session), targets, options);
}

std::shared_ptr<Call> CallService::call_for_offer(const CallRequest& request, bool& created) {
    if (!request.sdp)
        throw CallError("No SDP body in message");
    if (request.call_id.empty())
        throw CallError("No call-id in message");
    if (request.from_tag.empty())
        throw CallError("No from-tag in message");
    // Only new calls are refused: a re-INVITE of a running call must keep working.
    if (!registry_.find(request.call_id))
        if (const char* reason = limits_.refusal(registry_.size())) {
            stats_.session_rejected();
            throw LimitReached(reason);
        }
    auto call = registry_.find_or_create(request.call_id, &created);
    if (created) {
        log::ScopedPrefix prefix(call->id());
        RTPE_LOG(core, log::kNotice, "Creating new call");
        call->created_from = request.source;
        call->callback_ip = request.source_ip;
    }
    return call;
}

std::string CallService::offer(const CallRequest& request) {
    bury_oldest_released();
    bool created = false;
    auto call = call_for_offer(request, created);
    std::lock_guard lock(call->mutex());
    log::ScopedPrefix prefix(call->id());
    if (!request.xmlrpc_callback.empty()) {
        // As upstream: an address literal, IPv6 shown in brackets; anything else is ignored.
        if (auto ip = net::IpAddress::parse(request.xmlrpc_callback))
            call->callback_ip = ip->is_v6() ? "[" + ip->to_string() + "]" : ip->to_string();
    }
    call->delete_at.reset();
    try {
        Participant* sender = call->find(request.from_tag);
        if (!sender)
            sender = &call->add(request.from_tag);
        Participant* receiver = sender->peer;
        if (!request.via_branch.empty()) {
            // Forked offers (one per via-branch) each get their own receiving side.
            Participant* branch = nullptr;
            for (auto& p : call->participants())
                if (p.get() != sender && p->via_branch == request.via_branch)
                    branch = p.get();
            if (!branch && receiver && receiver->tag.empty() && !receiver->via_branch.empty())
                receiver = nullptr;
            if (branch)
                receiver = branch;
        }
        if (!receiver)
            receiver = &call->add(request.to_tag);
        if (receiver->via_branch.empty())
            receiver->via_branch = request.via_branch;
        sender->peer = receiver;
        receiver->peer = sender;
        return process_sdp(*call, *sender, *receiver, request, true);
    } catch (...) {
        // A failed first offer must not leave a half-built call behind.
        if (created && !call->participants().empty() && !call->participants().front()->sdp_seen) {
            release_media_locked(*call);
            registry_.remove(call->id());
        }
        throw;
    }
}

std::string CallService::answer(const CallRequest& request) {
    bury_oldest_released();
    if (request.call_id.empty())
        throw CallError("No call-id in message");
    if (request.from_tag.empty())
        throw CallError("No from-tag in message");
    if (request.to_tag.empty())
        throw CallError("No to-tag in message");
    auto call = registry_.find(request.call_id);
    if (!call)
        throw CallError("Unknown call-id");
    if (!request.sdp)
        throw CallError("No SDP body in message");
    std::lock_guard lock(call->mutex());
    log::ScopedPrefix prefix(call->id());

    Participant* offerer = call->find(request.from_tag);
    if (!offerer || !offerer->peer)
        throw CallError("Unknown from-tag");
    Participant* answerer = call->find(request.to_tag);
    if (!answerer) {
        if (offerer->peer->tag.empty()) {
            answerer = offerer->peer;
            answerer->tag = request.to_tag;
        } else {
            // Another branch of a forked INVITE answers: it gets its own sockets, and the
            // offerer's media now goes to the branch that answered last.
            answerer = &call->add(request.to_tag);
        }
    }
    offerer->peer = answerer;
    answerer->peer = offerer;
    std::string sdp = process_sdp(*call, *answerer, *offerer, request, false);
    call->answered = true;
    return sdp;
}

void CallService::release_media_locked(Call& call) {
    // Sockets leave their pollers now; streams and sockets are freed on their workers,
    // after any packet already in hand.
    MediaChanges changes(workers_, graves_, offload_.get());
    for (auto& p : call.participants())
        for (auto& m : p->medias)
            changes.retire(*m);
    for (auto& p : call.participants())
        p->medias.clear();
}

bool CallService::remove_branch_locked(Call& call, const CallRequest& request) {
    // A branch is one answerer (to-tag) or one forked offer (via-branch) among several;
    // when it is the only one left, the whole call goes instead.
    auto& parties = call.participants();
    auto it = std::find_if(parties.begin(), parties.end(), [&](const auto& p) {
        return (!request.to_tag.empty() && p->tag == request.to_tag) ||
               (!request.via_branch.empty() && p->tag.empty() && p->via_branch == request.via_branch);
    });
    if (it == parties.end() || parties.size() <= 2)
        return false;
    Participant& branch = **it;
    RTPE_LOG(core, log::kInfo, "Deleting call branch '%s'", branch.tag.c_str());
    MediaChanges changes(workers_, graves_, offload_.get());
    detach_pubsub(changes, call, branch);
    for (std::size_t i = 0; i < branch.medias.size(); ++i) {
        if (branch.peer && i < branch.peer->medias.size())
            unlink(changes, *branch.peer->medias[i]);
        changes.retire(*branch.medias[i]);
    }
    for (auto& p : parties)
        if (p->peer == &branch) {
            // The other side's media goes on to a remaining branch.
            p->peer = nullptr;
            for (auto& other : parties)
                if (other.get() != &branch && other.get() != p.get() && other->peer == p.get())
                    p->peer = other.get();
            if (!p->peer)
                for (auto& other : parties)
                    if (other.get() != &branch && other.get() != p.get()) {
                        p->peer = other.get();
                        break;
                    }
            if (p->peer)
                for (std::size_t i = 0; i < p->medias.size() && i < p->peer->medias.size(); ++i)
                    wire(changes, *p->medias[i], *p->peer->medias[i]);
        }
    parties.erase(it);
    return true;
}

void CallService::end_locked(Call& call, stats::EndReason reason, bool write_cdr) {
    if (settings_.cdr_facility && write_cdr) {
        timeval now{};
        gettimeofday(&now, nullptr);
        log::write_syslog(*settings_.cdr_facility | log::kInfo, format_cdr(call, cdr_termination(reason), now));
    }
    stats_.call_ended(ended_call_sample(call, reason));
    release_media_locked(call);
    if (call.debug)
        log::set_debug_entity(call.id(), false);
    registry_.remove(call.id());
}

void CallService::destroy(const std::shared_ptr<Call>& call, stats::EndReason reason, bool write_cdr) {
    bury_oldest_released();
    std::lock_guard lock(call->mutex());
    end_locked(*call, reason, write_cdr);
}

bool CallService::remove(const CallRequest& request, const std::function<void(const Call&)>& report) {
    bury_oldest_released();
    auto call = registry_.find(request.call_id);
    if (!call)
        return false;
    const int64_t delay = request.delete_delay.value_or(settings_.delete_delay);
    std::lock_guard lock(call->mutex());
    log::ScopedPrefix prefix(call->id());
    call->last_signal = time(nullptr);
    if (!request.from_tag.empty() && !call->find(request.from_tag))
        return false;
    report(*call);
    if (remove_branch_locked(*call, request))
        return true;
    if (delay > 0) {
        if (!call->delete_at)
            call->delete_at = time(nullptr) + delay;
        RTPE_LOG(core, log::kInfo, "Scheduling deletion of entire call in %lld seconds",
                 static_cast<long long>(delay));
        return true;
    }
    RTPE_LOG(core, log::kInfo, "Deleting entire call");
    end_locked(*call, stats::EndReason::regular, true);
    return true;
}

}  // namespace rtpe::call
