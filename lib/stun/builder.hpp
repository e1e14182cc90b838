#pragma once
// Writing STUN messages into a caller-supplied buffer, without allocating.
//
// Attributes are appended in call order; MESSAGE-INTEGRITY and then FINGERPRINT close
// the message (RFC 8489 14.5, 14.7): once either is added, only FINGERPRINT may follow.
// A write that does not fit (or breaks that order) marks the builder failed and
// finish() returns an empty view, so callers check once at the end.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "crypto/hmac.hpp"
#include "net/address.hpp"
#include "stun/message.hpp"

namespace rtpe::stun {

// Enough for any message ICE sends: header, USERNAME (<= 513 with padding), a few
// fixed-size attributes, integrity and fingerprint. Smaller than the IPv6 minimum MTU.
inline constexpr std::size_t kMaxMessageSize = 1024;

class MessageBuilder {
public:
    MessageBuilder(std::span<uint8_t> buffer, MessageClass cls, Method method, const TransactionId& id);

    MessageBuilder& add(uint16_t type, ByteView value);
    MessageBuilder& add_text(uint16_t type, std::string_view text);
    MessageBuilder& add_username(std::string_view username) { return add_text(attr::kUsername, username); }
    MessageBuilder& add_software(std::string_view software) { return add_text(attr::kSoftware, software); }
    MessageBuilder& add_priority(uint32_t priority);
    MessageBuilder& add_use_candidate() { return add(attr::kUseCandidate, {}); }
    MessageBuilder& add_ice_controlling(uint64_t tie_breaker);
    MessageBuilder& add_ice_controlled(uint64_t tie_breaker);
    MessageBuilder& add_xor_mapped_address(const net::SocketAddress& address);
    MessageBuilder& add_mapped_address(const net::SocketAddress& address);
    // `code` 300..699; an empty reason takes the RFC's phrase for the code.
    MessageBuilder& add_error_code(int code, std::string_view reason = {});
    MessageBuilder& add_unknown_attributes(std::span<const uint16_t> types);

    // HMAC-SHA1 keyed with the short-term password, over everything so far.
    MessageBuilder& add_message_integrity(crypto::HmacSha1& key);
    MessageBuilder& add_fingerprint();

    bool ok() const { return !failed_; }
    std::size_t size() const { return size_; }
    // The finished message, or an empty view when anything failed.
    std::span<const uint8_t> finish() const;

private:
    // Reserves an attribute of `length` value bytes (zeroed padding) and returns a
    // pointer to its value, or nullptr when the message is sealed or full.
    uint8_t* reserve(uint16_t type, std::size_t length);
    MessageBuilder& add_address(uint16_t type, const net::SocketAddress& address, bool xored);
    void set_length(std::size_t body_length);

    std::span<uint8_t> buffer_;
    std::size_t size_ = 0;
    TransactionId id_;
    bool failed_ = false;
    bool has_integrity_ = false;
    bool has_fingerprint_ = false;
};

}  // namespace rtpe::stun
