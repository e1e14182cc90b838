#include "stun/builder.hpp"

#include <cstring>

#include "stun/wire.hpp"

namespace rtpe::stun {

MessageBuilder::MessageBuilder(std::span<uint8_t> buffer, MessageClass cls, Method method, const TransactionId& id)
    : buffer_(buffer), id_(id) {
    if (buffer_.size() < kHeaderSize) {
        failed_ = true;
        return;
    }
    uint8_t* p = buffer_.data();
    wire::put16(p, encode_type(cls, method));
    wire::put16(p + 2, 0);
    wire::put32(p + 4, kMagicCookie);
    std::memcpy(p + 8, id.data(), id.size());
    size_ = kHeaderSize;
}

void MessageBuilder::set_length(std::size_t body_length) {
    wire::put16(buffer_.data() + 2, static_cast<uint16_t>(body_length));
}

uint8_t* MessageBuilder::reserve(uint16_t type, std::size_t length) {
    if (failed_ || has_fingerprint_ || (has_integrity_ && type != attr::kFingerprint) || length > 0xFFFF ||
        buffer_.size() - size_ < 4 + wire::padded(length)) {
        failed_ = true;
        return nullptr;
    }
    uint8_t* p = buffer_.data() + size_;
    wire::put16(p, type);
    wire::put16(p + 2, static_cast<uint16_t>(length));
    std::memset(p + 4 + length, 0, wire::padded(length) - length);
    size_ += 4 + wire::padded(length);
    set_length(size_ - kHeaderSize);
    return p + 4;
}

MessageBuilder& MessageBuilder::add(uint16_t type, ByteView value) {
    if (uint8_t* p = reserve(type, value.size()); p && !value.empty())
        std::memcpy(p, value.data(), value.size());
    return *this;
}

MessageBuilder& MessageBuilder::add_text(uint16_t type, std::string_view text) {
    return add(type, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

MessageBuilder& MessageBuilder::add_priority(uint32_t priority) {
    if (uint8_t* p = reserve(attr::kPriority, 4))
        wire::put32(p, priority);
    return *this;
}

MessageBuilder& MessageBuilder::add_ice_controlling(uint64_t tie_breaker) {
    if (uint8_t* p = reserve(attr::kIceControlling, 8))
        wire::put64(p, tie_breaker);
    return *this;
}

MessageBuilder& MessageBuilder::add_ice_controlled(uint64_t tie_breaker) {
    if (uint8_t* p = reserve(attr::kIceControlled, 8))
        wire::put64(p, tie_breaker);
    return *this;
}

MessageBuilder& MessageBuilder::add_address(uint16_t type, const net::SocketAddress& address, bool xored) {
    const bool v4 = address.family() == AF_INET;
    if (!v4 && address.family() != AF_INET6) {
        failed_ = true;
        return *this;
    }
    const std::size_t ip_length = v4 ? 4 : 16;
    uint8_t* p = reserve(type, 4 + ip_length);
    if (!p)
        return *this;
    p[0] = 0;
    p[1] = v4 ? 0x01 : 0x02;
    uint16_t port = address.port();
    const net::IpAddress ip = address.ip();
    const uint8_t* raw = v4 ? reinterpret_cast<const uint8_t*>(&ip.v4()) : reinterpret_cast<const uint8_t*>(&ip.v6());
    std::memcpy(p + 4, raw, ip_length);
    if (xored) {
        port ^= static_cast<uint16_t>(kMagicCookie >> 16);
        uint8_t pad[16];
        wire::put32(pad, kMagicCookie);
        std::memcpy(pad + 4, id_.data(), id_.size());
        for (std::size_t i = 0; i < ip_length; ++i)
            p[4 + i] ^= pad[i];
    }
    wire::put16(p + 2, port);
    return *this;
}

MessageBuilder& MessageBuilder::add_xor_mapped_address(const net::SocketAddress& address) {
    return add_address(attr::kXorMappedAddress, address, true);
}

MessageBuilder& MessageBuilder::add_mapped_address(const net::SocketAddress& address) {
    return add_address(attr::kMappedAddress, address, false);
}

MessageBuilder& MessageBuilder::add_error_code(int code, std::string_view reason) {
    if (code < 300 || code > 699) {
        failed_ = true;
        return *this;
    }
    if (reason.empty())
        reason = error::default_reason(code);
    // RFC 8489 14.8: fewer than 128 characters; bytes are a fine approximation here.
    if (reason.size() > 508)
        reason = reason.substr(0, 508);
    uint8_t* p = reserve(attr::kErrorCode, 4 + reason.size());
    if (!p)
        return *this;
    p[0] = 0;
    p[1] = 0;
    p[2] = static_cast<uint8_t>(code / 100);
    p[3] = static_cast<uint8_t>(code % 100);
    std::memcpy(p + 4, reason.data(), reason.size());
    return *this;
}

MessageBuilder& MessageBuilder::add_unknown_attributes(std::span<const uint16_t> types) {
    uint8_t* p = reserve(attr::kUnknownAttributes, 2 * types.size());
    if (!p)
        return *this;
    for (std::size_t i = 0; i < types.size(); ++i)
        wire::put16(p + 2 * i, types[i]);
    return *this;
}

MessageBuilder& MessageBuilder::add_message_integrity(crypto::HmacSha1& key) {
    const std::size_t covered = size_;
    uint8_t* p = reserve(attr::kMessageIntegrity, 20);
    if (!p)
        return *this;
    // The length field already counts this attribute, which is what the HMAC covers.
    const auto tag = key.tag({ByteView(buffer_.data(), covered)});
    std::memcpy(p, tag.data(), tag.size());
    has_integrity_ = true;
    return *this;
}

MessageBuilder& MessageBuilder::add_fingerprint() {
    const std::size_t covered = size_;
    uint8_t* p = reserve(attr::kFingerprint, 4);
    if (!p)
        return *this;
    wire::put32(p, fingerprint_of(ByteView(buffer_.data(), covered)));
    has_fingerprint_ = true;
    return *this;
}

std::span<const uint8_t> MessageBuilder::finish() const {
    if (failed_)
        return {};
    return {buffer_.data(), size_};
}

}  // namespace rtpe::stun
