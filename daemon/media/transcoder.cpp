#include "daemon/media/transcoder.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "codec/telephone_event.hpp"
#include "daemon/media/counter.hpp"
#include "daemon/media/deliver.hpp"
#include "daemon/media/egress.hpp"
#include "daemon/media/forwarder.hpp"
#include "daemon/media/packet_stream.hpp"
#include "daemon/media/worker_context.hpp"
#include "util/log.hpp"

namespace rtpe::media {

Transcoder::Transcoder(Chain chain, Forwarder& forwarder) : chain_(std::move(chain)), forwarder_(forwarder) {
    // Control thread: the DTMF transcoding state is made here, never on the packet path.
    codec::Status status = codec::Status::ok;
    if (chain_.detect_dtmf && chain_.injector)
        detector_ = codec::DtmfDetector::create(*this, status);
    if (chain_.event_tones) {
        tone_ = codec::DtmfGenerator::create(status);
        tone_pcm_.reserve(codec::kDtmfRate);
    }
    if (status != codec::Status::ok)
        RTPE_LOG(transcoding, log::kWarning, "No DTMF transcoding in %s: %s", chain_.name.c_str(),
                 codec::to_string(status));
    if (chain_.playout.engaged())
        playout_ = std::make_unique<PlayoutBuffer>(chain_.playout);
    if (chain_.noise) {  // two CN frames and a packet of 8 kHz noise; the longest CN payload kept
        noise_pcm_.reserve(4096);
        chain_.noise_params.reserve(64);
    }
}

uint64_t Transcoder::decode_errors() const {
    return peek(decode_errors_);
}
uint64_t Transcoder::packets() const {
    return peek(packets_);
}
uint64_t Transcoder::bytes() const {
    return peek(bytes_);
}
uint64_t Transcoder::samples() const {
    return peek(samples_);
}
uint64_t Transcoder::dropped() const {
    return peek(dropped_);
}
uint64_t Transcoder::filled() const {
    return peek(filled_);
}

void Transcoder::consume(const Packet& packet, Egress& egress) {
    if (!packet.is_rtp) {
        forwarder_.consume(packet, egress);
        return;
    }
    if (playout_)
        hold(packet, egress);
    else
        process(packet, egress);
}

void Transcoder::hold(const Packet& packet, Egress& egress) {
    const int64_t now = WorkerTimers::now_ms();
    ingress_ = packet.ingress;
    const std::span<const uint8_t> payload(packet.data + packet.header.payload_offset, packet.header.payload_length);
    auto result = playout_->insert(packet.header, payload, now);
    while (result == PlayoutBuffer::Insert::full) {  // far ahead: the oldest go now
        play(playout_->pop(now, true), egress);
        result = playout_->insert(packet.header, payload, now);
    }
    if (result != PlayoutBuffer::Insert::queued) {
        bump(dropped_);
        if (result == PlayoutBuffer::Insert::too_big)
            bump(packet.ingress->counters().user_errors);
    }
    play_due(now, egress);
}

void Transcoder::play_due(int64_t now_ms, Egress& egress) {
    while (const auto out = playout_->pop(now_ms))
        play(out, egress);
    WorkerTimers* timers = this_worker().timers;
    if (!timers)
        return;
    if (const int64_t wake = playout_->wake_ms(); wake >= 0)
        timers->schedule(*this, wake);
    else
        timers->cancel(*this);
}

void Transcoder::on_timer(int64_t now_ms) {
    if (!playout_ || !ingress_ || ingress_->retired())
        return;
    Egress& egress = timer_egress();
    play_due(now_ms, egress);
    egress.flush();
}

void Transcoder::stop_clock() {
    if (WorkerTimers* timers = this_worker().timers)
        timers->cancel(*this);
    if (playout_)
        playout_->clear();
}

void Transcoder::play(const PlayoutBuffer::Out& out, Egress& egress) {
    if (!out.packet) {
        fill(out.fill_ms, egress);
        return;
    }
    Packet p;
    p.data = out.packet->data;
    p.length = out.packet->length;
    p.ingress = ingress_;
    p.demux = rtp::Demux::rtp_or_rtcp;
    p.is_rtp = true;
    p.header = out.packet->header;
    last_ = p;
    process(p, egress);
}

void Transcoder::fill(int ms, Egress& egress) {
    PacketStream* to = forwarder_.target();
    if (!started_ || !last_.ingress || !to || !to->sendable() || to->player)
        return;
    const codec::AudioFormat in = chain_.decoder->output_format();
    const auto samples = static_cast<std::size_t>(in.rate) * static_cast<std::size_t>(ms) / 1000 *
                         static_cast<std::size_t>(in.channels);
    decoded_.assign(samples, int16_t{0});
    if (chain_.noise) {
        // The CN decoder gives frames of its own length: what is left waits for the next gap.
        while (noise_pcm_.size() < samples &&
               chain_.noise->decode(chain_.noise_params, noise_pcm_) == codec::Status::ok) {
        }
        const std::size_t n = std::min(samples, noise_pcm_.size());
        std::copy_n(noise_pcm_.begin(), n, decoded_.begin());
        noise_pcm_.erase(noise_pcm_.begin(), noise_pcm_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    bump(filled_);
    encode(decoded_, last_, egress);
}

bool Transcoder::silent(std::span<const int16_t> pcm) const {
    const int level = chain_.silence_cn->level;
    return std::all_of(pcm.begin(), pcm.end(), [level](int16_t s) { return s <= level && s >= -level; });
}

void Transcoder::process(const Packet& packet, Egress& egress) {
    PacketStream* to = forwarder_.target();
    if (!to || !to->sendable() || to->player)
        return;
    // block DTMF and block media hold back what they name before the chain sees it.
    const MediaFilter& filter = forwarder_.filter;
    if (filter.is_dtmf(packet.header.payload_type) ? filter.block_dtmf : filter.block_media)
        return;
    if (chain_.events && packet.header.payload_type == chain_.events->input_type) {
        pass_event(packet, *to, egress);
        return;
    }
    if (tone_ && packet.header.payload_type == chain_.event_tones->input_type) {
        play_event_as_tone(packet, egress);
        return;
    }
    if (chain_.noise && packet.header.payload_type == chain_.cn_input_type) {
        // The sender's comfort noise (RFC 3389): its parameters, then its noise for a
        // packet time (with the clocked stage, the gap after it is filled with it too).
        const std::size_t n = std::min<std::size_t>(packet.header.payload_length, 64);
        chain_.noise_params.assign(packet.data + packet.header.payload_offset,
                                   packet.data + packet.header.payload_offset + n);
        noise_pcm_.clear();
        last_ = packet;
        start_output(packet);
        fill(chain_.playout.packet_ms, egress);
        return;
    }
    if (packet.header.payload_type != chain_.input_type)
        return;
    decoded_.clear();
    const std::span<const uint8_t> payload(packet.data + packet.header.payload_offset, packet.header.payload_length);
    if (const codec::Status status = chain_.decoder->decode(payload, decoded_); status != codec::Status::ok) {
        bump(decode_errors_);
        bump(packet.ingress->counters().user_errors);
        if (!reported_decode_error_) {  // once per chain: a broken sender would flood the log
            reported_decode_error_ = true;
            RTPE_LOG(transcoding, log::kWarning, "Dropping %s payloads the decoder refuses (%s) on %s",
                     std::string(chain_.decoder->codec().name).c_str(), codec::to_string(status),
                     packet.ingress->local_address().to_string().c_str());
        }
        return;
    }
    if (filter.silence_media)  // any codec can be silenced here: the chain has its PCM
        std::fill(decoded_.begin(), decoded_.end(), int16_t{0});
    bump(packets_);
    bump(bytes_, uint64_t{packet.header.payload_length});
    start_output(packet);
    if (tone_playing_)
        return;  // the sender's audio while its own event plays: the tones stand for it
    if (detector_)
        detector_->feed(decoded_);  // may begin or end a digit heard in it
    if (chain_.injector && chain_.injector->busy() && inject(packet, *to, egress))
        return;
    marker_ = marker_ || packet.header.marker;
    encode(decoded_, packet, egress);
}

void Transcoder::start_output(const Packet& packet) {
    if (started_)
        return;
    // Our timestamps start where the sender's are, in the output's clock; sequence numbers
    // where its are.
    started_ = true;
    sequence_ = packet.header.sequence;
    timestamp_ = static_cast<uint32_t>(uint64_t{packet.header.timestamp} *
                                       static_cast<uint64_t>(chain_.encoder->codec().clock_rate) /
                                       static_cast<uint64_t>(chain_.decoder->codec().clock_rate));
}

void Transcoder::encode(std::span<const int16_t> pcm, const Packet& packet, Egress& egress) {
    if (chain_.silence_cn && silent(pcm)) {
        // Silence goes as comfort noise (--silence-detect, --cn-payload): one CN packet for
        // the audio it stands for, on our timeline.
        PacketStream* to = forwarder_.target();
        if (!to)
            return;
        const codec::AudioFormat in = chain_.decoder->output_format();
        const uint64_t frames = pcm.size() / static_cast<std::size_t>(in.channels);
        send(*to, egress, packet, chain_.silence_cn->type, false, timestamp_, chain_.silence_cn->payload);
        timestamp_ += static_cast<uint32_t>(frames * static_cast<uint64_t>(chain_.encoder->codec().clock_rate) /
                                            static_cast<uint64_t>(in.rate));
        return;
    }
    if (chain_.resampler) {
        resampled_.clear();
        if (chain_.resampler->convert(pcm, resampled_) != codec::Status::ok)
            return;
        pcm = resampled_;
    }
    input_ = &packet;
    egress_ = &egress;
    bump(samples_, uint64_t{pcm.size()});
    chain_.encoder->encode(pcm, *this);
    input_ = nullptr;
    egress_ = nullptr;
}

void Transcoder::on_dtmf(const codec::DtmfDetector::Tone& tone) {
    if (!tone.end) {
        DtmfInjector::Digit digit;
        digit.event = static_cast<uint8_t>(tone.event);
        digit.volume = static_cast<uint8_t>(std::clamp(-tone.level_dbm0, 0, 63));
        digit.duration_ms = DtmfInjector::kUntilFinished;
        digit.pause_ms = 0;
        chain_.injector->queue(digit);
    } else {
        chain_.injector->finish();
    }
}

void Transcoder::play_event_as_tone(const Packet& packet, Egress& egress) {
    codec::TelephoneEvent ev;
    if (codec::parse_telephone_event({packet.data + packet.header.payload_offset, packet.header.payload_length}, ev) !=
        codec::Status::ok)
        return;
    if (tone_event_timestamp_ != packet.header.timestamp) {  // a new event
        if (ev.end && tone_event_timestamp_)
            return;  // a late end packet of one already ended
        tone_event_timestamp_ = packet.header.timestamp;
        tone_played_ = 0;
        tone_playing_ = tone_->start(ev.event, ev.volume) == codec::Status::ok;
    }
    if (!tone_playing_)
        return;  // ended already (the end packet comes three times), or not a DTMF digit
    // As much tone as the event grew since its last packet (at most a second).
    const uint32_t grown = ev.duration > tone_played_ ? ev.duration - tone_played_ : 0;
    tone_played_ = std::max(tone_played_, ev.duration);
    const std::size_t samples =
        std::min<std::size_t>(uint64_t{grown} * codec::kDtmfRate / chain_.event_tones->input_clock, codec::kDtmfRate);
    tone_pcm_.resize(samples);  // within the capacity reserved at creation
    tone_->generate(tone_pcm_);
    if (ev.end) {
        tone_->stop();
        tone_playing_ = false;
    }
    start_output(packet);
    encode(tone_pcm_, packet, egress);
}

void Transcoder::on_payload(std::span<const uint8_t> payload, uint32_t rtp_duration) {
    PacketStream* to = forwarder_.target();
    if (!to)
        return;
    send(*to, *egress_, *input_, chain_.output_type, marker_, timestamp_, payload);
    timestamp_ += rtp_duration;
    marker_ = false;
}

bool Transcoder::inject(const Packet& packet, PacketStream& to, Egress& egress) {
    const codec::AudioFormat in = chain_.decoder->output_format();
    const uint64_t frames = decoded_.size() / static_cast<std::size_t>(in.channels);
    const auto ms = static_cast<uint32_t>(frames * 1000 / static_cast<uint64_t>(in.rate));
    const auto event = chain_.injector->advance(ms, decoded_);
    if (!event)
        return false;
    if (event->start)
        injected_timestamp_ = timestamp_;
    send(to, egress, packet, chain_.injector->events()->type, event->start, injected_timestamp_, event->payload);
    // The audio it stands for still takes its time on our clock.
    timestamp_ += static_cast<uint32_t>(frames * static_cast<uint64_t>(chain_.encoder->codec().clock_rate) /
                                        static_cast<uint64_t>(in.rate));
    return true;
}

void Transcoder::pass_event(const Packet& packet, PacketStream& to, Egress& egress) {
    // RFC 4733 2.3: event (1), E/R/volume (1), duration (2); every packet of one event
    // carries its start's timestamp. Ours is where our audio is when it starts.
    constexpr std::size_t kEventBytes = 4;
    if (packet.header.payload_length < kEventBytes)
        return;
    const uint8_t* event = packet.data + packet.header.payload_offset;
    if (event_input_timestamp_ != packet.header.timestamp) {
        event_input_timestamp_ = packet.header.timestamp;
        event_timestamp_ = timestamp_;
        if (!started_) {
            started_ = true;
            sequence_ = packet.header.sequence;
        }
    }
    const auto& e = *chain_.events;
    const uint64_t duration = ((uint64_t{event[2]} << 8) | event[3]) * e.output_clock / e.input_clock;
    send(to, egress, packet, e.output_type, packet.header.marker, event_timestamp_, {event, packet.header.payload_length},
         2, static_cast<uint16_t>(std::min<uint64_t>(duration, 0xffff)));
}

void Transcoder::send(PacketStream& to, Egress& egress, const Packet& input, uint8_t type, bool marker,
                      uint32_t timestamp, std::span<const uint8_t> payload, std::size_t scaled_duration_at,
                      uint16_t duration) {
    rtp::RtpHeader h;
    h.payload_type = type;
    h.marker = marker;
    h.sequence = sequence_;
    h.timestamp = timestamp;
    h.ssrc = input.header.ssrc;
    const std::span<uint8_t> buffer = egress.scratch();
    Packet out = build_rtp(buffer, h, payload, input.ingress);
    if (!out.length)
        return;
    if (scaled_duration_at) {  // an event's duration, in the receiver's clock
        buffer[out.header.payload_offset + scaled_duration_at] = static_cast<uint8_t>(duration >> 8);
        buffer[out.header.payload_offset + scaled_duration_at + 1] = static_cast<uint8_t>(duration);
    }
    ++sequence_;
    deliver(to, out, egress);
}

}  // namespace rtpe::media
