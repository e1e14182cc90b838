#pragma once
// A BUNDLE transport (RFC 9143) carries several m= lines on one socket. What arrives on it
// goes on to the peer stream of the m= line it belongs to: by the MID header extension when
// the packet carries one, else by its SSRC once known, else by its payload type (each m=
// line has its own); the SSRC is remembered from the first two. RTCP
// goes by its sender's SSRC, else to the first m= line's peer. Built by the control
// thread, then used and updated on the transport's worker only.

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rtpe::media {

class PacketStream;
struct Packet;

struct BundleRoute {
    std::string mid;                      // the m= line's a=mid
    PacketStream* target = nullptr;       // the m= line's peer stream for RTP
    PacketStream* rtcp_target = nullptr;  // and for RTCP
    std::bitset<128> payload_types;       // the m= line's own
};

class BundleRoutes {
public:
    // mid_extension: the MID header extension's id (0: none negotiated).
    BundleRoutes(std::vector<BundleRoute> routes, uint8_t mid_extension)
        : routes_(std::move(routes)), mid_extension_(mid_extension) {}
    // nullptr when no route fits (no routes at all).
    const BundleRoute* route(const Packet& packet);

private:
    const BundleRoute* by_ssrc(uint32_t ssrc) const;
    void remember(uint32_t ssrc, std::size_t route);

    std::vector<BundleRoute> routes_;
    uint8_t mid_extension_ = 0;
    struct Known {
        uint32_t ssrc = 0;
        uint32_t route = 0;
        bool used = false;
    };
    // The SSRCs seen: a few per m= line; the oldest gives way when full.
    std::array<Known, 32> known_{};
    std::size_t next_ = 0;
};

}  // namespace rtpe::media
