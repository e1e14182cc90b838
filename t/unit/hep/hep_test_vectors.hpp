#pragma once
// What the HEP tests share: hex and big-endian helpers, and the capture from Debian's
// rtpengine 10.5.3.5 (--homer-id=2099) that our encoder must reproduce byte for byte
// (t/unit/hep/capture_upstream_hep.py wrote upstream_capture.jsonl; this is its SR+SDES case).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/address.hpp"

namespace rtpe::hep::testing {

inline std::vector<uint8_t> from_hex(std::string_view hex) {
    std::vector<uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

inline std::span<const uint8_t> bytes(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

inline uint32_t be(std::span<const uint8_t> d) {
    uint32_t v = 0;
    for (uint8_t b : d)
        v = (v << 8) | b;
    return v;
}

inline net::SocketAddress addr(const char* ip, uint16_t port) {
    return {*net::IpAddress::parse(ip), port};
}

// The SR+SDES compound, and the whole HEP3 datagram upstream sent for it.
inline constexpr char kRtcpHex[] =
    "81c8000c11223344e87547008000000000027100000003e800027100556677880c000022000102030000002daabbccdd00010000"
    "81ca000611223344010f616c696365403132372e302e302e31000000";
inline constexpr char kHepHex[] =
    "4845503302440000000100070200000002000711000000070008b83f000000080008b46700000009000a6b12cae00000000a000a"
    "0009217d0000000b0007050000000c000a0000083300000003000a7f00000100000004000a7f0000010000001100216865702d6361"
    "70747572652d3130333434403132372e302e302e310000000f01c67b202273656e6465725f696e666f726d6174696f6e223a7b22"
    "6e74705f74696d657374616d705f736563223a333930303030303030302c226e74705f74696d657374616d705f75736563223a32"
    "3134373438333634382c226f6374657473223a3136303030302c227274705f74696d657374616d70223a3136303030302c202270"
    "61636b657473223a313030307d2c2273737263223a3238373435343032302c2274797065223a3230302c227265706f72745f636f"
    "756e74223a312c227265706f72745f626c6f636b73223a5b7b22736f757263655f73737263223a313433323737383633322c2268"
    "6967686573745f7365715f6e6f223a36363035312c226672616374696f6e5f6c6f7374223a31322c2269615f6a6974746572223a"
    "34352c227061636b6574735f6c6f7374223a33342c226c7372223a323836343433343339372c22646c7372223a36353533367d5d"
    "2c22736465735f7265706f72745f636f756e74223a312c22736465735f696e666f726d6174696f6e223a205b207b22736465735f"
    "6368756e6b5f73737263223a3238373435343032302c2274797065223a312c2274657874223a22616c696365403132372e302e30"
    "2e31227d5d207d";
inline constexpr char kCallId[] = "hep-capture-10344@127.0.0.1";

}  // namespace rtpe::hep::testing
