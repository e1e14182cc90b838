#pragma once
// Packets and contexts for the SRTP tests.

#include "srtp/context.hpp"

#include <cstdint>
#include <vector>

namespace rtpe::test {

// An RTP packet with csrcs CSRCs, optionally a 2-word header extension, and a payload of
// payload_length bytes derived from seq.
inline std::vector<uint8_t> rtp_packet(uint16_t seq, uint32_t ssrc, std::size_t payload_length = 160,
                                       unsigned csrcs = 0, bool extension = false) {
    std::vector<uint8_t> p = {static_cast<uint8_t>(0x80 | (extension ? 0x10 : 0) | csrcs), 0x08,
                              static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq),
                              0, 0, 0x12, 0x34,
                              static_cast<uint8_t>(ssrc >> 24), static_cast<uint8_t>(ssrc >> 16),
                              static_cast<uint8_t>(ssrc >> 8), static_cast<uint8_t>(ssrc)};
    for (unsigned i = 0; i < csrcs * 4; ++i)
        p.push_back(static_cast<uint8_t>(0xc0 + i));
    if (extension) {
        for (uint8_t b : {0xbe, 0xde, 0x00, 0x02, 0x10, 0xaa, 0x21, 0xbb, 0xcc, 0x00, 0x00, 0x00})
            p.push_back(b);
    }
    for (std::size_t i = 0; i < payload_length; ++i)
        p.push_back(static_cast<uint8_t>(seq + i * 7));
    return p;
}

// An RTCP receiver report with one report block, from ssrc.
inline std::vector<uint8_t> rtcp_packet(uint32_t ssrc) {
    std::vector<uint8_t> p = {0x81, 201, 0, 7,
                              static_cast<uint8_t>(ssrc >> 24), static_cast<uint8_t>(ssrc >> 16),
                              static_cast<uint8_t>(ssrc >> 8), static_cast<uint8_t>(ssrc)};
    for (int i = 0; i < 24; ++i)
        p.push_back(static_cast<uint8_t>(0x40 + i));
    return p;
}

inline srtp::Status apply(srtp::Status (srtp::Context::*op)(std::span<uint8_t>, std::size_t&), srtp::Context& c,
                          std::vector<uint8_t>& packet) {
    std::vector<uint8_t> buffer(packet);
    buffer.resize(packet.size() + 64 + 128);
    std::size_t length = packet.size();
    const srtp::Status s = (c.*op)(buffer, length);
    if (s == srtp::Status::ok)
        packet.assign(buffer.begin(), buffer.begin() + static_cast<long>(length));
    return s;
}

// A master key and salt of the suite's lengths, filled with a pattern.
inline std::vector<uint8_t> pattern(std::size_t n, uint8_t seed) {
    std::vector<uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<uint8_t>(seed + i * 13);
    return v;
}

inline srtp::Context make_context(const srtp::CryptoSuite& suite, srtp::ContextOptions options = {}) {
    return srtp::Context(suite, pattern(suite.master_key_length, 1), pattern(suite.master_salt_length, 99),
                         std::move(options));
}

}  // namespace rtpe::test
