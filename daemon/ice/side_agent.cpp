#include "daemon/ice/side_agent.hpp"

#include <sys/socket.h>

#include <chrono>

#include "daemon/media/relay.hpp"
#include "daemon/media/worker_context.hpp"
#include "util/log.hpp"

namespace rtpe::ice {

namespace {

// The agent's clock and the worker timers' are both CLOCK_MONOTONIC.
TimePoint from_ms(int64_t ms) {
    return TimePoint(std::chrono::milliseconds(ms));
}

int64_t to_ms(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

bool same_agent(const SideSetup& a, const SideSetup& b) {
    return a.enabled == b.enabled && a.role == b.role && a.remote_lite == b.remote_lite && a.lite == b.lite &&
           a.local == b.local &&
           a.remote == b.remote && a.rtcp_mux == b.rtcp_mux;
}

}  // namespace

SideAgent::SideAgent(media::PacketStream& rtp, media::PacketStream& rtcp) : rtp_(rtp), rtcp_(rtcp) {}

SideAgent::~SideAgent() = default;

void SideAgent::configure(const SideSetup& setup) {
    const bool restart = !agent_ || !same_agent(setup, setup_);
    setup_ = setup;
    if (!setup.enabled || setup.remote.ufrag.empty()) {
        // Not (yet) ICE: until the participant's credentials are known there is nothing to check.
        stop();
        agent_.reset();
        return;
    }
    if (restart) {
        stop();
        AgentConfig config;
        config.lite = setup.lite;
        config.role = setup.lite ? Role::controlled : setup.remote_lite ? Role::controlling : setup.role;
        agent_ = std::make_unique<Agent>(config, *this);
        rtp_id_ = agent_->add_local_candidate(1, rtp_.local_address());
        if (!setup.rtcp_mux)
            rtcp_id_ = agent_->add_local_candidate(2, rtcp_.local_address());
        agent_->set_local_credentials(setup.local);
        agent_->set_remote_credentials(setup.remote);
        agent_->set_remote_lite(setup.remote_lite);
    }
    for (const Candidate& c : setup.remote_candidates)
        agent_->add_remote_candidate(c);  // duplicates are refused by the agent
    if (setup.remote_done)
        agent_->set_remote_gathering_done();
    agent_->on_timer(from_ms(media::WorkerTimers::now_ms()));
    settle();
}

void SideAgent::on_stun(media::PacketStream& stream, const uint8_t* data, std::size_t length,
                        const net::SocketAddress& source) {
    if (!agent_)
        return;  // credentials not known yet: nothing can be verified
    const LocalId local = &stream == &rtp_ ? rtp_id_ : rtcp_id_;
    agent_->on_datagram(from_ms(media::WorkerTimers::now_ms()), local, source, {data, length});
    settle();
}

void SideAgent::stop() {
    if (media::WorkerTimers* timers = media::this_worker().timers)
        timers->cancel(*this);
}

void SideAgent::send(const Agent::Transmit& t) {
    // Checks and answers are few: sent at once, not batched with media.
    const int fd = t.local == rtp_id_ ? rtp_.fd() : rtcp_.fd();
    if (::sendto(fd, t.datagram.data(), t.datagram.size(), MSG_DONTWAIT, t.to->sockaddr_ptr(), t.to->length()) < 0)
        media::bump(rtp_.counters().user_errors);
}

void SideAgent::on_event(const AgentEvent& event) {
    events_.push_back(event);
}

void SideAgent::on_timer(int64_t now_ms) {
    if (!agent_)
        return;
    agent_->on_timer(from_ms(now_ms));
    settle();
}

media::PacketStream& SideAgent::stream_of(unsigned component) {
    return component == 2 ? rtcp_ : rtp_;
}

void SideAgent::settle() {
    for (const AgentEvent& e : events_) {
        switch (e.kind) {
        case AgentEvent::Kind::selected:
            media::take_ice_endpoint(stream_of(e.component), e.remote);
            // With rtcp-mux there is no component 2: RTCP comes from and goes to the pair
            // of component 1.
            if (setup_.rtcp_mux && e.component == 1)
                media::take_ice_endpoint(rtcp_, e.remote);
            break;
        case AgentEvent::Kind::consent_expired:
            media::lose_ice_consent(stream_of(e.component));
            break;
        case AgentEvent::Kind::completed:
            RTPE_LOG(ice, log::kInfo, "ICE completed on %s", rtp_.local_address().to_string().c_str());
            break;
        case AgentEvent::Kind::failed:
            RTPE_LOG(ice, log::kInfo, "ICE failed on %s", rtp_.local_address().to_string().c_str());
            break;
        case AgentEvent::Kind::role_changed:
            break;
        }
    }
    events_.clear();
    media::WorkerTimers* timers = media::this_worker().timers;
    if (!timers)
        return;
    const TimePoint next = agent_ ? agent_->next_deadline() : TimePoint::max();
    if (next == TimePoint::max())
        timers->cancel(*this);  // nothing to do until a datagram arrives
    else
        timers->schedule(*this, to_ms(next));
}

}  // namespace rtpe::ice
