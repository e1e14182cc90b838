#pragma once
// What the daemon tells xt_RTPENGINE about one stream, and what the module counts for it,
// as plain values. kernel_message.* maps them onto the ABI structs of
// kernel-module/rtpengine_kernel_abi.h; nothing else in the daemon sees those.

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/address.hpp"

namespace rtpe::kernel {

// One forwarding target: what arrives at `local` (from `expected_source`, when set) is
// sent from `send_from` to `destination`.
struct KernelTarget {
    net::SocketAddress local;                         // the key: the daemon's socket
    std::optional<net::SocketAddress> expected_source;  // nullopt: any source; port 0: any port
    net::SocketAddress send_from;                     // same family as destination
    net::SocketAddress destination;
    std::vector<uint8_t> payload_types;  // up to 32, each 0..127; counted per type
    bool payload_type_filter = false;    // forward RTP only with a type in payload_types
    std::vector<uint32_t> ssrcs;         // up to 4
    bool ssrc_check = false;             // forward RTP only with an SSRC in ssrcs
    bool rtcp = false;                   // an RTCP port: forward whatever arrives
    bool rtp_only = false;               // anything that is not RTP goes to userspace
    uint8_t tos = 0;                     // TOS / traffic class of what is sent
    uint32_t stats_slot = 0;             // the daemon's number for the stream, echoed back

    bool operator==(const KernelTarget&) const = default;
};

struct KernelSsrcCounters {
    uint32_t ssrc = 0;
    uint64_t packets = 0;
    uint64_t bytes = 0;

    bool operator==(const KernelSsrcCounters&) const = default;
};

// One record of /proc/rtpengine/N/blist.
struct KernelTargetStats {
    KernelTarget target;                   // as written (SRTP keys are not read back)
    uint64_t packets = 0;                  // forwarded by the kernel
    uint64_t bytes = 0;                    // UDP payload bytes forwarded
    uint64_t errors = 0;                   // could not be sent, dropped
    uint64_t userspace = 0;                // failed a check, handed to the daemon's socket
    uint64_t last_packet_us = 0;           // CLOCK_REALTIME of the last forwarded one; 0: none
    std::vector<uint64_t> pt_packets;      // per entry of target.payload_types
    std::vector<KernelSsrcCounters> ssrcs; // the used SSRC slots
};

// The outcome of a kernel operation: ok, or the errno and a message naming what failed
// ("write /proc/rtpengine/0/control (add target 127.0.0.1:30000): File exists").
class KernelStatus {
public:
    KernelStatus() = default;
    // error 0 (no errno to report) becomes EIO, so a failure is never ok().
    static KernelStatus failure(int error, std::string message) {
        return KernelStatus(error ? error : EIO, std::move(message));
    }

    bool ok() const { return error_ == 0; }
    explicit operator bool() const { return ok(); }
    int error() const { return error_; }  // an errno value, or EINVAL for what the daemon refuses itself
    const std::string& message() const { return message_; }

private:
    KernelStatus(int error, std::string message) : error_(error), message_(std::move(message)) {}
    int error_ = 0;
    std::string message_;
};

}  // namespace rtpe::kernel
