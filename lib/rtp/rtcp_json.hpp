#pragma once
// The JSON text rtpengine sends to Homer (HEP protocol type 5) for one RTCP compound. Key
// names, key order, spacing and escaping follow what mr10.5.3.5 puts on the wire, checked
// against captures of the packaged daemon, because Homer's RTCP views parse it by key.

#include <string>

#include "rtp/rtcp.hpp"

namespace rtpe::rtp {

// SR and RR parts give "sender_information" (SR only) and their report blocks, SDES parts
// their items; BYE, APP, XR and feedback add nothing. The walk ends at the first malformed
// part, keeping what came before it, as upstream does. Empty when nothing was reportable,
// in which case upstream sends no Homer packet at all.
std::string homer_rtcp_json(Bytes compound);

// Appends SDES text the way upstream does: JSON escapes for quote, backslash and
// \b \f \n \r \t, and '_' for any other byte outside printable ASCII.
void append_sdes_text(std::string& out, std::string_view text);

}  // namespace rtpe::rtp
