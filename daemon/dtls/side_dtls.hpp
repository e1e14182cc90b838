#pragma once
// The DTLS-SRTP endpoint (lib/dtls, RFC 5763/5764) of one component of a participant's
// media side, run by the worker that owns its streams: DTLS records from the relay go in,
// flights go out of the component's own socket, retransmission runs on the worker's
// timers, and once connected the exported keys become that stream's SRTP contexts (what
// the participant sends is unprotected with its key, what we send it protected with ours).
// Each component has its association (RFC 5764 4.1); with rtcp-mux the RTP one keys the
// RTCP stream too.
//
// Threading: the control thread creates it and owns it with the media side; configure()
// and everything else run on the worker.

#include <memory>
#include <optional>
#include <vector>

#include "daemon/media/dtls_handler.hpp"
#include "daemon/media/packet_stream.hpp"
#include "daemon/media/worker_timers.hpp"
#include "dtls/context.hpp"
#include "dtls/endpoint.hpp"
#include "srtp/context.hpp"

namespace rtpe::dtls {

// What the signalling settled for one side.
struct SideSetup {
    bool enabled = false;  // DTLS-SRTP chosen with this participant
    Role role = Role::passive;
    std::optional<Fingerprint> remote_fingerprint;
    std::size_t mtu = 1200;
    bool keys_sibling = false;  // rtcp-mux: the keys serve the side's other stream too
};

class SideDtls final : public media::DtlsHandler, public Endpoint::Listener, private media::Timer {
public:
    // own: the stream whose socket carries the association; sibling: the side's other one.
    SideDtls(Context context, media::PacketStream& own, media::PacketStream& sibling);
    ~SideDtls() override;

    // Worker: a new role or fingerprint starts a new association; the same again keeps
    // the running one.
    void configure(const SideSetup& setup);

    void on_dtls(media::PacketStream& stream, const uint8_t* data, std::size_t length,
                 const net::SocketAddress& source) override;
    void stop() override;

    // Endpoint::Listener: from inside the endpoint's calls.
    void send(std::span<const uint8_t> datagram) override;
    void on_event(const EndpointEvent& event) override;

    // Worker: connected, with its SRTP in place (for diagnostics).
    bool connected() const { return srtp_in_.has_value(); }

private:
    void on_timer(int64_t now_ms) override;
    // Applies what the endpoint reported during the last call, then re-arms the timer.
    void settle();
    void use_srtp(const SrtpKeys* keys);

    Context context_;
    media::PacketStream& own_;
    media::PacketStream& sibling_;
    std::unique_ptr<Endpoint> endpoint_;
    SideSetup setup_;
    net::SocketAddress peer_;  // where its DTLS comes from: where ours goes
    std::optional<srtp::Context> srtp_in_, srtp_out_;
    std::vector<EndpointEvent> events_;
};

}  // namespace rtpe::dtls
