#include "stun/message.hpp"

#include <zlib.h>

#include <cstring>

#include "stun/wire.hpp"

namespace rtpe::stun {

using wire::get16;
using wire::get32;

std::string_view error::default_reason(int code) {
    switch (code) {
    case 300: return "Try Alternate";
    case kBadRequest: return "Bad Request";
    case kUnauthorized: return "Unauthorized";
    case 403: return "Forbidden";
    case kUnknownAttribute: return "Unknown Attribute";
    case 438: return "Stale Nonce";
    case kRoleConflict: return "Role Conflict";
    case kServerError: return "Server Error";
    default: return "Error";
    }
}

uint16_t encode_type(MessageClass cls, Method method) {
    const unsigned m = static_cast<unsigned>(method) & 0x0FFF;
    const unsigned c = static_cast<unsigned>(cls);
    return static_cast<uint16_t>((m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 1) << 4) |
                                 ((c & 2) << 7));
}

MessageClass type_class(uint16_t type) {
    return static_cast<MessageClass>(((type >> 4) & 1) | ((type >> 7) & 2));
}

uint16_t type_method(uint16_t type) {
    return static_cast<uint16_t>((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
}

std::string_view to_string(ParseStatus status) {
    switch (status) {
    case ParseStatus::ok: return "ok";
    case ParseStatus::too_short: return "too short";
    case ParseStatus::not_stun: return "not STUN";
    case ParseStatus::bad_magic_cookie: return "bad magic cookie";
    case ParseStatus::length_unaligned: return "length not a multiple of 4";
    case ParseStatus::length_mismatch: return "length does not match the datagram";
    case ParseStatus::attribute_truncated: return "attribute runs past the message";
    case ParseStatus::too_many_attributes: return "too many attributes";
    case ParseStatus::bad_integrity_length: return "MESSAGE-INTEGRITY is not 20 bytes";
    case ParseStatus::bad_fingerprint_length: return "FINGERPRINT is not 4 bytes";
    case ParseStatus::fingerprint_not_last: return "FINGERPRINT is not the last attribute";
    }
    return "?";
}

namespace {

// The comprehension-required attributes this code understands; anything else below
// 0x8000 makes a request unanswerable except with 420.
bool known_required(uint16_t type) {
    switch (type) {
    case attr::kMappedAddress:
    case attr::kUsername:
    case attr::kMessageIntegrity:
    case attr::kErrorCode:
    case attr::kUnknownAttributes:
    case attr::kRealm:
    case attr::kNonce:
    case attr::kXorMappedAddress:
    case attr::kPriority:
    case attr::kUseCandidate:
        return true;
    default:
        return false;
    }
}

std::string_view as_text(ByteView v) {
    return {reinterpret_cast<const char*>(v.data()), v.size()};
}

}  // namespace

bool looks_like_stun(ByteView d) {
    return d.size() >= kHeaderSize && d[0] < 4 && get32(d.data() + 4) == kMagicCookie;
}

ParseStatus Message::parse(ByteView d, Message& out) {
    out.data_ = {};
    out.count_ = 0;
    out.unknown_count_ = 0;
    out.integrity_ = -1;
    out.fingerprint_ = -1;

    if (d.size() < kHeaderSize)
        return ParseStatus::too_short;
    if (d[0] & 0xC0)
        return ParseStatus::not_stun;
    if (get32(d.data() + 4) != kMagicCookie)
        return ParseStatus::bad_magic_cookie;
    const std::size_t length = get16(d.data() + 2);
    if (length % 4)
        return ParseStatus::length_unaligned;
    if (length + kHeaderSize != d.size())
        return ParseStatus::length_mismatch;

    Message m;
    std::size_t pos = kHeaderSize;
    bool after_integrity = false;
    while (pos < d.size()) {
        if (m.fingerprint_ >= 0)
            return ParseStatus::fingerprint_not_last;
        if (d.size() - pos < 4)
            return ParseStatus::attribute_truncated;
        const uint16_t type = get16(d.data() + pos);
        const std::size_t value_length = get16(d.data() + pos + 2);
        // The padding must fit too: the message length is a multiple of 4 and so are
        // the attributes, so a value whose padding does not fit is malformed.
        if (wire::padded(value_length) > d.size() - pos - 4)
            return ParseStatus::attribute_truncated;
        const Attribute a{type, static_cast<uint16_t>(pos), d.subspan(pos + 4, value_length)};
        pos += 4 + wire::padded(value_length);

        if (type == attr::kFingerprint) {
            if (value_length != 4)
                return ParseStatus::bad_fingerprint_length;
        } else if (after_integrity) {
            continue;  // ignored, as RFC 8489 14.5 says (MESSAGE-INTEGRITY-SHA256 included)
        } else if (type == attr::kMessageIntegrity) {
            if (value_length != 20)
                return ParseStatus::bad_integrity_length;
        }
        if (m.count_ == kMaxAttributes)
            return ParseStatus::too_many_attributes;
        if (type == attr::kFingerprint)
            m.fingerprint_ = static_cast<int>(m.count_);
        else if (type == attr::kMessageIntegrity) {
            m.integrity_ = static_cast<int>(m.count_);
            after_integrity = true;
        } else if (attr::comprehension_required(type) && !known_required(type) &&
                   m.unknown_count_ < kMaxUnknown) {
            m.unknown_[m.unknown_count_++] = type;
        }
        m.attributes_[m.count_++] = a;
    }

    m.data_ = d;
    m.type_ = get16(d.data());
    std::memcpy(m.transaction_id_.data(), d.data() + 8, m.transaction_id_.size());
    out = m;
    return ParseStatus::ok;
}

const Attribute* Message::find(uint16_t type) const {
    for (std::size_t i = 0; i < count_; ++i)
        if (attributes_[i].type == type)
            return &attributes_[i];
    return nullptr;
}

std::optional<std::string_view> Message::username() const {
    const Attribute* a = find(attr::kUsername);
    // RFC 8489 14.3: fewer than 509 bytes.
    if (!a || a->value.size() > 508)
        return std::nullopt;
    return as_text(a->value);
}

std::optional<std::string_view> Message::software() const {
    const Attribute* a = find(attr::kSoftware);
    if (!a)
        return std::nullopt;
    return as_text(a->value);
}

std::optional<std::string_view> Message::realm() const {
    const Attribute* a = find(attr::kRealm);
    if (!a)
        return std::nullopt;
    return as_text(a->value);
}

std::optional<std::string_view> Message::nonce() const {
    const Attribute* a = find(attr::kNonce);
    if (!a)
        return std::nullopt;
    return as_text(a->value);
}

std::optional<uint32_t> Message::priority() const {
    const Attribute* a = find(attr::kPriority);
    if (!a || a->value.size() != 4)
        return std::nullopt;
    return get32(a->value.data());
}

std::optional<uint64_t> Message::ice_controlling() const {
    const Attribute* a = find(attr::kIceControlling);
    if (!a || a->value.size() != 8)
        return std::nullopt;
    return wire::get64(a->value.data());
}

std::optional<uint64_t> Message::ice_controlled() const {
    const Attribute* a = find(attr::kIceControlled);
    if (!a || a->value.size() != 8)
        return std::nullopt;
    return wire::get64(a->value.data());
}

std::optional<net::SocketAddress> decode_address(ByteView v, bool xored, const TransactionId& id) {
    if (v.size() < 4)
        return std::nullopt;
    const uint8_t family = v[1];
    uint16_t port = get16(v.data() + 2);
    if (xored)
        port ^= static_cast<uint16_t>(kMagicCookie >> 16);
    // The XOR pad for the address: the cookie, then (IPv6) the transaction id.
    std::array<uint8_t, 16> pad{};
    if (xored) {
        wire::put32(pad.data(), kMagicCookie);
        std::memcpy(pad.data() + 4, id.data(), id.size());
    }
    if (family == 0x01 && v.size() == 8) {
        in_addr a{};
        uint8_t raw[4];
        for (int i = 0; i < 4; ++i)
            raw[i] = v[4 + i] ^ pad[i];
        std::memcpy(&a, raw, 4);
        return net::SocketAddress(net::IpAddress::from_v4(a), port);
    }
    if (family == 0x02 && v.size() == 20) {
        in6_addr a{};
        uint8_t raw[16];
        for (int i = 0; i < 16; ++i)
            raw[i] = v[4 + i] ^ pad[i];
        std::memcpy(&a, raw, 16);
        return net::SocketAddress(net::IpAddress::from_v6(a), port);
    }
    return std::nullopt;
}

std::optional<net::SocketAddress> Message::xor_mapped_address() const {
    const Attribute* a = find(attr::kXorMappedAddress);
    if (!a)
        return std::nullopt;
    return decode_address(a->value, true, transaction_id_);
}

std::optional<net::SocketAddress> Message::mapped_address() const {
    const Attribute* a = find(attr::kMappedAddress);
    if (!a)
        return std::nullopt;
    return decode_address(a->value, false, transaction_id_);
}

std::optional<ErrorCode> Message::error_code() const {
    const Attribute* a = find(attr::kErrorCode);
    if (!a || a->value.size() < 4)
        return std::nullopt;
    const int cls = a->value[2] & 0x07;
    const int number = a->value[3];
    if (cls < 3 || cls > 6 || number > 99)
        return std::nullopt;
    return ErrorCode{cls * 100 + number, as_text(a->value.subspan(4))};
}

std::size_t Message::unknown_attributes(std::span<uint16_t> out) const {
    const Attribute* a = find(attr::kUnknownAttributes);
    if (!a)
        return 0;
    const std::size_t n = a->value.size() / 2;
    for (std::size_t i = 0; i < n && i < out.size(); ++i)
        out[i] = get16(a->value.data() + 2 * i);
    return n;
}

Check Message::check_integrity(crypto::HmacSha1& key) const {
    if (integrity_ < 0)
        return Check::absent;
    const Attribute& mi = attributes_[static_cast<std::size_t>(integrity_)];
    // The header as it would have been had MESSAGE-INTEGRITY been the last attribute.
    std::array<uint8_t, kHeaderSize> header;
    std::memcpy(header.data(), data_.data(), kHeaderSize);
    wire::put16(header.data() + 2, static_cast<uint16_t>(mi.offset + 4 + 20 - kHeaderSize));
    const auto tag = key.tag({header, data_.subspan(kHeaderSize, mi.offset - kHeaderSize)});
    // Not constant-time: the tag is compared after the fact and reveals nothing the peer
    // could not compute, short-term credentials being per-session.
    return std::memcmp(tag.data(), mi.value.data(), tag.size()) == 0 ? Check::ok : Check::mismatch;
}

Check Message::check_integrity(ByteView key) const {
    if (integrity_ < 0)
        return Check::absent;
    crypto::HmacSha1 mac(key);
    return check_integrity(mac);
}

uint32_t fingerprint_of(ByteView bytes) {
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), bytes.data(), static_cast<uInt>(bytes.size()));
    return static_cast<uint32_t>(crc) ^ kFingerprintXor;
}

Check Message::check_fingerprint() const {
    if (fingerprint_ < 0)
        return Check::absent;
    const Attribute& fp = attributes_[static_cast<std::size_t>(fingerprint_)];
    // FINGERPRINT is last, so the header's length already covers it as RFC 8489 14.7 asks.
    const uint32_t expected = fingerprint_of(data_.first(fp.offset));
    return get32(fp.value.data()) == expected ? Check::ok : Check::mismatch;
}

TransactionId new_transaction_id() {
    TransactionId id;
    crypto::random_bytes(id);
    return id;
}

}  // namespace rtpe::stun
