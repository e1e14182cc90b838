#pragma once

// How long an IFP packet of ITU-T T.38 is, read from its own encoding. UDPTL's FEC rebuilds
// a lost IFP zero-padded to the longest packet of its FEC entry, and T.38 engines (spandsp
// among them) refuse an IFP with octets after its end; this says where the end is.
//
//   IFPPacket ::= SEQUENCE { type-of-msg CHOICE { t30-indicator, t30-data } (extensible
//                 enumerations), data-field SEQUENCE OF SEQUENCE { field-type, field-data
//                 OCTET STRING (SIZE (1..65535)) OPTIONAL } OPTIONAL }
//
// in aligned PER: the type of message in one octet, two when its enumeration uses the
// extension; the field count behind a length determinant; each field's type in one octet
// (two when extended) followed by a two-octet length minus one and the data. T.38 version 0
// has no extension on the field type, so a field without data takes half an octet and two
// of them share one (the layout spandsp reads and writes).

#include "t38/udptl.hpp"

#include <cstddef>

namespace rtpe::t38 {

// The size of the IFP packet that `bytes` begins with, or 0 when they do not begin with a
// whole one. Never reads outside `bytes`.
std::size_t ifp_packet_size(Bytes bytes, int t38_version);

}  // namespace rtpe::t38
