#pragma once
// Rewrites an SDP body so that the peer sends its media to our sockets, in the shape
// upstream rtpengine produces (see docs/sdp-rewriting.md).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/address.hpp"
#include "sdp/session.hpp"

namespace rtpe::call {

// Where the receiver of the rewritten SDP is to send one m= line's media.
struct MediaTarget {
    bool rejected = false;  // port 0 in, port 0 out
    net::IpAddress address;
    uint16_t rtp_port = 0;
    uint16_t rtcp_port = 0;
};

struct RewriteOptions {
    bool replace_origin = false;
    bool no_rtcp_attribute = false;
    bool full_rtcp_attribute = false;
    bool original_sendrecv = false;
    bool ice_remove = false;
    bool loop_protect = false;
    std::optional<std::string> transport_protocol;
};

// The attribute loop-protect adds and looks for.
inline constexpr const char* kLoopProtectAttribute = "rtpengine";

std::string rewrite_sdp(sdp::Session session, const std::vector<MediaTarget>& targets, const RewriteOptions& options,
                        const std::string& instance_id);

}  // namespace rtpe::call
