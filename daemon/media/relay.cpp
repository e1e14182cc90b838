#include "daemon/media/relay.hpp"

#include "codec/telephone_event.hpp"
#include "daemon/media/egress.hpp"
#include "daemon/media/rtcp_tap.hpp"
#include "daemon/media/srtp_logging.hpp"
#include "daemon/media/worker_context.hpp"
#include "rtp/header.hpp"
#include "rtp/rtcp.hpp"
#include "srtp/context.hpp"

#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace rtpe::media {

namespace {

constexpr int kBatch = 32;
constexpr std::size_t kMaxPacket = 2048;  // larger datagrams are truncated and counted as errors

// One buffer set per worker thread: the packet path allocates nothing. Laid out once: a
// receive only changes the source lengths of the entries it fills, so only those are
// set again (at a low packet rate every wake-up finds these lines cold, and writing all
// 32 headers each time cost more than the packet).
struct Batch {
    Batch() {
        for (int i = 0; i < kBatch; ++i) {
            in_iov[i] = {data[i], kMaxPacket};
            in[i].msg_hdr = {};
            in[i].msg_hdr.msg_name = &sources[i];
            in[i].msg_hdr.msg_namelen = sizeof(sources[i]);
            in[i].msg_hdr.msg_iov = &in_iov[i];
            in[i].msg_hdr.msg_iovlen = 1;
        }
    }
    mmsghdr in[kBatch];
    iovec in_iov[kBatch];
    sockaddr_storage sources[kBatch];
    int filled = 0;  // entries the last receive may have written to
    alignas(16) unsigned char data[kBatch][kMaxPacket];
};
thread_local Batch t_batch;
// SRTP passthrough keeps each packet as it arrived beside its unprotected form.
thread_local unsigned char t_protected[kBatch][kMaxPacket];
thread_local Egress t_egress;

std::atomic<bool> g_plain_io{false};
RtcpTap* g_rtcp_tap = nullptr;  // set before any media socket exists, then only read

// Fills b.in with up to kBatch datagrams; returns how many.
int receive_batch(int fd, Batch& b) {
    for (int i = 0; i < b.filled; ++i)
        b.in[i].msg_hdr.msg_namelen = sizeof(b.sources[i]);
    int n = 0;
    if (!g_plain_io.load(std::memory_order_relaxed)) {
        n = recvmmsg(fd, b.in, kBatch, MSG_DONTWAIT, nullptr);
    } else {
        for (; n < kBatch; ++n) {
            const ssize_t len = recvmsg(fd, &b.in[n].msg_hdr, MSG_DONTWAIT);
            if (len < 0)
                break;
            b.in[n].msg_len = static_cast<unsigned>(len);
        }
        if (n == 0)
            n = -1;
    }
    b.filled = n > 0 ? std::min(n + 1, kBatch) : 1;
    return n;
}

int64_t wall_clock_us() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void publish_endpoint(PacketStream& s) {
    if (EventOutbox* events = this_worker().events) {
        MediaEvent e;
        e.kind = MediaEvent::Kind::endpoint_learned;
        e.stream = &s;
        e.address = s.endpoint;
        e.advertised = s.advertised;
        events->post(e);
    }
}

// DTMF logging: an RFC 4733 event that ended goes up once (its end packet comes three
// times), with its duration in ms and where it came from.
void report_dtmf_end(PacketStream& s, const Packet& p, uint32_t clock_rate, const net::SocketAddress& source) {
    codec::TelephoneEvent ev;
    if (codec::parse_telephone_event({p.data + p.header.payload_offset, p.header.payload_length}, ev) !=
            codec::Status::ok ||
        !ev.end)
        return;
    const std::pair<uint32_t, uint32_t> key{p.header.ssrc, p.header.timestamp};
    if (s.dtmf_reported == key)
        return;
    s.dtmf_reported = key;
    if (EventOutbox* events = this_worker().events) {
        MediaEvent e;
        e.kind = MediaEvent::Kind::dtmf;
        e.stream = &s;
        e.address = source;
        e.dtmf.event = ev.event;
        e.dtmf.volume = ev.volume;
        e.dtmf.duration_ms = clock_rate ? static_cast<uint32_t>(uint64_t{ev.duration} * 1000 / clock_rate) : 0;
        events->post(e);
    }
}

// Per-SSRC and payload-type accounting of one RTP packet.
void ingress_rtp(PacketStream& s, const Packet& p, const net::SocketAddress& source, int64_t now_us) {
    const rtp::RtpHeader& h = p.header;
    const std::size_t length = p.length;
    uint32_t clock_rate = 0;
    // A payload type no SDP named is an error on an RTP port (upstream counts it, and
    // forwards it all the same); RTP arriving on an RTCP port is just passed on.
    if (!s.payloads().count(h.payload_type, clock_rate) && !s.is_rtcp())
        bump(s.counters().user_errors);
    const bool new_ssrc = s.ssrcs().record(h.ssrc, h.sequence, h.timestamp, h.payload_type, clock_rate, length, now_us);
    if (s.payloads().telephone_event(h.payload_type))
        report_dtmf_end(s, p, clock_rate, source);
    put(s.counters().last_ssrc, h.ssrc);
    put(s.counters().ssrc_seen, true);
    if (new_ssrc)
        if (EventOutbox* events = this_worker().events) {
            MediaEvent e;
            e.kind = MediaEvent::Kind::new_ssrc;
            e.stream = &s;
            e.ssrc = h.ssrc;
            events->post(e);
        }
}

// Compound RTCP: sender reports are remembered, receiver reports about SRs the peer
// relayed become MOS samples. A compound that does not parse all through is counted as
// malformed; what came before the broken part is used, and the packet is still relayed.
void ingress_rtcp(PacketStream& s, const uint8_t* data, std::size_t length, int64_t now_us) {
    uint32_t ssrc = 0;
    if (rtp::rtcp_sender_ssrc(data, length, ssrc)) {
        put(s.counters().last_ssrc, ssrc);
        put(s.counters().ssrc_seen, true);
    }
    const rtp::RtcpSummary summary = rtp::summarize_rtcp({data, length});
    if (summary.status != rtp::RtcpStatus::ok)
        bump(s.counters().malformed);
    if (summary.sender_info && summary.sender_ssrc)
        s.rtcp_quality.remember_sender_report(*summary.sender_ssrc, summary.sender_info->ntp_middle(), now_us);
    PacketStream* peer = s.forwarder.rtcp_target();
    EventOutbox* events = this_worker().events;
    if (!peer || !events || !summary.report_block_count)
        return;
    QualitySample samples[rtp::kMaxReportBlocks];
    const std::size_t n = RtcpQuality::on_report_blocks(s, *peer, summary, now_us, wall_clock_us() / 1000000,
                                                        samples, rtp::kMaxReportBlocks);
    for (std::size_t i = 0; i < n; ++i) {
        MediaEvent e;
        e.kind = MediaEvent::Kind::quality_sample;
        e.stream = &s;
        e.ssrc = *summary.sender_ssrc;
        e.quality = samples[i];
        events->post(e);
    }
}

// Whatever claims to be RTCP (version 2, an RTCP packet type) goes to the tap, even when a
// later part of the compound is broken: the observer decides what it can use.
void tap_rtcp(const PacketStream& s, const Packet& p, const net::SocketAddress& source) {
    if (!g_rtcp_tap || !rtp::has_rtcp_header(p.data, p.length))
        return;
    RtcpCapture c;
    c.call_id = s.call_id();
    c.source = source;
    c.destination = s.local_address();
    c.wall_us = wall_clock_us();
    c.data = p.data;
    c.length = p.length;
    g_rtcp_tap->on_rtcp(c);
}

// SRTP or SRTCP from a participant we speak SRTP with, unprotected in place (the receive
// buffer has room); false when it does not authenticate (dropped and counted). What is
// not RTP or RTCP passes: STUN and DTLS have their own handlers.
bool unprotect(PacketStream& s, uint8_t* data, std::size_t& length) {
    if (rtp::demux(data, length) != rtp::Demux::rtp_or_rtcp)
        return true;
    const std::span<uint8_t> buffer(data, kMaxPacket);
    const bool rtcp = rtp::has_rtcp_header(data, length);
    const bool debug = srtp_debug_packets();
    if (debug)
        debug_srtp_packet(s.local_address(), "received", data, length, rtcp, s.srtp_debug_in);
    srtp::Context& srtp = *s.srtp_in;
    const bool ok =
        (rtcp ? srtp.unprotect_rtcp(buffer, length) : srtp.unprotect_rtp(buffer, length)) == srtp::Status::ok;
    if (debug && rtcp)  // RTP's counter moved on above; only RTCP is shown both ways
        debug_srtp_packet(s.local_address(), ok ? "unprotected" : "failed to authenticate", data, length, rtcp,
                          s.srtp_debug_in);
    return ok;
}

// Classification (RFC 7983) and ingress accounting; fills what the sinks see.
void classify_and_account(PacketStream& s, Packet& p, const net::SocketAddress& source, int64_t now_us) {
    StreamCounters& c = s.counters();
    p.demux = rtp::demux(p.data, p.length);
    switch (p.demux) {
    case rtp::Demux::rtp_or_rtcp:
        if (rtp::parse_rtp(p.data, p.length, p.header)) {
            p.is_rtp = true;
            ingress_rtp(s, p, source, now_us);
        } else if (rtp::classify(p.data, p.length) == rtp::PacketKind::rtcp) {
            p.is_rtcp = true;
            ingress_rtcp(s, p.data, p.length, now_us);
        } else {
            bump(c.malformed);
        }
        break;
    case rtp::Demux::stun:
        bump(c.stun);
        break;
    case rtp::Demux::dtls:
        bump(c.dtls);
        break;
    default:
        bump(c.other);
        break;
    }
}

}  // namespace

namespace {

void settle(PacketStream& s, LearningState how) {
    s.endpoint_confirmed = true;
    put(s.learning_state, how);
}

// A new guess at where the participant is.
void try_source(PacketStream& s, const net::SocketAddress& source) {
    s.endpoint = source;
    bump(s.counters().learning_candidates);
}

// Heuristic learning ranks what it sees as upstream does since its fix for RTP Bleed
// (ES2025-01): the exact SDP address beats the SDP's IP with another port, which beats
// anything else; the exact address settles learning at once.
constexpr uint8_t kRankExact = 3, kRankSameIp = 2, kRankOther = 1;
uint8_t heuristic_rank(const PacketStream& s, const net::SocketAddress& source) {
    if (source == s.advertised)
        return kRankExact;
    return source.ip() == s.advertised.ip() ? kRankSameIp : kRankOther;
}

}  // namespace

bool learn_source(PacketStream& s, const net::SocketAddress& source, int64_t now_ms) {
    const bool window_over = s.learning_started_ms != 0 && now_ms - s.learning_started_ms >= kDelayedLearningMs;
    if (s.endpoint == source) {
        // Traffic from the address the SDP named, or from the guess for long enough, ends
        // learning.
        if (!s.endpoint_confirmed) {
            if (source == s.advertised)
                settle(s, LearningState::sdp_address);
            else if (window_over)
                settle(s, LearningState::other_address);
        }
        return true;
    }
    if (s.policy.strict_source && s.endpoint.port() != 0 && s.endpoint_confirmed) {
        bump(s.counters().refused_sources);
        return false;
    }
    if (s.policy.asymmetric || s.policy.learning == EndpointLearning::off) {
        if (s.policy.strict_source && s.endpoint.port() != 0) {
            bump(s.counters().refused_sources);
            return false;
        }
        return true;
    }
    if (s.policy.media_handover) {
        try_source(s, source);
        settle(s, LearningState::handover);
        return true;
    }
    if (s.endpoint_confirmed)
        return true;  // learned already: keep sending where we settled

    switch (s.policy.learning) {
    case EndpointLearning::immediate:
        try_source(s, source);
        settle(s, source == s.advertised ? LearningState::sdp_address : LearningState::other_address);
        break;
    case EndpointLearning::delayed:
        if (s.learning_started_ms == 0) {
            s.learning_started_ms = now_ms;
            try_source(s, source);
            put(s.learning_state, LearningState::learning);
        } else if (source == s.advertised) {
            // A packet from the address the SDP named beats the first guess.
            try_source(s, source);
            settle(s, LearningState::sdp_address);
        }
        if (!s.endpoint_confirmed && now_ms - s.learning_started_ms >= kDelayedLearningMs)
            settle(s, LearningState::other_address);
        break;
    case EndpointLearning::heuristic: {
        const uint8_t rank = heuristic_rank(s, source);
        if (rank == kRankExact) {
            try_source(s, source);
            settle(s, LearningState::sdp_address);
            break;
        }
        if (s.learning_started_ms == 0) {
            s.learning_started_ms = now_ms;
            s.learning_rank = rank;
            try_source(s, source);
            put(s.learning_state, LearningState::learning);
        } else if (rank > s.learning_rank) {
            s.learning_rank = rank;
            try_source(s, source);
        }
        if (now_ms - s.learning_started_ms >= kDelayedLearningMs)
            settle(s, LearningState::other_address);
        break;
    }
    case EndpointLearning::off:
        break;
    }
    return true;
}

bool settle_learning(PacketStream& s, int64_t now_ms) {
    if (s.endpoint_confirmed || s.learning_started_ms == 0 || now_ms - s.learning_started_ms < kDelayedLearningMs)
        return false;
    settle(s, s.endpoint == s.advertised ? LearningState::sdp_address : LearningState::other_address);
    return true;
}

void PacketStream::on_ready(uint32_t) {
    relay_readable(*this);
}

void LearningTimer::on_timer(int64_t now_ms) {
    if (settle_learning(stream_, now_ms))
        publish_endpoint(stream_);
}

void PacketStream::start_learning_timer(int64_t due_ms) {
    if (WorkerTimers* timers = this_worker().timers)
        timers->schedule(learning_timer_, due_ms);
}

void PacketStream::stop_timers() {
    if (WorkerTimers* timers = this_worker().timers)
        timers->cancel(learning_timer_);
    if (player)
        player->stop();
    if (transcoder)
        transcoder->stop_clock();
    if (ice)
        ice->stop();
    if (dtls)
        dtls->stop();
}

void take_ice_endpoint(PacketStream& s, const net::SocketAddress& selected) {
    if (s.endpoint == selected && s.endpoint_confirmed && peek(s.learning_state) == LearningState::ice)
        return;
    s.endpoint = selected;
    settle(s, LearningState::ice);
    publish_endpoint(s);
}

void lose_ice_consent(PacketStream& s) {
    s.endpoint = {};
    settle(s, LearningState::ice_no_consent);
    publish_endpoint(s);
}

void set_rtcp_tap(RtcpTap* tap) {
    g_rtcp_tap = tap;
}

RtcpTap* rtcp_tap() {
    return g_rtcp_tap;
}

void set_plain_io(bool plain) {
    g_plain_io.store(plain, std::memory_order_relaxed);
    Egress::set_plain_io(plain);
}

void relay_readable(PacketStream& stream) {
    Batch& b = t_batch;
    Egress& egress = t_egress;
    StreamCounters& in = stream.counters();
    for (int round = 0; round < 4; ++round) {
        const int n = receive_batch(stream.fd(), b);
        if (n <= 0)
            return;
        if (stream.retired()) {
            if (n < kBatch)
                return;
            continue;
        }
        timespec mono{};
        clock_gettime(CLOCK_MONOTONIC, &mono);
        const int64_t now_us = mono.tv_sec * 1000000 + mono.tv_nsec / 1000;
        const int64_t now_ms = now_us / 1000;
        uint64_t bytes = 0, errors = 0;
        for (int i = 0; i < n; ++i) {
            std::size_t len = b.in[i].msg_len;
            bytes += len;
            auto source = net::SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&b.sources[i]),
                                                            b.in[i].msg_hdr.msg_namelen);
            if (!source || (b.in[i].msg_hdr.msg_flags & MSG_TRUNC)) {
                ++errors;
                continue;
            }
            // STUN to a participant speaking ICE is its agent's (RFC 7983: first byte 0-3).
            if (stream.ice && len >= 20 && b.data[i][0] < 4) {
                bump(in.stun);
                stream.ice->on_stun(stream, b.data[i], len, *source);
                continue;
            }
            // DTLS to a participant speaking DTLS-SRTP is its endpoint's (RFC 7983: 20-63).
            const bool dtls = len >= 13 && b.data[i][0] >= 20 && b.data[i][0] <= 63;
            if (dtls && stream.dtls) {
                bump(in.dtls);
                stream.dtls->on_dtls(stream, b.data[i], len, *source);
                continue;
            }
            // Before its answer set up the agent or endpoint: not for the other side.
            if ((dtls && stream.early_dtls) || (stream.stun_expected && len >= 20 && b.data[i][0] < 4)) {
                bump(dtls ? in.dtls : in.stun);
                if (dtls && !stream.early_dtls->keep(b.data[i], len, *source))
                    ++errors;
                continue;
            }
            const net::SocketAddress endpoint_before = stream.endpoint;
            const bool confirmed_before = stream.endpoint_confirmed;
            const int64_t learning_before = stream.learning_started_ms;
            if (!learn_source(stream, *source, now_ms)) {
                ++errors;
                continue;
            }
            if (stream.learning_started_ms != learning_before && !stream.endpoint_confirmed)
                stream.start_learning_timer(stream.learning_started_ms + kDelayedLearningMs);
            if (stream.endpoint_confirmed != confirmed_before || !(stream.endpoint == endpoint_before))
                publish_endpoint(stream);

            const std::size_t protected_length = len;
            if (stream.srtp_passthrough_out)
                std::memcpy(t_protected[i], b.data[i], len);
            if ((stream.srtp_in && !unprotect(stream, b.data[i], len)) ||
                (!stream.srtp_in && stream.srtp_required && rtp::demux(b.data[i], len) == rtp::Demux::rtp_or_rtcp)) {
                bump(in.srtp_failures);
                ++errors;
                continue;
            }
            Packet p;
            p.data = b.data[i];
            p.length = len;
            p.ingress = &stream;
            if (stream.srtp_passthrough_out) {
                p.protected_data = t_protected[i];
                p.protected_length = protected_length;
            }
            if (!stream.udptl)
                classify_and_account(stream, p, *source, now_us);
            if (p.demux == rtp::Demux::rtp_or_rtcp && !p.is_rtp)
                tap_rtcp(stream, p, *source);
            for (Sink* sink : stream.sinks)
                sink->consume(p, egress);
        }
        // One writer per stream: plain relaxed updates, folded once per batch. Counted
        // before sending, so whoever has received a packet finds it in the stats.
        bump(in.user_packets, static_cast<uint64_t>(n));
        bump(in.user_bytes, bytes);
        put(in.user_last_packet, static_cast<int64_t>(time(nullptr)));
        if (errors)
            bump(in.user_errors, errors);
        egress.flush();
        if (n < kBatch)
            return;
    }
}

}  // namespace rtpe::media
