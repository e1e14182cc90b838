#include "hep/hep3.hpp"

#include <cstring>
#include <limits>

namespace rtpe::hep {

namespace {

constexpr std::size_t kHeaderSize = 6;
constexpr std::size_t kChunkHeaderSize = 6;

void put16(std::string& out, uint16_t v) {
    out += static_cast<char>(v >> 8);
    out += static_cast<char>(v & 0xff);
}

void put32(std::string& out, uint32_t v) {
    put16(out, static_cast<uint16_t>(v >> 16));
    put16(out, static_cast<uint16_t>(v & 0xffff));
}

void chunk_header(std::string& out, uint16_t type, std::size_t data_size) {
    put16(out, 0);
    put16(out, type);
    put16(out, static_cast<uint16_t>(kChunkHeaderSize + data_size));
}

void put_u8_chunk(std::string& out, uint16_t type, uint8_t v) {
    chunk_header(out, type, 1);
    out += static_cast<char>(v);
}

void put_u16_chunk(std::string& out, uint16_t type, uint16_t v) {
    chunk_header(out, type, 2);
    put16(out, v);
}

void put_u32_chunk(std::string& out, uint16_t type, uint32_t v) {
    chunk_header(out, type, 4);
    put32(out, v);
}

void put_bytes_chunk(std::string& out, uint16_t type, const void* data, std::size_t size) {
    chunk_header(out, type, size);
    out.append(static_cast<const char*>(data), size);
}

}  // namespace

std::string encode_hep3(const Message& m) {
    const int family = m.source.family();
    if ((family != AF_INET && family != AF_INET6) || m.destination.family() != family)
        return {};
    const std::size_t address_size = family == AF_INET ? 4 : 16;
    const std::size_t total = kHeaderSize + 8 * kChunkHeaderSize + 1 + 1 + 2 + 2 + 4 + 4 + 1 + 4 +
                              2 * (kChunkHeaderSize + address_size) +
                              (m.auth_key ? kChunkHeaderSize + m.auth_key->size() : 0) + kChunkHeaderSize +
                              m.correlation_id.size() + kChunkHeaderSize + m.payload.size();
    // Both the total and each chunk carry 16-bit lengths.
    if (total > std::numeric_limits<uint16_t>::max())
        return {};

    std::string out;
    out.reserve(total);
    out += "HEP3";
    put16(out, static_cast<uint16_t>(total));
    // Upstream sends the host's AF_* value (2 or 10), which is also what HEP specifies.
    put_u8_chunk(out, chunk::kIpFamily, static_cast<uint8_t>(family));
    put_u8_chunk(out, chunk::kIpProtocol, m.ip_protocol);
    put_u16_chunk(out, chunk::kSourcePort, m.source.port());
    put_u16_chunk(out, chunk::kDestinationPort, m.destination.port());
    put_u32_chunk(out, chunk::kTimestampSec, m.timestamp_sec);
    put_u32_chunk(out, chunk::kTimestampUsec, m.timestamp_usec);
    put_u8_chunk(out, chunk::kProtocolType, m.protocol_type);
    put_u32_chunk(out, chunk::kCaptureId, m.capture_id);
    const net::IpAddress src = m.source.ip();
    const net::IpAddress dst = m.destination.ip();
    if (family == AF_INET) {
        put_bytes_chunk(out, chunk::kIpv4Source, &src.v4(), 4);
        put_bytes_chunk(out, chunk::kIpv4Destination, &dst.v4(), 4);
    } else {
        put_bytes_chunk(out, chunk::kIpv6Source, &src.v6(), 16);
        put_bytes_chunk(out, chunk::kIpv6Destination, &dst.v6(), 16);
    }
    if (m.auth_key)
        put_bytes_chunk(out, chunk::kAuthKey, m.auth_key->data(), m.auth_key->size());
    put_bytes_chunk(out, chunk::kCorrelationId, m.correlation_id.data(), m.correlation_id.size());
    put_bytes_chunk(out, chunk::kPayload, m.payload.data(), m.payload.size());
    return out;
}

std::optional<std::vector<Chunk>> decode_hep3(std::span<const uint8_t> packet) {
    if (packet.size() < kHeaderSize || std::memcmp(packet.data(), "HEP3", 4) != 0)
        return std::nullopt;
    const std::size_t total = (std::size_t{packet[4]} << 8) | packet[5];
    if (total != packet.size())
        return std::nullopt;
    std::vector<Chunk> chunks;
    std::size_t offset = kHeaderSize;
    while (offset < total) {
        if (total - offset < kChunkHeaderSize)
            return std::nullopt;
        const uint8_t* d = packet.data() + offset;
        const std::size_t length = (std::size_t{d[4]} << 8) | d[5];
        if (length < kChunkHeaderSize || length > total - offset)
            return std::nullopt;
        chunks.push_back({static_cast<uint16_t>((d[0] << 8) | d[1]), static_cast<uint16_t>((d[2] << 8) | d[3]),
                          packet.subspan(offset + kChunkHeaderSize, length - kChunkHeaderSize)});
        offset += length;
    }
    return chunks;
}

}  // namespace rtpe::hep
