#pragma once
// The statically assigned RTP payload types of RFC 3551, as rtpmap values.

#include <optional>
#include <string_view>

namespace rtpe::rtp {

// "PCMU/8000" for 0 and so on; nullopt for dynamic or unassigned numbers.
std::optional<std::string_view> static_rtpmap(std::string_view payload_type);

}  // namespace rtpe::rtp
