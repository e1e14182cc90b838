#pragma once
// The test vectors of RFC 5769, section 2, as byte arrays (also written to the fuzz
// corpus). The vectors pad with spaces, which RFC 5389 allows.

#include <cstdint>
#include <string>
#include <vector>

#include "hex.hpp"

namespace rtpe::stun::test {

inline constexpr const char* kShortTermPassword = "VOkJxbRl1RmTxUk/WvJxBt";

// 2.1: Binding request, SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME "evtj:h6vY",
// MESSAGE-INTEGRITY, FINGERPRINT.
inline std::vector<uint8_t> sample_request() {
    return rtpe::test::unhex(
        "0001 0058 2112a442 b7e7a701 bc34d686 fa87dfae"
        "8022 0010 5354554e 20746573 7420636c 69656e74"
        "0024 0004 6e0001ff"
        "8029 0008 932ff9b1 51263b36"
        "0006 0009 6576746a 3a683676 59202020"
        "0008 0014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2"
        "8028 0004 e57a3bcf");
}

// 2.2: success response, SOFTWARE "test vector", XOR-MAPPED-ADDRESS 192.0.2.1:32853.
inline std::vector<uint8_t> sample_ipv4_response() {
    return rtpe::test::unhex(
        "0101 003c 2112a442 b7e7a701 bc34d686 fa87dfae"
        "8022 000b 74657374 20766563 746f7220"
        "0020 0008 0001a147 e112a643"
        "0008 0014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7"
        "8028 0004 c07d4c96");
}

// 2.3: the same with XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853.
inline std::vector<uint8_t> sample_ipv6_response() {
    return rtpe::test::unhex(
        "0101 0048 2112a442 b7e7a701 bc34d686 fa87dfae"
        "8022 000b 74657374 20766563 746f7220"
        "0020 0014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9"
        "0008 0014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41"
        "8028 0004 c8fb0b4c");
}

// 2.4: request with long-term credentials: USERNAME (UTF-8 "マトリックス"), NONCE,
// REALM "example.org", MESSAGE-INTEGRITY; no FINGERPRINT.
inline std::vector<uint8_t> sample_long_term_request() {
    return rtpe::test::unhex(
        "0001 0060 2112a442 78ad3433 c6ad72c0 29da412e"
        "0006 0012 e3839ee3 8388e383 aae38383 e382afe3 82b90000"
        "0015 001c 662f2f34 39396b39 35346436 4f4c3334 6f4c3946 53547679 36347341"
        "0014 000b 6578616d 706c652e 6f726700"
        "0008 0014 f6702465 6dd64a3e 02b8e071 2e85c9a2 8ca89666");
}

}  // namespace rtpe::stun::test
