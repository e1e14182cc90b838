#pragma once
// The codec chain of one direction: RTP of one codec in, RTP of another out (issue 10's
// first slice: a call whose two sides share no codec). It stands in the stream's sink set
// where the forwarder would: each RTP packet of the input payload type is decoded, its
// PCM resampled to the encoder's rate when they differ (libswresample), encoded, and every
// payload the encoder completes goes to the forwarder's target as a packet of the output
// type with our own sequence numbers and timestamps and the sender's SSRC. Everything
// else (RTCP on the RTP port, STUN, DTLS) goes on through the forwarder; RTP of another
// payload type is dropped (or forwarded: Chain::forwards_other_types), but telephone-event
// where both sides have it (Chain::events).
// While the sender's event passes, its audio is held back (as upstream does; not with
// --dtmf-no-suppress). block DTMF's in-chain modes (media/dtmf_security.hpp) replace the
// sender's events and the digits heard in its audio; its DTMF-delay silences them and
// plays them later (media/dtmf_delay.hpp).
//
// With a clocked stage (Chain::playout engaged: --jitter-buffer, --dtx-delay, the call's
// delay-buffer) the input RTP is copied into a PlayoutBuffer and transcoded when it is
// handed back, in sequence order, on the worker's timer; gaps are filled with comfort noise
// or silence (AMR: its own DTX). Without one the packet-driven path is as it was.
//
// Made on the control thread (the codec objects allocate there); used on the stream's
// worker only, allocating nothing per packet once its buffers have grown to a packet.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "codec/resampler.hpp"
#include "codec/telephone_event.hpp"
#include "daemon/media/dtmf_delay.hpp"
#include "daemon/media/dtmf_injector.hpp"
#include "daemon/media/dtmf_security.hpp"
#include "daemon/media/playout_buffer.hpp"
#include "daemon/media/sink.hpp"
#include "daemon/media/worker_timers.hpp"

namespace rtpe::media {

class Forwarder;

class Transcoder final : public Sink,
                         public Timer,
                         private codec::PacketSink,
                         private codec::DtmfDetector::Listener {
public:
    struct Chain {
        std::unique_ptr<codec::Decoder> decoder;
        std::unique_ptr<codec::Resampler> resampler;  // null when the rates and channels match
        std::unique_ptr<codec::Encoder> encoder;
        uint8_t input_type = 0;   // the payload type decoded
        uint8_t output_type = 0;  // the payload type sent
        // More payload types decoded into the one encoder, each by a decoder of its own
        // whose PCM is resampled to the main decoder's format when they differ (single-
        // codec: the answer's codecs its offerer is not answered with).
        struct MoreInput {
            uint8_t type = 0;
            std::unique_ptr<codec::Decoder> decoder;
            std::unique_ptr<codec::Resampler> resampler;  // null when the formats match
            std::string name;  // as Chain::name
        };
        std::vector<MoreInput> more_inputs;
        // RTP of a payload type the chain neither decodes nor maps goes on unchanged through
        // the forwarder instead of being dropped (single-codec: the codec kept, its
        // telephone-event and CN pass as they would without the chain).
        bool forwards_other_types = false;
        // RFC 4733 telephone-event, when both sides have it: passed on with the other
        // side's payload type, on our sequence and timestamps, its duration in the other
        // side's clock.
        struct Events {
            uint8_t input_type = 0, output_type = 0;
            uint32_t input_clock = 8000, output_clock = 8000;
        };
        std::optional<Events> events;
        // inject-DTMF: play DTMF's digits go out in this direction; with detect_dtmf also
        // the digits heard in the sender's audio, as the receiver's events.
        std::unique_ptr<DtmfInjector> injector;
        bool detect_dtmf = false;
        // The sender's telephone-event (input_type, input_clock) played as tones into the
        // audio towards a receiver without telephone-event.
        std::optional<Events> event_tones;
        // --dtmf-no-suppress: the sender's audio goes on while its events pass.
        bool dtmf_no_suppress = false;
        std::string name;  // "PCMU/8000 -> G722/8000", as the statistics list chains
        // The clocked stage; its packet_ms is also the length of noise a received CN
        // packet stands for without it.
        PlayoutSettings playout;
        // Comfort noise (RFC 3389) in the audio: a CN decoder, its 8 kHz mono resampled to
        // the decoder's format where that differs, and the parameters it starts from
        // (--dtx-cn-params; the sender's CN packets, cn_input_type, replace them). Gaps are
        // filled with its noise, or with silence without it.
        std::unique_ptr<codec::Decoder> noise;
        std::unique_ptr<codec::Resampler> noise_resampler;
        std::vector<uint8_t> noise_params;
        std::optional<uint8_t> cn_input_type;
        // The codec's own DTX (--amr-dtx=native): gaps are filled by the decoder from
        // NO_DATA frames (the sender's last SID's noise), not with comfort noise or silence.
        bool native_dtx = false;
        // --silence-detect towards a receiver with CN: audio no louder than `level` (of
        // 32767) goes as one CN packet of `payload` (--cn-payload) instead.
        struct SilenceCn {
            uint8_t type = 13;
            int level = 0;
            std::vector<uint8_t> payload;
        };
        std::optional<SilenceCn> silence_cn;
    };
    // forwarder: the stream's own, whose target the output goes to and which takes what is
    // not the input's RTP.
    Transcoder(Chain chain, Forwarder& forwarder);

    void consume(const Packet& packet, Egress& egress) override;
    // The clock: what the playout buffer has due.
    void on_timer(int64_t now_ms) override;
    // Worker: the clock stops and what is held is dropped (the stream is retired, or a
    // new chain takes this one's place).
    void stop_clock();

    // Whether play DTMF can play into this direction (fixed when made; any thread).
    bool injects_dtmf() const { return chain_.injector != nullptr; }
    // Worker: one more digit to play; false when too many are queued.
    bool queue_dtmf(const DtmfInjector::Digit& digit) { return chain_.injector && chain_.injector->queue(digit); }
    // Worker: block DTMF's mode for the sender's DTMF from now on (a digit under way keeps
    // what replaces it).
    void set_dtmf_security(const DtmfSecurity& security);

    // Payloads the decoder refused (worker-written, any thread reads).
    uint64_t decode_errors() const;
    // The chains it stands for in the statistics, one per input codec: 0 is the main input,
    // 1.. the more_inputs.
    std::size_t inputs() const { return 1 + chain_.more_inputs.size(); }
    const std::string& name(std::size_t input = 0) const;
    // What went through an input's chain (worker-written, any thread reads): RTP packets
    // and payload bytes decoded, PCM samples handed to the encoder.
    uint64_t packets(std::size_t input = 0) const;
    uint64_t bytes(std::size_t input = 0) const;
    uint64_t samples(std::size_t input = 0) const;
    // What the clocked stage did so far, as PlayoutBuffer::Counts has it: packets that came
    // after their turn or twice, packets that never came, packet times filled, held
    // packets given up, and --dtx-shift moving the clock forward or back.
    struct PlayoutFigures {
        uint64_t late = 0, duplicates = 0, lost = 0, filled = 0, dropped = 0, shifted_forward = 0, shifted_back = 0;
        PlayoutFigures& operator+=(const PlayoutFigures& o);
    };
    // Whether it has a clocked stage (fixed when made; any thread).
    bool clocked() const { return playout_ != nullptr; }
    // Published by the worker after each packet and tick; any thread reads.
    PlayoutFigures playout_figures() const;

private:
    // The transcoding of one input packet (as it came, or handed back by the buffer).
    void process(const Packet& packet, Egress& egress);
    // Whether RTP of this payload type is the chain's: decoded, or the sender's events or CN.
    bool takes(uint8_t payload_type) const;
    // The packet's payload into decoded_, in the main decoder's format, by the decoder of its
    // payload type; false (counted and logged) when that decoder refuses it.
    bool decode(const Packet& packet, codec::Decoder& decoder, codec::Resampler* resampler);
    // Clocked stage: the packet into the buffer, then whatever is due.
    void hold(const Packet& packet, Egress& egress);
    void play_due(int64_t now_ms, Egress& egress);
    void play(const PlayoutBuffer::Out& out, Egress& egress);
    // ms of the decoder's own DTX, comfort noise or silence as the sender's audio.
    void fill(int ms, Egress& egress);
    // One more frame of comfort noise in noise_pcm_, at the decoder's format.
    bool make_noise();
    // The playout buffer's counts into what playout_figures() reads.
    void publish_playout();
    // The PCM in decoded_ is silent enough for CN (silence_cn).
    bool silent(std::span<const int16_t> pcm) const;
    void on_payload(std::span<const uint8_t> payload, uint32_t rtp_duration) override;
    void on_dtmf(const codec::DtmfDetector::Tone& tone) override;
    // Our sequence and timestamps start from the first packet that produces output.
    void start_output(const Packet& packet);
    // What the sender skipped stays skipped in what we send, so that the receiver conceals
    // it rather than plays everything after it late: packets it lost move our sequence
    // numbers on as far (as 10.5's do), audio it did not send (loss, DTX, a pause for an
    // event) our timestamps. follow_sequence before a packet is handled; follow_timestamp
    // with each packet of audio (or comfort noise) before it is sent: clock is its codec's
    // RTP clock, duration what it holds in that clock (fill() adds what it fills).
    void follow_sequence(const Packet& packet);
    void follow_timestamp(const Packet& packet, uint32_t clock, uint32_t duration);
    // The sender's telephone-event (Chain::events or event_tones), when it has one.
    const Chain::Events* sender_events() const;
    // One RFC 4733 packet of the sender's: heard by the triggers, then as the mode says
    // (secure_event): dropped, passed on, replaced, or played as audio.
    void on_event(const Packet& packet, PacketStream& to, Egress& egress);
    void secure_event(const Packet& packet, const codec::TelephoneEvent& ev, PacketStream& to, Egress& egress);
    // A digit heard in the sender's audio: replaced, or handed to the injector as an event.
    void on_heard(const codec::DtmfDetector::Tone& tone);
    // DTMF-delay: a digit of the sender's (event or heard) silenced now, to be reproduced;
    // returns the silence that replaces it.
    DtmfReplacement withhold(uint8_t event, uint8_t volume);
    // DTMF-delay: the held-back digits that are due, queued to be played.
    void release_delayed_digits();
    // A digit (event 0-15) the triggers hear: the mode it switches to.
    std::optional<DtmfMode> heard_digit(int event);
    void switch_mode(DtmfMode mode);
    // The sender's event as audio in the receiver's audio: the digit's tones (event_tones)
    // or what block DTMF replaces it with, for as long as the event grew since its last
    // packet; the sender's audio is held back meanwhile.
    void play_event_as_audio(const Packet& packet, const codec::TelephoneEvent& ev, const DtmfReplacement& audio,
                             Egress& egress);
    // The generator set to play what replaces a digit; false when it cannot.
    bool start_audio(const DtmfReplacement& audio);
    // Audio of the sender's while its event passes: held back (our clock still advances).
    bool suppressed();
    // PCM (at the decoder's rate) resampled and encoded as the packet's output.
    void encode(std::span<const int16_t> pcm, const Packet& packet, Egress& egress);
    // event: the event number sent (the sender's, or what block DTMF replaces it with).
    void pass_event(const Packet& packet, PacketStream& to, Egress& egress, uint8_t event);
    // While play DTMF's digits play: true when the packet's audio was replaced by an event
    // (sent); otherwise decoded_ holds what to encode (the tones, in tone mode).
    bool inject(const Packet& packet, PacketStream& to, Egress& egress);
    // Builds one packet of ours in the egress's next slot and delivers it.
    // input: the packet it comes from (its SSRC and stream). event: an RFC 4733 payload,
    // whose event number and duration (in the receiver's clock) are written as given.
    struct EventFields {
        uint8_t event;
        uint16_t duration;
    };
    void send(PacketStream& to, Egress& egress, const Packet& input, uint8_t type, bool marker, uint32_t timestamp,
              std::span<const uint8_t> payload, std::optional<EventFields> event = std::nullopt);
    // Our clock advances by the PCM in decoded_ (sent as something else, or not at all).
    void skip_decoded();

    Chain chain_;
    Forwarder& forwarder_;
    std::vector<int16_t> decoded_, resampled_;
    std::vector<int16_t> more_input_pcm_;  // a MoreInput's PCM before its resampler
    // Output RTP: ours, continuous across what the encoder gathers.
    bool started_ = false;
    uint16_t sequence_ = 0;
    uint32_t timestamp_ = 0;
    bool marker_ = false;
    // The sender as follow_sequence/follow_timestamp last saw it: its SSRC, its latest
    // sequence number, and the timestamp where its decoded audio ended (what comes on
    // from there was not skipped).
    uint32_t sender_ssrc_ = 0;
    uint16_t sender_sequence_ = 0;
    std::optional<uint32_t> sender_audio_end_;
    // The event being passed on: its timestamp as the sender wrote it, and ours.
    std::optional<uint32_t> event_input_timestamp_;
    uint32_t event_timestamp_ = 0;
    uint32_t injected_timestamp_ = 0;  // of the digit play DTMF is sending
    // DTMF: the detector on the sender's audio and the generator of tones, both at the
    // decoder's format (made with the chain); the event being played as audio (its
    // timestamp, the duration played so far) and its PCM.
    std::unique_ptr<codec::DtmfDetector> detector_;
    std::unique_ptr<codec::DtmfGenerator> tone_;
    std::vector<int16_t> tone_pcm_;
    std::optional<uint32_t> tone_event_timestamp_;
    uint16_t tone_played_ = 0;
    bool event_audio_ = false;
    // The sender's event being passed on holds back its audio until it ends (or is not
    // heard of for a while: its end packets may be lost).
    bool event_passing_ = false;
    int64_t event_seen_ms_ = 0;
    // block DTMF in the chain: the mode (switched by its triggers), its decisions, what
    // replaces the sender's event (decided at its first packet) and whether a digit heard
    // in its audio is being replaced (by the generator, or as an event the injector sends).
    DtmfSecurity security_;
    DtmfTriggerState triggers_;
    std::optional<uint32_t> digit_event_timestamp_;  // the last event the triggers heard
    DtmfReplacer replacer_;
    std::optional<uint32_t> replaced_event_timestamp_;
    DtmfReplacement event_replacement_;
    bool replacing_heard_ = false;
    bool heard_to_injector_ = false;
    // DTMF-delay: the digits held back, and the injector that plays them: the chain's
    // (which play DTMF shares), else one of our own made with the chain (towards the
    // receiver's telephone-event, else as tones); null when neither could be made.
    DtmfDelayLine delayed_;
    std::unique_ptr<DtmfInjector> own_injector_;
    DtmfInjector* injector_ = nullptr;
    // The packet being transcoded and where its output goes, during consume().
    const Packet* input_ = nullptr;
    Egress* egress_ = nullptr;
    std::atomic<uint64_t> decode_errors_{0};
    struct Figures {
        std::atomic<uint64_t> packets{0}, bytes{0}, samples{0};
    };
    std::unique_ptr<Figures[]> figures_;  // one per input
    Figures* counting_ = nullptr;         // the input whose audio is being encoded
    // PlayoutFigures, a member each (kPublishedPlayout says which).
    std::array<std::atomic<uint64_t>, 7> published_playout_{};
    bool reported_decode_error_ = false;
    // Clocked stage (null without one): the stream packets came from and the last packet
    // handed on (whose SSRC and stream filled audio goes out with).
    std::unique_ptr<PlayoutBuffer> playout_;
    PacketStream* ingress_ = nullptr;
    Packet last_;
    // Noise not used yet (the CN decoder makes a frame of its own length at a time), and
    // the CN decoder's frame before it is resampled.
    std::vector<int16_t> noise_pcm_;
    std::vector<int16_t> noise_frame_;
};

}  // namespace rtpe::media
