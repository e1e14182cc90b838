// CallService's publish/subscribe operations (ng publish, subscribe request, subscribe
// answer, unsubscribe), as upstream 10.5 has them. A subscriber's media sides live on the
// workers of the publisher media they copy, so the copy is one more sink on the
// publisher's streams (media::FanOut) and never crosses threads.

#include <sys/time.h>

#include <algorithm>

#include "daemon/call/call_service.hpp"
#include "daemon/call/sdp_rewriter.hpp"
#include "daemon/call/call_error.hpp"
#include "daemon/call/locked_call.hpp"
#include "sdp/session.hpp"
#include "util/log.hpp"
#include "util/random.hpp"

namespace rtpe::call {

namespace {

// o= session ids of generated SDPs: distinct, and growing like upstream's.
uint64_t next_session_id() {
    static uint64_t last = 0;
    timeval now{};
    gettimeofday(&now, nullptr);
    const uint64_t candidate = static_cast<uint64_t>(now.tv_sec) * 1000000 + static_cast<uint64_t>(now.tv_usec);
    last = std::max(last + 1, candidate);
    return last;
}

void erase_one(std::vector<Participant*>& list, const Participant* p) {
    std::erase(list, p);
}

}  // namespace

void CallService::refresh_fan_out(MediaChanges& changes, const Call& call, Participant& publisher) {
    for (std::size_t i = 0; i < publisher.medias.size(); ++i) {
        MediaSide& source = *publisher.medias[i];
        if (!source.rtp)
            continue;
        std::vector<media::FanOut::Target> rtp_targets, rtcp_targets;
        for (Participant* subscriber : publisher.subscribers)
            for (const auto& m : subscriber->medias)
                if (m->feed_publisher == &publisher && m->feed_index == i && m->rtp) {
                    rtp_targets.push_back({m->rtp.get(), media_filter(call, publisher, source, subscriber->tag)});
                    rtcp_targets.push_back({m->rtcp.get(), {}});
                }
        media::PacketStream* rtp = source.rtp.get();
        media::PacketStream* rtcp = source.rtcp.get();
        // The old lists are freed with the task, on the worker, once swapped out.
        changes.update(source, [rtp, rtcp, rtp_targets = std::move(rtp_targets),
                                rtcp_targets = std::move(rtcp_targets)]() mutable {
            rtp_targets = rtp->fan_out.set_targets(std::move(rtp_targets));
            rtcp_targets = rtcp->fan_out.set_targets(std::move(rtcp_targets));
            rtp->rebuild_sinks();
            rtcp->rebuild_sinks();
        });
    }
}

void CallService::drop_subscriptions(MediaChanges& changes, const Call& call, Participant& subscriber) {
    const auto publishers = std::move(subscriber.subscriptions);
    subscriber.subscriptions.clear();
    for (Participant* publisher : publishers) {
        erase_one(publisher->subscribers, &subscriber);
        refresh_fan_out(changes, call, *publisher);
    }
    for (auto& m : subscriber.medias)
        m->feed_publisher = nullptr;
}

void CallService::detach_pubsub(MediaChanges& changes, const Call& call, Participant& leaving) {
    drop_subscriptions(changes, call, leaving);
    // Its subscribers keep their media, which now receives nothing.
    for (Participant* subscriber : leaving.subscribers) {
        erase_one(subscriber->subscriptions, &leaving);
        for (auto& m : subscriber->medias)
            if (m->feed_publisher == &leaving)
                m->feed_publisher = nullptr;
    }
    leaving.subscribers.clear();
}

std::string CallService::publish(const CallRequest& request) {
    bury_oldest_released();
    bool created = false;
    auto call = call_for_offer(request, created);
    std::lock_guard lock(call->mutex());
    log::ScopedPrefix prefix(call->id());
    call->delete_at.reset();
    try {
        std::string error;
        auto session = sdp::parse(*request.sdp, &error);
        if (!session || session->media().empty()) {
            RTPE_LOG(control, log::kWarning, "Failed to parse SDP: %s", error.c_str());
            throw CallError("Failed to parse SDP");
        }
        Participant* publisher = call->find(request.from_tag);
        if (!publisher)
            publisher = &call->add(request.from_tag);
        const media::RelayPolicy policy = relay_policy(request);
        MediaChanges changes(workers_, graves_, offload_.get());
        std::vector<GeneratedMedia> answer;
        for (std::size_t i = 0; i < session->media().size(); ++i) {
            const auto& section = session->media()[i];
            const auto description = section.media();
            MediaSide& m = media_at(*publisher, i, *publisher);
            const SdpEndpoints e = endpoints_of(*session, i);
            GeneratedMedia g;
            g.type = description.media;
            g.protocol = description.proto;
            if (description.is_rejected() || description.formats.empty()) {
                changes.retire(m);
                g.formats = description.formats;
            } else {
                if (!m.sockets)
                    bind_media(*call, m, request.direction[0], e.family);
                // The first codec offered is the one taken (there is no transcoding).
                g.formats = {description.formats.front()};
                g.codec_attributes = codec_attributes(section, g.formats);
                if (auto ptime = section.attribute("ptime"))
                    g.ptime = ptime->value;
                g.target = target_of(m, request);
            }
            take_sender_sdp(changes, m, *session, i, e, policy);
            m.negotiated = g.formats;
            changes.activate(m);
            answer.push_back(std::move(g));
        }
        refresh_fan_out(changes, *call, *publisher);
        publisher->sdp_seen = true;
        publisher->last_sdp = *request.sdp;
        if (!request.label.empty())
            publisher->label = request.label;
        call->last_signal = time(nullptr);
        return generate_sdp(answer, sdp::Direction::recvonly, settings_.sdp_session_name, next_session_id());
    } catch (...) {
        if (created && !call->participants().empty() && !call->participants().front()->sdp_seen) {
            release_media_locked(*call);
            registry_.remove(call->id());
        }
        throw;
    }
}

Subscription CallService::subscribe_request(const CallRequest& request) {
    bury_oldest_released();
    LockedCall call(registry_, request);

    std::vector<Participant*> publishers;
    if (request.all) {
        // Everyone of the offer/answer exchange; subscriptions and publishers are not.
        for (auto& p : call->participants())
            if (p->peer && p->sdp_seen)
                publishers.push_back(p.get());
    } else if (!request.from_tags.empty()) {
        for (const auto& tag : request.from_tags) {
            Participant* p = call->find(tag);
            if (!p)
                throw CallError("From-tag given, but no such tag exists");
            publishers.push_back(p);
        }
    } else if (!request.from_tag.empty()) {
        Participant* p = call->find(request.from_tag);
        if (!p)
            throw CallError("From-tag given, but no such tag exists");
        publishers.push_back(p);
    }
    if (publishers.empty())
        throw CallError("No call participant specified");
    for (Participant* p : publishers)
        if (p->last_sdp.empty())
            throw CallError("Call participant has no media to subscribe to");

    // A subscription that did not name its tag gets 64 hex digits, as upstream makes them.
    const std::string to_tag = request.to_tag.empty() ? random_hex(64) : request.to_tag;
    MediaChanges changes(workers_, graves_, offload_.get());
    Participant* subscriber = call->find(to_tag);
    if (subscriber) {
        if (std::find(publishers.begin(), publishers.end(), subscriber) != publishers.end())
            throw CallError("Cannot subscribe to itself");
        // A new request for an existing subscription replaces all it subscribed to.
        drop_subscriptions(changes, *call, *subscriber);
    } else {
        subscriber = &call->add(to_tag);
    }
    if (!request.set_label.empty())
        subscriber->label = request.set_label;

    // One media side per publisher media, on that media's worker; kept (with its ports)
    // when a renewed subscription lines up with the one it replaces.
    std::size_t j = 0;
    std::vector<MediaTarget> targets;
    std::vector<GeneratedMedia> generated;
    for (Participant* publisher : publishers) {
        auto session = sdp::parse(publisher->last_sdp);
        for (std::size_t i = 0; i < publisher->medias.size(); ++i, ++j) {
            MediaSide& source = *publisher->medias[i];
            if (j == subscriber->medias.size() || subscriber->medias[j]->worker != source.worker) {
                if (j < subscriber->medias.size())
                    changes.retire(*subscriber->medias[j]);
                auto m = std::make_unique<MediaSide>();
                m->index = static_cast<int>(j) + 1;
                m->worker = source.worker;
                if (j < subscriber->medias.size())
                    subscriber->medias[j] = std::move(m);
                else
                    subscriber->medias.push_back(std::move(m));
            }
            MediaSide& m = *subscriber->medias[j];
            m.type = source.type;
            m.protocol = source.protocol;
            m.send = true;
            m.recv = false;
            m.feed_publisher = publisher;
            m.feed_index = i;
            m.negotiated = source.negotiated;
            const bool rejected = !source.rtp;
            if (rejected) {
                changes.retire(m);
            } else if (!m.sockets) {
                const int family = source.local ? source.local->local.family() : AF_INET;
                bind_media(*call, m, request.direction[1], family);
                // The names of what it will be sent, for query.
                if (session && i < session->media().size())
                    payloads_of(session->media()[i], m.negotiated, m.codec_names);
                // In its worker's poller from now on: the publisher's streams will look at it,
                // so every later change must go through that worker.
                changes.activate(m);
            }
            MediaTarget t = target_of(m, request);
            // The publisher's own SDP is the offer: its rtcp-mux stays, as an accepted one.
            if (session && i < session->media().size() && session->media()[i].attribute("rtcp-mux"))
                t.rtcp_mux = t.rtcp_on_rtp_port = true;
            OfferedMedia offered;
            offered.protocol = source.protocol;
            offered.formats = source.negotiated;
            t.offered = offered;
            targets.push_back(t);
            GeneratedMedia g;
            g.type = source.type;
            g.protocol = source.protocol;
            g.formats = source.negotiated;
            if (!rejected && session && i < session->media().size()) {
                const auto& section = session->media()[i];
                g.codec_attributes = codec_attributes(section, g.formats);
                if (auto ptime = section.attribute("ptime"))
                    g.ptime = ptime->value;
                g.target = t;
            } else if (session && i < session->media().size()) {
                g.formats = session->media()[i].media().formats;
            }
            generated.push_back(std::move(g));
        }
        publisher->subscribers.push_back(subscriber);
        subscriber->subscriptions.push_back(publisher);
    }
    // Leftover media of a bigger earlier subscription go.
    while (subscriber->medias.size() > j) {
        changes.retire(*subscriber->medias.back());
        subscriber->medias.pop_back();
    }
    for (Participant* publisher : publishers)
        refresh_fan_out(changes, *call, *publisher);
    call->last_signal = time(nullptr);

    Subscription out;
    out.to_tag = to_tag;
    for (Participant* p : publishers)
        out.from_tags.push_back(p->tag);
    if (publishers.size() == 1) {
        // One publisher: its own SDP, sendonly, with our addresses and its negotiated codecs.
        auto session = sdp::parse(publishers.front()->last_sdp);
        RewriteOptions options;
        options.direction = sdp::Direction::sendonly;
        options.no_rtcp_attribute = request.no_rtcp_attribute;
        options.full_rtcp_attribute = request.full_rtcp_attribute;
        out.sdp = rewrite_sdp(std::move(*session), targets, options);
    } else {
        // Several: an SDP of our own with all their media, in order.
        out.sdp = generate_sdp(generated, sdp::Direction::sendonly, settings_.sdp_session_name, next_session_id());
    }
    return out;
}

void CallService::subscribe_answer(const CallRequest& request) {
    bury_oldest_released();
    LockedCall call(registry_, request);
    if (request.to_tag.empty())
        throw CallError("No to-tag in message");
    Participant* subscriber = call->find(request.to_tag);
    if (!subscriber || subscriber->subscriptions.empty())
        throw CallError("To-tag not found");
    if (!request.sdp)
        throw CallError("No SDP body in message");
    auto session = sdp::parse(*request.sdp);
    if (!session || session->media().size() != subscriber->medias.size())
        throw CallError("Failed to process subscription answer");
    // The answer must take every codec it was offered: the copy is what the publisher
    // sends, and nothing here transcodes it.
    for (std::size_t j = 0; j < subscriber->medias.size(); ++j) {
        const MediaSide& m = *subscriber->medias[j];
        const auto answered = session->media()[j].media();
        if (!m.rtp || answered.is_rejected())
            continue;
        for (const auto& format : m.negotiated)
            if (std::find(answered.formats.begin(), answered.formats.end(), format) == answered.formats.end())
                throw CallError("Failed to process subscription answer");
    }

    const media::RelayPolicy policy = relay_policy(request);
    MediaChanges changes(workers_, graves_, offload_.get());
    for (std::size_t j = 0; j < subscriber->medias.size(); ++j) {
        MediaSide& m = *subscriber->medias[j];
        const SdpEndpoints e = endpoints_of(*session, j);
        take_sender_sdp(changes, m, *session, j, e, policy);
        // The subscriber receives; from the relay's side we only send to it.
        m.send = true;
        m.recv = false;
        changes.activate(m);
    }
    subscriber->sdp_seen = true;
    subscriber->last_sdp = *request.sdp;
    for (Participant* publisher : subscriber->subscriptions)
        refresh_fan_out(changes, *call, *publisher);
    call->last_signal = time(nullptr);
}

void CallService::unsubscribe(const CallRequest& request) {
    bury_oldest_released();
    LockedCall call(registry_, request);
    if (request.to_tag.empty())
        throw CallError("No to-tag in message");
    // As upstream: a tag that subscribes to nothing is no error.
    Participant* subscriber = call->find(request.to_tag);
    if (!subscriber)
        return;
    MediaChanges changes(workers_, graves_, offload_.get());
    drop_subscriptions(changes, *call, *subscriber);
    call->last_signal = time(nullptr);
}

}  // namespace rtpe::call
