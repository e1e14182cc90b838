#pragma once

// The DTLS record layer header (RFC 6347 4.1), read without OpenSSL: the media path
// classifies a datagram as DTLS by its first byte (RFC 7983: 20-63) and this parser
// checks that the whole datagram is made of well-formed records before anything is
// handed to OpenSSL, so truncated or garbage datagrams are counted and dropped early.
// Never throws, never allocates, never reads outside the given bytes.

#include <cstddef>
#include <cstdint>
#include <span>

namespace rtpe::dtls {

using ByteView = std::span<const uint8_t>;

constexpr std::size_t kRecordHeaderLength = 13;
// RFC 6347 4.1: a record's fragment is at most 2^14 bytes plus 2048 of expansion.
constexpr std::size_t kMaxRecordLength = 16384 + 2048;

// Record content types (RFC 5246 6.2.1, RFC 6520).
enum class ContentType : uint8_t {
    change_cipher_spec = 20,
    alert = 21,
    handshake = 22,
    application_data = 23,
    heartbeat = 24,
};

// Protocol versions as they appear on the wire (one's complement of 1.0 / 1.2).
constexpr uint16_t kDtls10 = 0xfeff;
constexpr uint16_t kDtls12 = 0xfefd;

struct RecordHeader {
    uint8_t content_type = 0;
    uint16_t version = 0;
    uint16_t epoch = 0;
    uint64_t sequence = 0;  // 48 bits
    uint16_t length = 0;    // of the fragment after the header
};

enum class RecordStatus : uint8_t {
    ok,
    too_short,    // fewer than 13 bytes
    not_dtls,     // first byte outside RFC 7983's DTLS range 20-63
    bad_version,  // neither DTLS 1.0 nor 1.2
    bad_length,   // longer than a DTLS record may be
    truncated,    // the fragment runs past the end of the datagram
};

const char* to_string(RecordStatus status);

// RFC 7983 demultiplexing: the first byte says DTLS (20-63). Says nothing about the rest.
bool looks_like_record(ByteView datagram);

// The record starting at bytes[0]; ok only when its whole fragment is inside bytes.
RecordStatus parse_record_header(ByteView bytes, RecordHeader& out);

// Every record of a datagram (records are packed back to back, RFC 6347 4.1.1): ok only
// when all are well-formed and they fill the datagram exactly. `records` gets the count
// of well-formed records before the first problem; `first` the first record's header.
RecordStatus check_datagram(ByteView datagram, std::size_t* records = nullptr, RecordHeader* first = nullptr);

}  // namespace rtpe::dtls
