#pragma once
// The `codec` key of an offer (and its codec-... flags): which of the offerer's codecs the
// answerer is offered, which are added for transcoding, and which stay for the offerer's
// side of a transcoding, as Debian's rtpengine 10.5 writes the offer (the differential
// test compares them).

#include <string>
#include <vector>

#include "daemon/call/sdp_codecs.hpp"

namespace rtpe::call {

// Each list holds codec specifications: "PCMA", "opus/48000/2", "all", "full".
struct CodecRequest {
    std::vector<std::string> strip;      // removed, as if never offered
    std::vector<std::string> except;     // kept when strip/mask remove all (also `offer`)
    std::vector<std::string> mask;       // removed from the offer, kept for transcoding
    std::vector<std::string> consume;    // mask, and transcoding engaged
    std::vector<std::string> transcode;  // added (when decodable and encodable) for transcoding
    std::vector<std::string> accept;     // accepted for transcoding; the offer is unchanged
    // Encoder options ("AMR/8000/1/7400": a bit rate) for the offerer's codecs of that
    // name, clock rate and channels, used where we encode towards the offerer. The offer's
    // SDP is unchanged, so any() leaves it out.
    std::vector<std::string> set;
    bool any() const {
        return !strip.empty() || !except.empty() || !mask.empty() || !consume.empty() || !transcode.empty() ||
               !accept.empty();
    }
};

// What an offer's codec options make of the offerer's codecs.
struct OfferedCodecs {
    std::vector<SdpCodec> to_answerer;  // the m= line's formats towards the answerer, in order
    std::vector<SdpCodec> added;        // those the offerer did not have (transcoded)
    // The offerer's codecs named by consume or accept: taken for the offerer's side of a
    // transcoding whatever the answerer picks of the others.
    std::vector<SdpCodec> accepted;
    // The offerer's codecs it may be answered with when transcoding: all but the stripped
    // ones (masked and consumed ones stay), in its order. Those here and in accepted carry
    // the set options' bit rates.
    std::vector<SdpCodec> offerer_side;
    bool changed = false;               // to_answerer differs from the offer
    // The offer's ptime, ptime-reverse and always-transcode keys (CallRequest).
    std::optional<int> ptime, ptime_reverse;
    bool always_transcode = false;
    // inject-DTMF in the offer or its answer: both directions go through the chain (the
    // same codec when they share one), where play DTMF plays its digits.
    bool inject_dtmf = false;
    // The ng delay-buffer key (ms, 0: off): kept from one message to the next until a
    // message sets it again; the call's codec chains delay all media by it.
    int delay_buffer = 0;
};

// media_type: the m= line's ("audio", "video"): codecs are added to audio only, as this
// build's codecs are audio codecs. transcoding_requested: other keys of the offer engage
// transcoding (ptime, ptime-reverse, always-transcode, inject-DTMF).
OfferedCodecs codecs_for_answerer(const std::vector<SdpCodec>& offered, const CodecRequest& request,
                                  std::string_view media_type = "audio", bool transcoding_requested = false);

// Whether a codec matches a specification ("opus", "opus/48000", "opus/48000/2/32000").
bool codec_matches(const SdpCodec& codec, std::string_view spec);

// single-codec (answers): the first codec that is not telephone-event or CN, and every one
// that is, in their order.
std::vector<SdpCodec> single_codec(std::vector<SdpCodec> codecs);
// What single_codec() leaves out: every codec after the first that is not telephone-event
// or CN.
std::vector<SdpCodec> left_out_by_single_codec(std::vector<SdpCodec> codecs);

// reuse-codecs: codecs whose payload type an earlier SDP of the participant's had come
// first, in that SDP's order; the others follow in their own order.
std::vector<SdpCodec> in_earlier_order(std::vector<SdpCodec> codecs, const std::vector<std::string>& earlier);

// An answer's codecs as its offerer gets them when we write the list (single-codec,
// reuse-codecs): those of the formats it offered, all of them when none is, as the SDP
// rewriter leaves an answer's own list.
std::vector<SdpCodec> answered_as_offered(std::vector<SdpCodec> answered,
                                          const std::vector<std::string>& offered_formats);

// The payload types of codecs, in order.
std::vector<std::string> payload_types(const std::vector<SdpCodec>& codecs);

// A specification's bit rate (its fourth part, "opus/48000/2/32000"); 0 when it has none.
// A fourth part that is not a positive number is logged and ignored.
int spec_bitrate(std::string_view spec);

}  // namespace rtpe::call
