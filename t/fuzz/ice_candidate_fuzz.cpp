// parse_candidate must accept or refuse any text without reading past it, and a line it
// accepts must format to a line that parses back to the same candidate (what the SDP
// writer relies on when it passes a peer's candidates on).

#include <cstddef>
#include <cstdint>
#include <string>

#include "ice/candidate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto candidate = rtpe::ice::parse_candidate(text);
    if (!candidate)
        return 0;
    (void)candidate->socket_address();
    const auto again = rtpe::ice::parse_candidate(rtpe::ice::format_candidate(*candidate));
    if (!again || !(*again == *candidate))
        __builtin_trap();
    return 0;
}
