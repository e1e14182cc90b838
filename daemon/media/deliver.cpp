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

Packet build_rtp(std::span<uint8_t> buffer, const rtp::RtpHeader& h, std::span<const uint8_t> payload,
                 PacketStream* ingress) {
    constexpr std::size_t kHeader = 12;
    Packet out;
    if (kHeader + payload.size() > buffer.size())
        return out;
    uint8_t* p = buffer.data();
    p[0] = 0x80;
    p[1] = static_cast<uint8_t>((h.marker ? 0x80 : 0) | (h.payload_type & 0x7f));
    p[2] = static_cast<uint8_t>(h.sequence >> 8);
    p[3] = static_cast<uint8_t>(h.sequence);
    for (int i = 0; i < 4; ++i) {
        p[4 + i] = static_cast<uint8_t>(h.timestamp >> (24 - 8 * i));
        p[8 + i] = static_cast<uint8_t>(h.ssrc >> (24 - 8 * i));
    }
    std::memcpy(p + kHeader, payload.data(), payload.size());
    out.data = p;
    out.length = kHeader + payload.size();
    out.ingress = ingress;
    out.demux = rtp::Demux::rtp_or_rtcp;
    out.is_rtp = true;
    out.header = h;
    out.header.payload_offset = kHeader;
    out.header.payload_length = payload.size();
    return out;
}

}  // namespace rtpe::media
