#pragma once
// Transcoding where an answer shares no codec with its offer (issue 10's first slice), as
// upstream does when it can: the offerer is answered with its own first codec this build
// can decode and encode, the answerer keeps its answer's, and each direction's RTP goes
// through a codec chain (media/transcoder.hpp) between the two.

#include <memory>
#include <optional>
#include <string>
#include <cstdint>
#include <vector>

#include "codec/codec_params.hpp"
#include "daemon/call/codec_negotiation.hpp"
#include "daemon/call/sdp_codecs.hpp"
#include "daemon/media/transcoder.hpp"

namespace rtpe::call {

struct Transcoding {
    SdpCodec offerer;   // what the offerer sends and is answered with
    SdpCodec answerer;  // what the answerer sends
    // The codec both have, through the chain for ptime or inject-DTMF: the offerer gets
    // the answer's codecs as they are (as 10.5 answers it), not answer_codecs().
    bool same_codec = false;
};

// offered: the offerer's codecs as it offered them; what the offer's codec options did
// with them (codec_negotiation.hpp); answered: the answer's codecs. Transcoding is engaged
// when the offer consumed a codec, when the answer picked one the offer's transcode added,
// or when it shares no format with the offer. nullopt when none of that, or when either
// side has no codec this build can both decode and encode (the answer goes on as it is).
std::optional<Transcoding> transcoding_for(const std::vector<SdpCodec>& offered, const OfferedCodecs& options,
                                           const std::vector<SdpCodec>& answered);

// What the offerer is answered with when transcoding: its codec, and its telephone-event
// of the same clock rate when the answerer's telephone-event can reach it.
std::vector<SdpCodec> answer_codecs(const Transcoding& t, const OfferedCodecs& options,
                                    const std::vector<SdpCodec>& answered);

// The first codec of a list this build can both decode and encode (no telephone-event or
// CN); null when none.
const SdpCodec* first_transcodable(const std::vector<SdpCodec>& codecs);

// The first telephone-event of a list; null when it has none.
const SdpCodec* telephone_event(const std::vector<SdpCodec>& codecs);
// How a chain passes one side's telephone-event on as the other's.
std::optional<media::Transcoder::Chain::Events> event_mapping(const SdpCodec& from, const SdpCodec& to);

// play DTMF's player for a chain (inject-DTMF): RFC 4733 events with the receiver's
// telephone-event, else tones in its audio (any rate); null (logged) when neither can be.
std::unique_ptr<media::DtmfInjector> dtmf_injector(const media::Transcoder::Chain& chain,
                                                   const SdpCodec* receiver_events);

// DTMF transcoding where only one side has telephone-event (events: that side's): the
// chain towards that side hears digits in the other's audio and sends them as its events;
// the chain from it plays its events as tones (detection and tones work at any rate).
void engage_dtmf_transcoding(media::Transcoder::Chain& towards_events, media::Transcoder::Chain& from_events,
                             const SdpCodec& events);

// The chain block DTMF's in-chain modes need where a side's media is not transcoded: the
// first codec of sender's this build transcodes, decoded and encoded again; its
// telephone-event passed on as the receiver's, or played as audio to a receiver without.
// nullopt (logged) when the sender has no codec the chain can take.
std::optional<media::Transcoder::Chain> same_codec_chain(const std::vector<SdpCodec>& sender,
                                                         const std::vector<SdpCodec>& receiver);

// What the daemon's options ask of every chain: the clocked stage (--jitter-buffer,
// --jb-clock-drift, --dtx-*) and comfort noise (--dtx-cn-params, --silence-detect,
// --cn-payload, --amr-dtx).
struct ChainOptions {
    media::PlayoutSettings playout;  // clock_rate, packet_ms and delay_ms are per chain
    std::vector<uint8_t> dtx_cn_params;  // empty: gaps are filled with silence
    std::vector<uint8_t> cn_payload{32};
    double silence_detect = 0;  // percent of full scale; 0: off
    bool amr_dtx_cn = false;    // --amr-dtx=CN: AMR gaps filled as other codecs' are
    bool dtmf_no_suppress = false;  // --dtmf-no-suppress: audio goes on while events pass
    uint32_t dtmf_digit_delay_ms = 2500;  // --dtmf-digit-delay: at most this between a trigger's digits
};

// Sets up what the options ask of a chain (its clocked stage, comfort noise, DTMF
// suppression): receiver / sender are the codecs of the side it sends to and of the side
// it decodes; delay_buffer_ms the call's delay-buffer.
void engage_clock(media::Transcoder::Chain& chain, const ChainOptions& options,
                  const std::vector<SdpCodec>& receiver, const std::vector<SdpCodec>& sender, int delay_buffer_ms);
// What a codec of an SDP makes a decoder or encoder for, as that SDP describes it: the
// registry's entry (null for telephone-event, CN and what this build cannot both decode and
// encode), clock rate, channels, the bit rate of codec options and the format parameters
// (a view into c's a=fmtp: c must outlive the result).
codec::CodecParams codec_params(const SdpCodec& c);

// The chain from one codec to the other; nullopt (logged) when the codec library refuses.
// ptime: the encoder's packet time in ms (0: the codec's default).
std::optional<media::Transcoder::Chain> make_chain(const SdpCodec& from, const SdpCodec& to, int ptime = 0);

// single-codec: the chain of what the answerer sends in the codecs left out (left_out, those
// this build decodes) as the one kept (the first of kept that is not telephone-event or CN),
// as 10.5 transcodes them; all else it sends passes unchanged. ptime: as make_chain's.
// nullopt when none is left out or the kept codec cannot be encoded.
std::optional<media::Transcoder::Chain> left_out_chain(const std::vector<SdpCodec>& left_out,
                                                       const std::vector<SdpCodec>& kept, int ptime);

}  // namespace rtpe::call
