#pragma once
// Transcoding where an answer shares no codec with its offer (issue 10's first slice), as
// upstream does when it can: the offerer is answered with its own first codec this build
// can decode and encode, the answerer keeps its answer's, and each direction's RTP goes
// through a codec chain (media/transcoder.hpp) between the two.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/call/sdp_codecs.hpp"
#include "daemon/media/transcoder.hpp"

namespace rtpe::call {

struct Transcoding {
    SdpCodec offerer;   // what the offerer sends and is answered with
    SdpCodec answerer;  // what the answerer sends
};

// nullopt when the answer names a format of the offer (nothing to do), or when either side
// has no codec this build can both decode and encode (the answer is passed on as it is).
std::optional<Transcoding> transcoding_for(const std::vector<SdpCodec>& offered, const std::vector<SdpCodec>& answered);

// The chain from one codec to the other; nullopt (logged) when the codec library refuses.
std::optional<media::Transcoder::Chain> make_chain(const SdpCodec& from, const SdpCodec& to);

}  // namespace rtpe::call
