#pragma once
// The ICE agent (lib/ice) of one participant's media side, run by the worker that owns
// its streams: STUN from the relay goes in, checks go out of the side's own sockets,
// pacing runs on the worker's timers, and the pair it selects becomes where media goes
// (RFC 8445; consent freshness, RFC 7675, stops media when the participant goes silent).
//
// Threading: the control thread creates it and owns it with the media side; configure()
// and everything else run on the worker, which alone touches it after that.

#include <memory>
#include <vector>

#include "daemon/media/ice_endpoint.hpp"
#include "daemon/media/packet_stream.hpp"
#include "daemon/media/worker_timers.hpp"
#include "ice/agent.hpp"

namespace rtpe::ice {

// What the signalling settled for one side: the agent is (re)built from it.
struct SideSetup {
    bool enabled = false;    // the participant speaks ICE with us
    Role role = Role::controlled;
    bool remote_lite = false;
    bool lite = false;         // we are ICE lite towards this participant
    Credentials local;
    Credentials remote;
    std::vector<Candidate> remote_candidates;
    bool remote_done = false;  // no more candidates will come
    bool rtcp_mux = false;     // one component: RTCP on the RTP port
};

class SideAgent final : public media::IceEndpoint, public Agent::Listener, private media::Timer {
public:
    SideAgent(media::PacketStream& rtp, media::PacketStream& rtcp);
    ~SideAgent() override;

    // Worker: takes the signalling's view. New credentials, role or components restart
    // ICE (a new agent); otherwise new remote candidates are added to the running one.
    void configure(const SideSetup& setup);

    void on_stun(media::PacketStream& stream, const uint8_t* data, std::size_t length,
                 const net::SocketAddress& source) override;
    void stop() override;

    // For tests and diagnostics (worker).
    const Agent* agent() const { return agent_.get(); }

    // Agent::Listener: from inside the agent's calls.
    void send(const Agent::Transmit& transmit) override;
    void on_event(const AgentEvent& event) override;

private:
    void on_timer(int64_t now_ms) override;
    // Applies what the agent reported during the last call, then re-arms the timer.
    void settle();
    media::PacketStream& stream_of(unsigned component);

    media::PacketStream& rtp_;
    media::PacketStream& rtcp_;
    std::unique_ptr<Agent> agent_;
    SideSetup setup_;
    LocalId rtp_id_ = 0;
    LocalId rtcp_id_ = 0;
    std::vector<AgentEvent> events_;  // reported during an agent call, applied after it
};

}  // namespace rtpe::ice
