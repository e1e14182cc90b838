#include "daemon/call/call_service.hpp"

#include <ctime>

#include "daemon/call/sdp_rewriter.hpp"
#include "daemon/control/ng_commands.hpp"
#include "daemon/media/relay.hpp"
#include "sdp/session.hpp"
#include "util/log.hpp"
#include "util/parse.hpp"

namespace rtpe::call {

namespace {

using control::NgError;

int family_of(const std::string& addr_type) {
    return addr_type == "IP6" ? AF_INET6 : AF_INET;
}

// Where one m= line of an SDP says media is to be sent: RTP, and RTCP (RFC 3605 or port+1).
struct SdpEndpoints {
    net::SocketAddress rtp;
    net::SocketAddress rtcp;
    int family = AF_INET;
};

SdpEndpoints endpoints_of(const sdp::Session& session, std::size_t index) {
    SdpEndpoints e;
    const auto& section = session.media()[index];
    const auto description = section.media();
    const auto connection = session.connection(index);
    std::optional<net::IpAddress> address;
    if (connection) {
        e.family = family_of(connection->addr_type);
        address = net::IpAddress::parse(connection->address);
    }
    if (!address)
        address = net::IpAddress::any(e.family);
    e.rtp = net::SocketAddress(*address, description.port);
    uint16_t rtcp_port = description.port ? static_cast<uint16_t>(description.port + 1) : 0;
    net::IpAddress rtcp_address = *address;
    if (auto rtcp = section.rtcp()) {
        rtcp_port = rtcp->port;
        if (auto a = net::IpAddress::parse(rtcp->address))
            rtcp_address = *a;
    }
    e.rtcp = net::SocketAddress(rtcp_address, rtcp_port);
    return e;
}

// What the relay learns from a fresh SDP: the advertised address, and a new starting
// point for learning when the address changed (re-INVITE to another host).
void apply_sdp_address(media::PacketStream& stream, const net::SocketAddress& advertised,
                       const media::RelayPolicy& policy) {
    stream.policy = policy;
    if (advertised.ip().is_unspecified())
        return;  // hold (0.0.0.0): keep sending where we did
    if (!(stream.advertised == advertised)) {
        stream.advertised = advertised;
        stream.endpoint = advertised;
        stream.endpoint_confirmed = policy.asymmetric || policy.learning == media::EndpointLearning::off;
        stream.learning_started_ms = 0;
    }
}

}  // namespace

CallService::CallService(CallRegistry& registry, media::LocalInterfaces& interfaces, media::WorkerPool& workers,
                         CallSettings settings)
    : registry_(registry), interfaces_(interfaces), workers_(workers), settings_(std::move(settings)) {}

void CallService::ensure_media(Call&, Participant& side, std::size_t count, const std::string& interface_name,
                               int family, const Participant* worker_source) {
    while (side.medias.size() < count) {
        auto m = std::make_unique<MediaSide>();
        m->index = static_cast<int>(side.medias.size()) + 1;
        const std::size_t i = side.medias.size();
        if (worker_source && i < worker_source->medias.size())
            m->worker = worker_source->medias[i]->worker;
        else
            m->worker = next_worker_++ % workers_.size();

        m->local = interfaces_.find(interface_name, family);
        if (!m->local)
            m->local = interfaces_.find(interface_name);
        if (!m->local)
            throw NgError(interface_name.empty() ? "No usable interface" : "Unknown interface '" + interface_name + "'");
        m->sockets = interfaces_.allocate(*m->local);
        if (!m->sockets)
            throw NgError("Ran out of ports");
        m->rtp = std::make_unique<media::PacketStream>(m->sockets->rtp_fd(), false);
        m->rtcp = std::make_unique<media::PacketStream>(m->sockets->rtcp_fd(), true);

        media::PacketStream* rtp = m->rtp.get();
        media::PacketStream* rtcp = m->rtcp.get();
        auto& poller = workers_.poller(m->worker);
        poller.run_sync([&poller, rtp, rtcp] {
            poller.add(rtp->fd(), [rtp](uint32_t) { media::relay_readable(*rtp); });
            poller.add(rtcp->fd(), [rtcp](uint32_t) { media::relay_readable(*rtcp); });
        });
        side.medias.push_back(std::move(m));
    }
}

void CallService::wire(Participant& a, Participant& b) {
    const std::size_t n = std::min(a.medias.size(), b.medias.size());
    for (std::size_t i = 0; i < n; ++i) {
        MediaSide& ma = *a.medias[i];
        MediaSide& mb = *b.medias[i];
        workers_.poller(ma.worker).run_sync([&] {
            ma.rtp->sink = mb.rtp.get();
            mb.rtp->sink = ma.rtp.get();
            ma.rtcp->sink = mb.rtcp.get();
            mb.rtcp->sink = ma.rtcp.get();
        });
    }
}

std::string CallService::process_sdp(Call& call, Participant& sender, Participant& receiver,
                                     const CallRequest& request, bool is_offer) {
    std::string error;
    auto session = sdp::parse(*request.sdp, &error);
    if (!session) {
        RTPE_LOG(control, log::kWarning, "Failed to parse SDP: %s", error.c_str());
        throw NgError("Failed to parse SDP");
    }
    const std::size_t count = session->media().size();

    const std::string& sender_if = request.direction[is_offer ? 0 : 1];
    const std::string& receiver_if = request.direction[is_offer ? 1 : 0];

    std::vector<SdpEndpoints> endpoints;
    for (std::size_t i = 0; i < count; ++i)
        endpoints.push_back(endpoints_of(*session, i));
    const int sender_family = count ? endpoints[0].family : AF_INET;
    const int receiver_family = request.address_family ? family_of(*request.address_family) : sender_family;

    ensure_media(call, sender, count, sender_if, sender_family, &receiver);
    ensure_media(call, receiver, count, receiver_if, receiver_family, &sender);
    wire(sender, receiver);

    media::RelayPolicy policy = settings_.relay;
    policy.asymmetric = request.asymmetric;
    policy.strict_source = request.strict_source;
    policy.media_handover = request.media_handover;

    std::optional<net::IpAddress> sip_source;
    if (request.sip_source_address && !request.trust_address && request.received_from_address)
        sip_source = net::IpAddress::parse(*request.received_from_address);

    std::vector<MediaTarget> targets;
    for (std::size_t i = 0; i < count; ++i) {
        MediaSide& m = *sender.medias[i];
        const auto& section = session->media()[i];
        const auto description = section.media();
        m.type = description.media;
        m.protocol = request.transport_protocol && !is_offer ? m.protocol : description.proto;
        const sdp::Direction direction = session->direction(i);
        m.send = direction == sdp::Direction::sendrecv || direction == sdp::Direction::sendonly;
        m.recv = direction == sdp::Direction::sendrecv || direction == sdp::Direction::recvonly;
        SdpEndpoints e = endpoints[i];
        if (sip_source && !e.rtp.ip().is_unspecified()) {
            e.rtp = net::SocketAddress(*sip_source, e.rtp.port());
            e.rtcp = net::SocketAddress(*sip_source, e.rtcp.port());
        }
        m.sdp_rtp = e.rtp;
        m.sdp_rtcp = e.rtcp;
        workers_.poller(m.worker).run_sync([&] {
            apply_sdp_address(*m.rtp, e.rtp, policy);
            apply_sdp_address(*m.rtcp, e.rtcp, policy);
        });

        MediaSide& out = *receiver.medias[i];
        if (is_offer && request.transport_protocol)
            out.protocol = *request.transport_protocol;
        MediaTarget t;
        t.rejected = description.is_rejected();
        t.address = out.local->advertised;
        if (request.media_address)
            if (auto a = net::IpAddress::parse(*request.media_address))
                t.address = *a;
        t.rtp_port = out.sockets->rtp_port();
        t.rtcp_port = static_cast<uint16_t>(t.rtp_port + 1);
        targets.push_back(t);
    }
    sender.sdp_seen = true;
    if (!request.label.empty())
        sender.label = request.label;
    call.last_signal = time(nullptr);

    RewriteOptions options;
    options.replace_origin = request.replace_origin;
    options.no_rtcp_attribute = request.no_rtcp_attribute;
    options.full_rtcp_attribute = request.full_rtcp_attribute;
    options.original_sendrecv = request.original_sendrecv;
    options.ice_remove = request.ice == IceMode::remove;
    options.loop_protect = request.loop_protect;
    options.transport_protocol = request.transport_protocol;
    return rewrite_sdp(std::move(*session), targets, options, settings_.instance_id);
}

std::string CallService::offer(const CallRequest& request) {
    if (!request.sdp)
        throw NgError("No SDP body in message");
    if (request.call_id.empty())
        throw NgError("No call-id in message");
    if (request.from_tag.empty())
        throw NgError("No from-tag in message");

    bool created = false;
    auto call = registry_.find_or_create(request.call_id, &created);
    std::lock_guard lock(call->mutex());
    log::ScopedPrefix prefix(call->id());
    if (created)
        RTPE_LOG(core, log::kNotice, "Creating new call");
    call->delete_at.reset();
    try {
        Participant* sender = call->find(request.from_tag);
        if (!sender)
            sender = &call->add(request.from_tag);
        Participant* receiver = sender->peer;
        if (!receiver) {
            receiver = &call->add(request.to_tag);
            sender->peer = receiver;
            receiver->peer = sender;
        }
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
    if (!request.sdp)
        throw NgError("No SDP body in message");
    auto call = registry_.find(request.call_id);
    if (!call)
        throw NgError("Unknown call-id");
    std::lock_guard lock(call->mutex());
    log::ScopedPrefix prefix(call->id());

    Participant* offerer = call->find(request.from_tag);
    if (!offerer || !offerer->peer)
        throw NgError("Unknown from-tag");
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
    // Every socket leaves its worker's poller before any stream is freed.
    for (auto& p : call.participants())
        for (auto& m : p->medias) {
            if (!m->rtp)
                continue;
            auto& poller = workers_.poller(m->worker);
            poller.run_sync([&] {
                poller.remove(m->rtp->fd());
                poller.remove(m->rtcp->fd());
                m->rtp->sink = nullptr;
                m->rtcp->sink = nullptr;
            });
        }
    for (auto& p : call.participants())
        p->medias.clear();
}

void CallService::destroy(const std::shared_ptr<Call>& call) {
    std::lock_guard lock(call->mutex());
    release_media_locked(*call);
    registry_.remove(call->id());
}

void CallService::remove(const CallRequest& request, const std::function<void(const Call&)>& report) {
    auto call = registry_.find(request.call_id);
    if (!call)
        throw NgError("Unknown call-id");
    const int64_t delay = request.delete_delay.value_or(settings_.delete_delay);
    std::lock_guard lock(call->mutex());
    log::ScopedPrefix prefix(call->id());
    call->last_signal = time(nullptr);
    report(*call);
    if (delay > 0) {
        if (!call->delete_at)
            call->delete_at = time(nullptr) + delay;
        RTPE_LOG(core, log::kInfo, "Scheduling deletion of entire call in %lld seconds",
                 static_cast<long long>(delay));
        return;
    }
    RTPE_LOG(core, log::kInfo, "Deleting entire call");
    release_media_locked(*call);
    registry_.remove(call->id());
}

}  // namespace rtpe::call
