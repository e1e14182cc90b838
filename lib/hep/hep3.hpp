#pragma once
// HEP version 3 ("HEP3", the Homer Encapsulation Protocol) as rtpengine uses it to send
// RTCP statistics to a Homer capture server: a 6-byte header and a list of
// vendor/type/length chunks, all big-endian.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/address.hpp"

namespace rtpe::hep {

// Generic chunk types of vendor 0.
namespace chunk {
inline constexpr uint16_t kIpFamily = 1;
inline constexpr uint16_t kIpProtocol = 2;
inline constexpr uint16_t kIpv4Source = 3;
inline constexpr uint16_t kIpv4Destination = 4;
inline constexpr uint16_t kIpv6Source = 5;
inline constexpr uint16_t kIpv6Destination = 6;
inline constexpr uint16_t kSourcePort = 7;
inline constexpr uint16_t kDestinationPort = 8;
inline constexpr uint16_t kTimestampSec = 9;
inline constexpr uint16_t kTimestampUsec = 10;
inline constexpr uint16_t kProtocolType = 11;
inline constexpr uint16_t kCaptureId = 12;
inline constexpr uint16_t kAuthKey = 14;
inline constexpr uint16_t kPayload = 15;
inline constexpr uint16_t kCorrelationId = 17;
}  // namespace chunk

// HEP protocol type of the payload; upstream labels its RTCP JSON 5.
inline constexpr uint8_t kProtocolRtcpJson = 5;

struct Message {
    // Upstream passes the RTCP sender as source and the relay's receiving socket as
    // destination. Both must be the same family, IPv4 or IPv6.
    net::SocketAddress source;
    net::SocketAddress destination;
    uint32_t timestamp_sec = 0;
    uint32_t timestamp_usec = 0;
    uint8_t ip_protocol = 17;  // UDP
    uint8_t protocol_type = kProtocolRtcpJson;
    uint32_t capture_id = 0;
    // Upstream never sends one; Homer servers may require it.
    std::optional<std::string_view> auth_key;
    // The Call-ID, which Homer correlates with the SIP capture.
    std::string_view correlation_id;
    std::string_view payload;
};

// Chunks in upstream's order: family, protocol, ports, timestamps, protocol type, capture
// id, addresses, auth key (ours only), correlation id, payload. Empty when the addresses are
// not one IP family or the packet would exceed the 16-bit length fields.
std::string encode_hep3(const Message& message);

struct Chunk {
    uint16_t vendor = 0;
    uint16_t type = 0;
    // After the 6-byte chunk header.
    std::span<const uint8_t> data;
};

// Splits a HEP3 packet into its chunks, for tests and tools. None unless the magic, the
// total length and every chunk length agree with the buffer.
std::optional<std::vector<Chunk>> decode_hep3(std::span<const uint8_t> packet);

}  // namespace rtpe::hep
