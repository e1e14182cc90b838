#include "daemon/media/t38_bridge.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "daemon/media/counter.hpp"
#include "daemon/media/deliver.hpp"
#include "daemon/media/egress.hpp"
#include "daemon/media/packet_stream.hpp"
#include "daemon/media/worker_context.hpp"
#include "util/log.hpp"

namespace rtpe::media {

namespace {

constexpr int kTickMs = 20;
constexpr std::size_t kTickSamples = codec::kT38GatewayRate * kTickMs / 1000;
// The fax machine's RTP stopped coming for this long: its silence is filled in, so that
// the gateway's own timers (which its input clocks) keep running.
constexpr int64_t kAudioGapMs = 3 * kTickMs;

}  // namespace

std::unique_ptr<T38Bridge> T38Bridge::create(Settings settings, PacketStream& audio, PacketStream& fax,
                                             codec::Status& status) {
    std::unique_ptr<T38Bridge> bridge;
    try {
        bridge.reset(new T38Bridge(std::move(settings), audio, fax));
    } catch (const std::invalid_argument&) {  // UDPTL settings beyond lib/t38's limits
        status = codec::Status::bad_format;
        return nullptr;
    }
    bridge->gateway_ = codec::T38Gateway::create(bridge->s_.gateway, *bridge, status);
    if (!bridge->gateway_)
        return nullptr;
    return bridge;
}

T38Bridge::T38Bridge(Settings settings, PacketStream& audio, PacketStream& fax)
    : s_(std::move(settings)), audio_(audio), fax_(fax), udptl_sender_(s_.udptl_out),
      udptl_receiver_(*this, s_.udptl_in), sequence_(s_.first_sequence), timestamp_(s_.first_timestamp) {
    decoded_.reserve(4096);
    resampled_.reserve(4096);
    tick_pcm_.resize(kTickSamples);
}

T38Bridge::~T38Bridge() = default;

void T38Bridge::start() {
    started_ms_ = WorkerTimers::now_ms();
    last_audio_ms_ = started_ms_;
    if (WorkerTimers* timers = this_worker().timers)
        timers->schedule(*this, started_ms_);
}

void T38Bridge::stop() {
    stopped_ = true;
    if (WorkerTimers* timers = this_worker().timers)
        timers->cancel(*this);
}

void T38Bridge::on_timer(int64_t now_ms) {
    if (stopped_ || audio_.retired() || fax_.retired()) {
        stop();
        return;
    }
    Egress& egress = timer_egress();
    egress_ = &egress;
    if (now_ms - last_audio_ms_ >= kAudioGapMs)
        gateway_->rx_audio_missing(kTickSamples);
    gateway_->tx_audio(tick_pcm_);
    std::span<const int16_t> pcm = tick_pcm_;
    if (s_.from_gateway) {
        resampled_.clear();
        if (s_.from_gateway->convert(pcm, resampled_) == codec::Status::ok)
            pcm = resampled_;
        else
            pcm = {};
    }
    if (!pcm.empty() && audio_.sendable())
        s_.encoder->encode(pcm, *this);
    egress.flush();
    egress_ = nullptr;
    ++ticks_;
    // Paced from the start, so that late ticks do not add up to drift.
    if (WorkerTimers* timers = this_worker().timers)
        timers->schedule(*this, started_ms_ + static_cast<int64_t>(ticks_) * kTickMs);
}

void T38Bridge::on_audio(const Packet& packet, Egress& egress) {
    // RTCP, telephone-event and CN from the fax machine mean nothing to a T.38 endpoint.
    if (stopped_ || !packet.is_rtp || packet.header.payload_type != s_.payload_type)
        return;
    decoded_.clear();
    const std::span<const uint8_t> payload(packet.data + packet.header.payload_offset, packet.header.payload_length);
    if (const codec::Status status = s_.decoder->decode(payload, decoded_); status != codec::Status::ok) {
        bump(packet.ingress->counters().user_errors);
        if (!reported_audio_error_) {  // once per gateway: a broken sender would flood the log
            reported_audio_error_ = true;
            RTPE_LOG(transcoding, log::kWarning, "Dropping fax audio the decoder refuses (%s) on %s",
                     codec::to_string(status), packet.ingress->local_address().to_string().c_str());
        }
        return;
    }
    std::span<const int16_t> pcm = decoded_;
    if (s_.to_gateway) {
        resampled_.clear();
        if (s_.to_gateway->convert(pcm, resampled_) != codec::Status::ok)
            return;
        pcm = resampled_;
    }
    last_audio_ms_ = WorkerTimers::now_ms();
    egress_ = &egress;
    gateway_->rx_audio(pcm);
    egress_ = nullptr;
}

void T38Bridge::on_udptl(const Packet& packet, Egress& egress) {
    if (stopped_)
        return;
    egress_ = &egress;
    if (udptl_receiver_.receive({packet.data, packet.length}) != t38::UdptlStatus::ok) {
        bump(packet.ingress->counters().user_errors);
        if (!reported_udptl_error_) {  // once per gateway, as for the audio
            reported_udptl_error_ = true;
            RTPE_LOG(transcoding, log::kWarning, "Dropping malformed UDPTL on %s",
                     packet.ingress->local_address().to_string().c_str());
        }
    }
    egress_ = nullptr;
}

void T38Bridge::on_ifp(uint16_t seq, t38::Bytes ifp, t38::UdptlReceiver::Source) {
    // An IFP spandsp refuses is counted there; the gateway carries on with the next.
    gateway_->rx_ifp(ifp, seq);
}

void T38Bridge::on_ifp_lost(uint16_t, uint16_t) {
    // Nothing to do: the gateway takes a gap in the sequence numbers as the loss.
}

void T38Bridge::on_t38_ifp(std::span<const uint8_t> ifp, int repeats) {
    if (!egress_ || !fax_.sendable())
        return;
    const std::span<uint8_t> scratch = egress_->scratch();
    const std::span<uint8_t> out = scratch.first(std::min(scratch.size(), s_.max_datagram));
    t38::UdptlBuilt built;
    if (udptl_sender_.build(ifp, out, built) != t38::UdptlStatus::ok) {
        bump(fax_.counters().user_errors);
        return;
    }
    // spandsp repeats what must survive loss (indicators, the last HDLC frames): the
    // same datagram again, which the far end's UDPTL takes once.
    for (int i = 0; i < std::max(1, repeats); ++i)
        egress_->queue(fax_.fd(), fax_.endpoint, out.data(), built.size, fax_.counters().user_errors);
}

void T38Bridge::on_payload(std::span<const uint8_t> payload, uint32_t rtp_duration) {
    rtp::RtpHeader h;
    h.payload_type = s_.payload_type;
    h.marker = marker_;
    h.sequence = sequence_;
    h.timestamp = timestamp_;
    h.ssrc = s_.ssrc;
    if (const Packet out = build_rtp(egress_->scratch(), h, payload, &audio_); out.length)
        deliver(audio_, out, *egress_);
    marker_ = false;
    ++sequence_;
    timestamp_ += rtp_duration;
}

}  // namespace rtpe::media
