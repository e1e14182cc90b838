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
#include "util/random.hpp"

namespace rtpe::media {

namespace {

// Which of the playout buffer's counts are published, as which figure.
struct PublishedCount {
    uint64_t PlayoutBuffer::Counts::*count;
    uint64_t Transcoder::PlayoutFigures::*figure;
};
constexpr PublishedCount kPublishedPlayout[] = {
    {&PlayoutBuffer::Counts::late, &Transcoder::PlayoutFigures::late},
    {&PlayoutBuffer::Counts::duplicates, &Transcoder::PlayoutFigures::duplicates},
    {&PlayoutBuffer::Counts::lost, &Transcoder::PlayoutFigures::lost},
    {&PlayoutBuffer::Counts::fills, &Transcoder::PlayoutFigures::filled},
    {&PlayoutBuffer::Counts::dropped, &Transcoder::PlayoutFigures::dropped},
    {&PlayoutBuffer::Counts::shifted_forward, &Transcoder::PlayoutFigures::shifted_forward},
    {&PlayoutBuffer::Counts::shifted_back, &Transcoder::PlayoutFigures::shifted_back},
};

}  // namespace

Transcoder::Transcoder(Chain chain, Forwarder& forwarder)
    : chain_(std::move(chain)), forwarder_(forwarder), replacer_(random_u64()) {
    // Control thread: the DTMF state is made here, never on the packet path; every chain
    // has it, since block DTMF may ask for it while the call runs.
    const codec::AudioFormat audio = chain_.decoder->output_format();
    codec::Status status = codec::Status::ok;
    detector_ = codec::DtmfDetector::create(*this, status, audio);
    if (!detector_)
        RTPE_LOG(transcoding, log::kWarning, "No DTMF detection in %s: %s", chain_.name.c_str(),
                 codec::to_string(status));
    tone_ = codec::DtmfGenerator::create(status, audio);
    if (!tone_)
        RTPE_LOG(transcoding, log::kWarning, "No DTMF tones in %s: %s", chain_.name.c_str(), codec::to_string(status));
    tone_pcm_.reserve(static_cast<std::size_t>(audio.rate) * static_cast<std::size_t>(audio.channels));
    injector_ = chain_.injector.get();
    if (!injector_) {  // DTMF-delay reproduces digits through one, and may be asked for later
        std::optional<DtmfInjector::EventFormat> events;
        if (chain_.events)
            events = DtmfInjector::EventFormat{chain_.events->output_type, chain_.events->output_clock};
        own_injector_ = DtmfInjector::make(events, audio, status);
        injector_ = own_injector_.get();
    }
    if (chain_.playout.engaged())
        playout_ = std::make_unique<PlayoutBuffer>(chain_.playout);
    figures_ = std::make_unique<Figures[]>(inputs());
    counting_ = &figures_[0];
    if (chain_.noise) {
        // Half a second at the decoder's format (the longest packet time filled, 200 ms,
        // and what one CN frame more leaves); a CN frame before resampling; the longest
        // CN payload kept.
        noise_pcm_.reserve(static_cast<std::size_t>(audio.rate) * static_cast<std::size_t>(audio.channels) / 2);
        noise_frame_.reserve(4096);
        chain_.noise_params.reserve(64);
    }
    static_assert(std::size(kPublishedPlayout) == std::tuple_size_v<decltype(published_playout_)>);
}

uint64_t Transcoder::decode_errors() const {
    return peek(decode_errors_);
}
const std::string& Transcoder::name(std::size_t input) const {
    return input == 0 ? chain_.name : chain_.more_inputs[input - 1].name;
}
uint64_t Transcoder::packets(std::size_t input) const {
    return peek(figures_[input].packets);
}
uint64_t Transcoder::bytes(std::size_t input) const {
    return peek(figures_[input].bytes);
}
uint64_t Transcoder::samples(std::size_t input) const {
    return peek(figures_[input].samples);
}
Transcoder::PlayoutFigures& Transcoder::PlayoutFigures::operator+=(const PlayoutFigures& o) {
    for (const auto& published : kPublishedPlayout)
        this->*published.figure += o.*published.figure;
    return *this;
}

Transcoder::PlayoutFigures Transcoder::playout_figures() const {
    PlayoutFigures f;
    for (std::size_t i = 0; i < std::size(kPublishedPlayout); ++i)
        f.*kPublishedPlayout[i].figure = peek(published_playout_[i]);
    return f;
}

void Transcoder::publish_playout() {
    const PlayoutBuffer::Counts& counts = playout_->counts();
    for (std::size_t i = 0; i < std::size(kPublishedPlayout); ++i)
        put(published_playout_[i], counts.*kPublishedPlayout[i].count);
}

void Transcoder::consume(const Packet& packet, Egress& egress) {
    if (!packet.is_rtp) {
        forwarder_.consume(packet, egress);
        return;
    }
    if (chain_.forwards_other_types && !takes(packet.header.payload_type)) {
        // It goes on with the sender's sequence number and timestamp: ours start from the
        // sender's again, so that the two never overlap.
        started_ = false;
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
    if (result == PlayoutBuffer::Insert::too_big)
        bump(packet.ingress->counters().user_errors);
    play_due(now, egress);
}

void Transcoder::play_due(int64_t now_ms, Egress& egress) {
    while (const auto out = playout_->pop(now_ms))
        play(out, egress);
    publish_playout();
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
    decoded_.clear();
    if (chain_.native_dtx) {
        // Frame by frame, as the decoder makes them; silence for what it cannot.
        while (decoded_.size() < samples && chain_.decoder->decode_no_data(decoded_) == codec::Status::ok) {
        }
    } else if (chain_.noise) {
        // The CN decoder gives frames of its own length: what is left waits for the next gap.
        while (noise_pcm_.size() < samples && make_noise()) {
        }
        const std::size_t n = std::min(samples, noise_pcm_.size());
        decoded_.assign(noise_pcm_.begin(), noise_pcm_.begin() + static_cast<std::ptrdiff_t>(n));
        noise_pcm_.erase(noise_pcm_.begin(), noise_pcm_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    if (decoded_.size() < samples)
        decoded_.resize(samples, int16_t{0});
    if (sender_audio_end_)  // the sender's audio this stands for is not skipped
        *sender_audio_end_ += static_cast<uint32_t>(static_cast<int64_t>(ms) * chain_.decoder->codec().clock_rate / 1000);
    encode(decoded_, last_, egress);
}

bool Transcoder::make_noise() {
    if (!chain_.noise_resampler)
        return chain_.noise->decode(chain_.noise_params, noise_pcm_) == codec::Status::ok;
    noise_frame_.clear();
    return chain_.noise->decode(chain_.noise_params, noise_frame_) == codec::Status::ok &&
           chain_.noise_resampler->convert(noise_frame_, noise_pcm_) == codec::Status::ok;
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
    if (security_.triggers.any())  // trigger-end-time, checked as packets come
        if (const auto mode = triggers_.tick(security_.triggers, WorkerTimers::now_ms()))
            switch_mode(*mode);
    follow_sequence(packet);
    if (const Chain::Events* events = sender_events(); events && packet.header.payload_type == events->input_type) {
        on_event(packet, *to, egress);
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
        follow_timestamp(packet, static_cast<uint32_t>(chain_.decoder->codec().clock_rate), 0);
        start_output(packet);
        fill(chain_.playout.packet_ms, egress);
        return;
    }
    std::size_t input = 0;
    const codec::Decoder* decoder = chain_.decoder.get();
    if (packet.header.payload_type == chain_.input_type) {
        if (!decode(packet, *chain_.decoder, nullptr))
            return;
    } else {
        const auto more = std::ranges::find(chain_.more_inputs, packet.header.payload_type, &Chain::MoreInput::type);
        if (more == chain_.more_inputs.end() || !decode(packet, *more->decoder, more->resampler.get()))
            return;
        input = 1 + static_cast<std::size_t>(more - chain_.more_inputs.begin());
        decoder = more->decoder.get();
    }
    const codec::AudioFormat format = chain_.decoder->output_format();  // what decoded_ holds
    const auto clock = static_cast<uint32_t>(decoder->codec().clock_rate);
    follow_timestamp(packet, clock,
                     static_cast<uint32_t>(decoded_.size() / static_cast<std::size_t>(format.channels) * clock /
                                           static_cast<std::size_t>(format.rate)));
    counting_ = &figures_[input];
    if (filter.silence_media)  // any codec can be silenced here: the chain has its PCM
        std::fill(decoded_.begin(), decoded_.end(), int16_t{0});
    bump(counting_->packets);
    bump(counting_->bytes, uint64_t{packet.header.payload_length});
    start_output(packet);
    if (event_audio_ || suppressed()) {  // the sender's event stands for its audio
        skip_decoded();
        return;
    }
    if (detector_ && (chain_.detect_dtmf || security_.in_chain()))
        detector_->feed(decoded_);  // may begin or end a digit heard in it
    if (replacing_heard_)
        tone_->generate(decoded_);
    release_delayed_digits();
    if (injector_ && injector_->busy() && inject(packet, *to, egress))
        return;
    marker_ = marker_ || packet.header.marker;
    encode(decoded_, packet, egress);
}

bool Transcoder::takes(uint8_t payload_type) const {
    const Chain::Events* events = sender_events();
    return payload_type == chain_.input_type || (events && payload_type == events->input_type) ||
           (chain_.noise && payload_type == chain_.cn_input_type) ||
           std::ranges::find(chain_.more_inputs, payload_type, &Chain::MoreInput::type) != chain_.more_inputs.end();
}

bool Transcoder::decode(const Packet& packet, codec::Decoder& decoder, codec::Resampler* resampler) {
    decoded_.clear();
    std::vector<int16_t>& pcm = resampler ? more_input_pcm_ : decoded_;
    pcm.clear();
    const std::span<const uint8_t> payload(packet.data + packet.header.payload_offset, packet.header.payload_length);
    codec::Status status = decoder.decode(payload, pcm);
    if (status == codec::Status::ok && resampler)
        status = resampler->convert(pcm, decoded_);
    if (status == codec::Status::ok)
        return true;
    bump(decode_errors_);
    bump(packet.ingress->counters().user_errors);
    if (!reported_decode_error_) {  // once per chain: a broken sender would flood the log
        reported_decode_error_ = true;
        RTPE_LOG(transcoding, log::kWarning, "Dropping %s payloads the decoder refuses (%s) on %s",
                 std::string(decoder.codec().name).c_str(), codec::to_string(status),
                 packet.ingress->local_address().to_string().c_str());
    }
    return false;
}

void Transcoder::follow_sequence(const Packet& packet) {
    // More than this many missing is a new sequence (a restart), not loss.
    constexpr uint16_t kMaxSkipped = 100;
    const rtp::RtpHeader& h = packet.header;
    if (!started_ || h.ssrc != sender_ssrc_) {
        sender_ssrc_ = h.ssrc;
        sender_sequence_ = h.sequence;
        sender_audio_end_.reset();
        return;
    }
    const auto step = static_cast<uint16_t>(h.sequence - sender_sequence_);
    if (step == 0 || step >= 0x8000)
        return;  // a duplicate or a late packet: nothing was skipped
    // Where the clocked stage fills the gaps, what it fills them with takes these numbers.
    const bool filled = playout_ && chain_.playout.fills_gaps();
    if (step > 1 && step <= kMaxSkipped && !filled)
        sequence_ = static_cast<uint16_t>(sequence_ + step - 1);
    sender_sequence_ = h.sequence;
}

void Transcoder::follow_timestamp(const Packet& packet, uint32_t clock, uint32_t duration) {
    // A pause longer than this is a new timeline (the sender restarted), not audio skipped.
    constexpr int64_t kMaxSkippedSeconds = 10;
    const auto output_clock = static_cast<uint64_t>(chain_.encoder->codec().clock_rate);
    if (started_ && sender_audio_end_) {
        const auto ahead = static_cast<int32_t>(packet.header.timestamp - *sender_audio_end_);
        if (ahead > 0 && ahead <= kMaxSkippedSeconds * clock)
            timestamp_ += static_cast<uint32_t>(static_cast<uint64_t>(ahead) * output_clock / clock);
    }
    sender_audio_end_ = packet.header.timestamp + duration;
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
    bump(counting_->samples, uint64_t{pcm.size()});
    chain_.encoder->encode(pcm, *this);
    input_ = nullptr;
    egress_ = nullptr;
}

void Transcoder::on_dtmf(const codec::DtmfDetector::Tone& tone) {
    const bool to_injector = chain_.detect_dtmf && chain_.injector;
    if (tone.end) {
        delayed_.end(static_cast<uint8_t>(tone.event), WorkerTimers::now_ms());
        if (replacing_heard_)
            tone_->stop();
        replacing_heard_ = false;
        if (to_injector && (!DtmfSecurity::replaces(security_.mode) || heard_to_injector_))
            chain_.injector->finish();
        heard_to_injector_ = false;
        return;
    }
    // The digit counts for the triggers; what it switches to applies to the next digit.
    const std::optional<DtmfMode> switched = heard_digit(tone.event);
    on_heard(tone);
    if (switched)
        switch_mode(*switched);
}

std::optional<DtmfMode> Transcoder::heard_digit(int event) {
    if (!security_.triggers.any() || event < 0 || event > 15)
        return std::nullopt;
    return triggers_.digit(security_.triggers, codec::dtmf_event_to_digit(event), WorkerTimers::now_ms());
}

void Transcoder::switch_mode(DtmfMode mode) {
    RTPE_LOG(transcoding, log::kInfo, "DTMF trigger matched in %s, setting block mode to %d", chain_.name.c_str(),
             static_cast<int>(mode));
    security_.mode = mode;
    if (!DtmfSecurity::replaces(mode) && replacing_heard_) {
        tone_->stop();
        replacing_heard_ = false;
    }
}

void Transcoder::on_heard(const codec::DtmfDetector::Tone& tone) {
    const bool to_injector = chain_.detect_dtmf && chain_.injector;
    DtmfInjector::Digit digit;
    digit.event = static_cast<uint8_t>(tone.event);
    digit.volume = static_cast<uint8_t>(std::clamp(-tone.level_dbm0, 0, 63));
    digit.duration_ms = DtmfInjector::kUntilFinished;
    digit.pause_ms = 0;
    if (security_.delay_ms) {
        replacing_heard_ = start_audio(withhold(digit.event, digit.volume));
        return;
    }
    if (DtmfSecurity::replaces(security_.mode)) {
        const DtmfReplacement r = replacer_.next(security_, digit.event, digit.volume);
        // Towards telephone-event a digit stays an event (the replacement's); otherwise
        // what replaces it is played over the audio from now until the tone ends.
        if (!to_injector || r.kind != DtmfReplacement::Kind::digit) {
            replacing_heard_ = start_audio(r);
            return;
        }
        digit.event = r.event;
        digit.volume = r.volume;
        heard_to_injector_ = true;
    }
    if (to_injector)
        chain_.injector->queue(digit);
}

void Transcoder::set_dtmf_security(const DtmfSecurity& security) {
    security_ = security;
    triggers_ = DtmfTriggerState{};  // a new block command arms its triggers afresh
    if (!DtmfSecurity::replaces(security_.mode) && replacing_heard_) {
        tone_->stop();
        replacing_heard_ = false;
    }
}

DtmfReplacement Transcoder::withhold(uint8_t event, uint8_t volume) {
    // A full ring (digits faster than the delay lets out) keeps the digit silent for good.
    delayed_.begin(event, volume, WorkerTimers::now_ms());
    return DtmfReplacement{};
}

void Transcoder::release_delayed_digits() {
    if (delayed_.empty() || !injector_)
        return;
    const int64_t now = WorkerTimers::now_ms();
    while (const auto digit = delayed_.next_due(security_, replacer_, now))
        injector_->queue(*digit);  // a full queue (32 digits) loses it, as play DTMF's would
}

const Transcoder::Chain::Events* Transcoder::sender_events() const {
    if (chain_.events)
        return &*chain_.events;
    return chain_.event_tones ? &*chain_.event_tones : nullptr;
}

bool Transcoder::start_audio(const DtmfReplacement& audio) {
    if (!tone_)
        return false;
    switch (audio.kind) {
    case DtmfReplacement::Kind::silence:
        tone_->stop();  // the generator gives silence while stopped
        return true;
    case DtmfReplacement::Kind::tone:
        return tone_->start_tone(audio.frequency, audio.volume) == codec::Status::ok;
    case DtmfReplacement::Kind::digit:
        break;
    }
    return tone_->start(audio.event, audio.volume) == codec::Status::ok;
}

void Transcoder::on_event(const Packet& packet, PacketStream& to, Egress& egress) {
    codec::TelephoneEvent ev;
    if (codec::parse_telephone_event({packet.data + packet.header.payload_offset, packet.header.payload_length}, ev) !=
        codec::Status::ok) {
        bump(packet.ingress->counters().user_errors);  // too short to be an event: dropped
        return;
    }
    // A new event is a digit for the triggers; what it switches to applies from the next
    // packet on, as in 10.5.
    std::optional<DtmfMode> switched;
    if (digit_event_timestamp_ != packet.header.timestamp) {
        digit_event_timestamp_ = packet.header.timestamp;
        switched = heard_digit(ev.event);
    }
    secure_event(packet, ev, to, egress);
    if (switched)
        switch_mode(*switched);
}

void Transcoder::secure_event(const Packet& packet, const codec::TelephoneEvent& ev, PacketStream& to,
                              Egress& egress) {
    // With a delay every digit is silenced now, whatever the mode (which decides later).
    const bool delayed = security_.delay_ms > 0;
    if (security_.mode == DtmfMode::drop && !delayed) {
        event_passing_ = false;  // an event held back holds no audio back
        return;
    }
    if (!DtmfSecurity::replaces(security_.mode) && !delayed) {
        if (chain_.events)
            pass_event(packet, to, egress, ev.event);
        else
            play_event_as_audio(packet, ev, DtmfReplacement{DtmfReplacement::Kind::digit, 0, ev.event, ev.volume}, egress);
        return;
    }
    if (replaced_event_timestamp_ != packet.header.timestamp) {  // a new event: one decision for all its packets
        replaced_event_timestamp_ = packet.header.timestamp;
        event_replacement_ = delayed ? withhold(ev.event, ev.volume) : replacer_.next(security_, ev.event, ev.volume);
    }
    if (delayed && ev.end)
        delayed_.end(ev.event, WorkerTimers::now_ms(), ev.duration * 1000u / sender_events()->input_clock);
    if (event_replacement_.kind == DtmfReplacement::Kind::digit && chain_.events)
        pass_event(packet, to, egress, event_replacement_.event);
    else
        play_event_as_audio(packet, ev, event_replacement_, egress);
}

bool Transcoder::suppressed() {
    // Upstream holds the sender's audio back while its event passes; 1 s after the event's
    // last packet it gives up waiting for the end.
    constexpr int64_t kEventSilentMs = 1000;
    if (!event_passing_ || chain_.dtmf_no_suppress)
        return false;
    if (WorkerTimers::now_ms() - event_seen_ms_ < kEventSilentMs)
        return true;
    event_passing_ = false;
    return false;
}

void Transcoder::skip_decoded() {
    const codec::AudioFormat in = chain_.decoder->output_format();
    const uint64_t frames = decoded_.size() / static_cast<std::size_t>(in.channels);
    timestamp_ += static_cast<uint32_t>(frames * static_cast<uint64_t>(chain_.encoder->codec().clock_rate) /
                                        static_cast<uint64_t>(in.rate));
}

void Transcoder::play_event_as_audio(const Packet& packet, const codec::TelephoneEvent& ev,
                                     const DtmfReplacement& audio, Egress& egress) {
    if (tone_event_timestamp_ != packet.header.timestamp) {  // a new event
        if (ev.end && tone_event_timestamp_)
            return;  // a late end packet of one already ended
        tone_event_timestamp_ = packet.header.timestamp;
        tone_played_ = 0;
        event_audio_ = start_audio(audio);
    }
    if (!event_audio_)
        return;  // ended already (the end packet comes three times), or not a DTMF digit
    // As much audio as the event grew since its last packet (at most a second).
    const uint32_t grown = ev.duration > tone_played_ ? ev.duration - tone_played_ : 0;
    tone_played_ = std::max(tone_played_, ev.duration);
    const codec::AudioFormat format = chain_.decoder->output_format();
    const std::size_t frames = std::min<std::size_t>(uint64_t{grown} * static_cast<uint64_t>(format.rate) /
                                                         sender_events()->input_clock,
                                                     static_cast<std::size_t>(format.rate));
    tone_pcm_.resize(frames * static_cast<std::size_t>(format.channels));  // within the capacity reserved at creation
    tone_->generate(tone_pcm_);
    if (ev.end) {
        tone_->stop();
        event_audio_ = false;
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
    const auto event = injector_->advance(ms, decoded_);
    if (!event)
        return false;
    if (event->start)
        injected_timestamp_ = timestamp_;
    send(to, egress, packet, injector_->events()->type, event->start, injected_timestamp_, event->payload);
    skip_decoded();  // the audio it stands for still takes its time on our clock
    return true;
}

void Transcoder::pass_event(const Packet& packet, PacketStream& to, Egress& egress, uint8_t event_number) {
    // RFC 4733 2.3: event (1), E/R/volume (1), duration (2); every packet of one event
    // carries its start's timestamp. Ours is where our audio is when it starts.
    const uint8_t* event = packet.data + packet.header.payload_offset;
    event_passing_ = (event[1] & 0x80) == 0;
    event_seen_ms_ = WorkerTimers::now_ms();
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
         EventFields{event_number, static_cast<uint16_t>(std::min<uint64_t>(duration, 0xffff))});
}

void Transcoder::send(PacketStream& to, Egress& egress, const Packet& input, uint8_t type, bool marker,
                      uint32_t timestamp, std::span<const uint8_t> payload, std::optional<EventFields> event) {
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
    if (event) {  // RFC 4733 2.3: the event number, then the duration at offset 2
        buffer[out.header.payload_offset] = event->event;
        buffer[out.header.payload_offset + 2] = static_cast<uint8_t>(event->duration >> 8);
        buffer[out.header.payload_offset + 3] = static_cast<uint8_t>(event->duration);
    }
    ++sequence_;
    deliver(to, out, egress);
}

}  // namespace rtpe::media
