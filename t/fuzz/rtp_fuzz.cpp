// classify() must never read outside the datagram, whatever its length or contents, and
// must agree with itself on RTCP: what it calls RTCP walks as a compound without error.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rtp/header.hpp"
#include "rtp/rtcp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    // An exact-size heap copy, so ASan flags a read even one byte past the end.
    const std::vector<uint8_t> copy(data, data + size);
    const auto kind = rtpe::rtp::classify(copy.data(), copy.size());
    if (kind == rtpe::rtp::PacketKind::rtcp) {
        const auto status = rtpe::rtp::for_each_packet(copy, [](const rtpe::rtp::RtcpPacket&) {});
        // classify() has no opinion on padding or header-only parts; everything else it
        // accepts must walk cleanly.
        if (status != rtpe::rtp::RtcpStatus::ok && status != rtpe::rtp::RtcpStatus::zero_length &&
            status != rtpe::rtp::RtcpStatus::padding_overflow && status != rtpe::rtp::RtcpStatus::padding_not_last)
            __builtin_trap();
    }
    return 0;
}
