#pragma once
// The T.38 key: a gateway between a fax machine on audio (RTP) and a T.38 endpoint
// (image/udptl/t38), as upstream offers it.
//  - decode: an offered T.38 m= line goes on to the answerer as audio (PCMU and PCMA, or
//    the codecs `transcode` names); the offerer is answered with our T.38 parameters.
//  - force: an offered audio m= line goes on as T.38 with our parameters; the offerer is
//    answered with the first of its codecs this build can decode and encode.
//  - stop: a gateway engaged before goes; the m= line passes through as it comes.
//  - beyond 10.5: redundancy (the default, explicitly), no-fill-bit-removal,
//    no-transcoding-MMR, no-transcoding-JBIG, local-max-datagram (T38Request).
// The T.38 parameters (ITU-T T.38 Annex D) that we write are 10.5's, and so are what an
// answer echoes of an offer (its T38FaxVersion and error recovery).

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/call/call_request.hpp"
#include "daemon/call/sdp_codecs.hpp"
#include "daemon/media/t38_bridge.hpp"
#include "sdp/session.hpp"
#include "t38/udptl.hpp"

namespace rtpe::call {

inline constexpr const char* kT38MediaType = "image";
inline constexpr const char* kT38Protocol = "udptl";
inline constexpr const char* kT38Format = "t38";

// An image/udptl/t38 m= line's parameters; what an SDP leaves out has T.38's default.
struct T38Sdp {
    int version = 0;
    int max_bit_rate = 14400;
    bool local_tcf = false;  // T38FaxRateManagement: localTCF, else transferredTCF
    int max_buffer = 1800;
    int max_datagram = 512;
    std::optional<int> max_ifp;
    bool no_error_recovery = false;  // t38UDPNoEC
    t38::ErrorRecovery recovery = t38::ErrorRecovery::redundancy;
    bool fill_bit_removal = false;
    bool transcoding_mmr = false;
    bool transcoding_jbig = false;
};

bool is_t38(const sdp::MediaDescription& m);
T38Sdp t38_sdp_of(const sdp::MediaSection& section);

// Ours towards the T.38 endpoint: an offer (force), or the answer to its offer (decode).
T38Sdp our_t38_offer(const T38Request& request);
T38Sdp our_t38_answer(const T38Sdp& offered);
// The a=T38... lines of an SDP, in upstream's order.
std::vector<std::pair<std::string, std::optional<std::string>>> t38_attributes(const T38Sdp& t38);

// What a gateway's offer settled, kept on the offerer's media side for the answer.
struct T38Offer {
    enum class Mode { decode, force };
    Mode mode = Mode::decode;
    T38Request request;
    T38Sdp offered;  // decode: the offerer's T.38 parameters; force: ours to the answerer
};

// The codecs a decode offer gives the answerer: what `transcode` names (those this build
// can decode and encode), else PCMU and PCMA.
std::vector<SdpCodec> t38_decode_codecs(const CodecRequest& codec);

// The gateway's spandsp options and UDPTL settings from what the T.38 endpoint said
// (`peer`), what the answer settled and the offer's T.38 flags (no codec yet).
media::T38Bridge::Settings t38_bridge_settings(const T38Sdp& peer, const T38Sdp& settled, const T38Request& request);

// The gateway between the two streams: audio: the stream facing the fax machine (codec:
// its codec, payload type included); fax: the one facing the T.38 endpoint, whose own
// parameters (`peer`) and the answer's (`settled`) set up UDPTL and spandsp. Null (logged)
// when the codec or spandsp refuses.
std::unique_ptr<media::T38Bridge> make_t38_bridge(const SdpCodec& codec, const T38Sdp& peer, const T38Sdp& settled,
                                                  const T38Request& request, media::PacketStream& audio,
                                                  media::PacketStream& fax);

}  // namespace rtpe::call
