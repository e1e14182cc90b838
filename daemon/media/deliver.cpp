#include "daemon/media/deliver.hpp"

#include <cstring>

#include "daemon/media/packet_stream.hpp"
#include "daemon/media/srtp_logging.hpp"
#include "srtp/context.hpp"

namespace rtpe::media {

void deliver(PacketStream& to, const Packet& packet, Egress& egress) {
    std::atomic<uint64_t>& failures = packet.ingress->counters().user_errors;
    srtp::Context* srtp = to.srtp_out;
    if (!srtp && to.srtp_required && packet.demux == rtp::Demux::rtp_or_rtcp)
        return;  // never in clear towards a participant that speaks SRTP
    // What is not RTP or RTCP (STUN, DTLS, garbage) goes as it is, as on a plain port.
    if (!srtp || packet.demux != rtp::Demux::rtp_or_rtcp) {
        egress.queue(to.fd(), to.endpoint, packet.data, packet.length, failures);
        return;
    }
    if (packet.protected_data && srtp == packet.ingress->srtp_passthrough_out) {
        egress.queue(to.fd(), to.endpoint, packet.protected_data, packet.protected_length, failures);
        return;
    }
    std::span<uint8_t> buffer = egress.scratch();
    if (packet.length > buffer.size()) {
        bump(failures);
        return;
    }
    if (buffer.data() != packet.data)  // a packet built in this slot (the transcoder's) is there already
        std::memcpy(buffer.data(), packet.data, packet.length);
    std::size_t length = packet.length;
    const srtp::Status status =
        packet.is_rtcp ? srtp->protect_rtcp(buffer, length) : srtp->protect_rtp(buffer, length);
    if (status != srtp::Status::ok) {
        bump(failures);
        return;
    }
    if (srtp_debug_packets())
        debug_srtp_packet(to.local_address(), "protected", buffer.data(), length, packet.is_rtcp, to.srtp_debug_out);
    egress.queue(to.fd(), to.endpoint, buffer.data(), length, failures);
}

}  // namespace rtpe::media
