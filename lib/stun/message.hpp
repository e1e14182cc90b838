#pragma once
// STUN messages (RFC 5389, RFC 8489) as ICE (RFC 8445) uses them: a validating parser
// that yields a view over the datagram, and typed readers for the attributes ICE needs.
//
// The parser never throws, never allocates and never reads outside the datagram: it
// reports what was wrong as a ParseStatus, so the packet path can count and drop.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "crypto/hmac.hpp"
#include "net/address.hpp"

namespace rtpe::stun {

using ByteView = std::span<const uint8_t>;
using TransactionId = std::array<uint8_t, 12>;

inline constexpr uint32_t kMagicCookie = 0x2112A442;
inline constexpr std::size_t kHeaderSize = 20;
// XOR with the CRC-32 so that FINGERPRINT differs from a CRC an application put in
// its own payload (RFC 5389 15.5).
inline constexpr uint32_t kFingerprintXor = 0x5354554e;
// More attributes than any ICE agent sends (Chrome sends about ten); a datagram with
// more is treated as hostile rather than walked further.
inline constexpr std::size_t kMaxAttributes = 32;
// Unknown comprehension-required attributes remembered for a 420 answer.
inline constexpr std::size_t kMaxUnknown = 8;

enum class MessageClass : uint8_t { request = 0, indication = 1, success = 2, error = 3 };

enum class Method : uint16_t { binding = 0x001 };

// Attribute types (IANA "STUN Attributes"). 0x0000-0x7FFF are comprehension-required.
namespace attr {
inline constexpr uint16_t kMappedAddress = 0x0001;
inline constexpr uint16_t kUsername = 0x0006;
inline constexpr uint16_t kMessageIntegrity = 0x0008;
inline constexpr uint16_t kErrorCode = 0x0009;
inline constexpr uint16_t kUnknownAttributes = 0x000A;
inline constexpr uint16_t kRealm = 0x0014;
inline constexpr uint16_t kNonce = 0x0015;
inline constexpr uint16_t kMessageIntegritySha256 = 0x001C;
inline constexpr uint16_t kXorMappedAddress = 0x0020;
inline constexpr uint16_t kPriority = 0x0024;
inline constexpr uint16_t kUseCandidate = 0x0025;
inline constexpr uint16_t kSoftware = 0x8022;
inline constexpr uint16_t kAlternateServer = 0x8023;
inline constexpr uint16_t kFingerprint = 0x8028;
inline constexpr uint16_t kIceControlled = 0x8029;
inline constexpr uint16_t kIceControlling = 0x802A;

inline constexpr bool comprehension_required(uint16_t type) {
    return type < 0x8000;
}
}  // namespace attr

// Error codes ICE uses (RFC 8489 14.8, RFC 8445 7.3.1.1).
namespace error {
inline constexpr int kBadRequest = 400;
inline constexpr int kUnauthorized = 401;
inline constexpr int kUnknownAttribute = 420;
inline constexpr int kRoleConflict = 487;
inline constexpr int kServerError = 500;
// The reason phrase RFC 8489 suggests for each of the above.
std::string_view default_reason(int code);
}  // namespace error

// The 14-bit message type interleaves method and class bits (RFC 5389 6).
uint16_t encode_type(MessageClass cls, Method method);
MessageClass type_class(uint16_t type);
uint16_t type_method(uint16_t type);

enum class ParseStatus : uint8_t {
    ok,
    too_short,              // shorter than the 20-byte header
    not_stun,               // the two leading bits are not zero
    bad_magic_cookie,       // not an RFC 5389 message (classic RFC 3489 is not supported)
    length_unaligned,       // the header's length is not a multiple of 4
    length_mismatch,        // header length + 20 differs from the datagram's length
    attribute_truncated,    // an attribute's value (with padding) runs past the message
    too_many_attributes,    // more than kMaxAttributes
    bad_integrity_length,   // MESSAGE-INTEGRITY whose value is not 20 bytes
    bad_fingerprint_length, // FINGERPRINT whose value is not 4 bytes
    fingerprint_not_last,   // an attribute follows FINGERPRINT
};

std::string_view to_string(ParseStatus status);

// The outcome of checking MESSAGE-INTEGRITY or FINGERPRINT.
enum class Check : uint8_t { absent, ok, mismatch };

struct Attribute {
    uint16_t type = 0;
    // Offset of the attribute's 4-byte header from the start of the message.
    uint16_t offset = 0;
    ByteView value;
};

struct ErrorCode {
    int code = 0;  // 300..699
    std::string_view reason;
};

// A parsed STUN message: a view that borrows the datagram, which must outlive it.
class Message {
public:
    // Validates `datagram` (which must be exactly one message, as over UDP) and indexes
    // its attributes into `out`. On anything but ok, `out` is left empty.
    static ParseStatus parse(ByteView datagram, Message& out);

    uint16_t type() const { return type_; }
    MessageClass message_class() const { return type_class(type_); }
    uint16_t method() const { return type_method(type_); }
    bool is(MessageClass cls, Method m) const { return type_ == encode_type(cls, m); }
    const TransactionId& transaction_id() const { return transaction_id_; }
    ByteView bytes() const { return data_; }

    // Attributes in message order. Those following MESSAGE-INTEGRITY other than
    // FINGERPRINT are not listed: RFC 8489 14.5 says to ignore them.
    std::span<const Attribute> attributes() const { return {attributes_.data(), count_}; }
    const Attribute* find(uint16_t type) const;

    // Comprehension-required attribute types this code does not know, for a 420
    // answer (RFC 8489 6.3.1). The list is capped at kMaxUnknown.
    std::span<const uint16_t> unknown_required() const { return {unknown_.data(), unknown_count_}; }

    // Typed readers. An absent or malformed attribute reads as nullopt/false.
    std::optional<std::string_view> username() const;
    std::optional<std::string_view> software() const;
    std::optional<std::string_view> realm() const;
    std::optional<std::string_view> nonce() const;
    std::optional<uint32_t> priority() const;
    bool use_candidate() const { return find(attr::kUseCandidate) != nullptr; }
    std::optional<uint64_t> ice_controlling() const;
    std::optional<uint64_t> ice_controlled() const;
    std::optional<net::SocketAddress> xor_mapped_address() const;
    std::optional<net::SocketAddress> mapped_address() const;
    std::optional<ErrorCode> error_code() const;
    // Copies up to out.size() types from UNKNOWN-ATTRIBUTES; returns how many there were.
    std::size_t unknown_attributes(std::span<uint16_t> out) const;

    bool has_integrity() const { return integrity_ >= 0; }
    bool has_fingerprint() const { return fingerprint_ >= 0; }
    // HMAC-SHA1 over the message up to MESSAGE-INTEGRITY, with the header's length
    // counting up to the end of that attribute (RFC 8489 14.5). The key is the short-term
    // password (or, for long-term credentials, MD5(username:realm:password)).
    Check check_integrity(crypto::HmacSha1& key) const;
    Check check_integrity(ByteView key) const;
    // CRC-32 of everything before FINGERPRINT, XOR 0x5354554e.
    Check check_fingerprint() const;

private:
    ByteView data_;
    uint16_t type_ = 0;
    TransactionId transaction_id_{};
    std::array<Attribute, kMaxAttributes> attributes_{};
    std::size_t count_ = 0;
    std::array<uint16_t, kMaxUnknown> unknown_{};
    std::size_t unknown_count_ = 0;
    int integrity_ = -1;    // index into attributes_
    int fingerprint_ = -1;  // index into attributes_
};

// A cheap test for the demultiplexer: could this datagram be STUN at all (first byte
// 0-3, room for a header, the magic cookie)? parse() still decides.
bool looks_like_stun(ByteView datagram);

// A fresh random transaction id.
TransactionId new_transaction_id();

// The fingerprint value for `bytes` (everything before the FINGERPRINT attribute).
uint32_t fingerprint_of(ByteView bytes);

// Decoding of the (XOR-)MAPPED-ADDRESS value, shared with the builder's tests.
std::optional<net::SocketAddress> decode_address(ByteView value, bool xored, const TransactionId& id);

}  // namespace rtpe::stun
