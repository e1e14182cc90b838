#pragma once

// An SRTP/SRTCP cryptographic context (RFC 3711 3.2): one master key of one suite, the
// session keys derived from it, and per-SSRC state (rollover counter, replay windows,
// SRTCP index). Protect and unprotect work in place on the caller's buffer, return a
// Status, never throw, never read outside [0, length) and allocate nothing.
//
// Packet layouts (MKI only when configured):
//   SRTP, HMAC suites: header | payload (encrypted) | MKI | tag
//   SRTP, AEAD:        header | ciphertext | GCM tag | MKI                   (RFC 7714 8)
//   SRTCP, HMAC:       header(8) | payload | E+index | MKI | tag
//   SRTCP, AEAD:       header(8) | ciphertext | GCM tag | E+index | MKI      (RFC 7714 9)
// The RTP header, CSRCs and header extension are authenticated, never encrypted.
//
// Threading: a context belongs to one thread (the worker of its stream); nothing inside
// is shared.

#include "srtp/key_derivation.hpp"
#include "srtp/replay_window.hpp"
#include "srtp/suite.hpp"
#include "srtp/transform.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rtpe::srtp {

enum class Status : uint8_t {
    ok,
    too_short,     // shorter than a header plus the SRTP/SRTCP trailer
    malformed,     // not version 2, or the RTP header runs past the payload
    no_room,       // protect: the buffer cannot take the trailer
    wrong_mki,     // the MKI is not this context's
    auth_failed,   // tag mismatch
    replayed,      // already received (replay window)
    too_old,       // behind the replay window
    cipher_error,  // OpenSSL refused an operation (a broken library, not a bad packet)
};

std::string_view to_string(Status status);

// What RFC 4568 session parameters and the key parameter change in the transform.
struct ContextOptions {
    std::vector<uint8_t> mki;  // sent with every packet and required on receipt; empty: none
    bool unencrypted_srtp = false;
    bool unencrypted_srtcp = false;
    bool unauthenticated_srtp = false;
    uint64_t key_derivation_rate = 0;  // 0 (derive once) or a power of two up to 2^24
    unsigned replay_window = ReplayWindow::kMaxSize;  // 64 or 128
};

// One SSRC's state, as a snapshot carries it. Indices are the full ones: SRTP 48 bits
// (ROC << 16 | SEQ), SRTCP 31 bits.
struct StreamState {
    uint32_t ssrc = 0;
    std::optional<uint64_t> sent_index;       // highest SRTP index protected
    uint32_t next_srtcp_index = 0;            // SRTCP index the next protected packet gets
    std::optional<uint64_t> received_index;   // highest SRTP index accepted
    std::optional<uint32_t> received_srtcp;   // highest SRTCP index accepted

    bool operator==(const StreamState&) const = default;
};

// Everything needed to rebuild a context: a later Redis feature stores it as text.
struct ContextSnapshot {
    std::string suite;
    std::vector<uint8_t> master_key;
    std::vector<uint8_t> master_salt;
    ContextOptions options;
    std::vector<StreamState> streams;

    // "<suite> <key b64> <salt b64> mki=<hex> flags=<ues,uec,uas> kdr=<n> win=<n>
    //  s=<ssrc hex>,<sent>,<next srtcp>,<received>,<received srtcp> ..." ('-' for none).
    std::string to_string() const;
    static std::optional<ContextSnapshot> parse(std::string_view text);
};

// The SRTP packet index a receiver (or a relaying sender) assumes for seq, given the
// highest index seen so far (RFC 3711 3.3.1 and appendix A).
uint64_t estimate_index(uint64_t highest, uint16_t seq);

class Context {
public:
    // Throws std::invalid_argument when the key, salt, MKI or options do not fit the suite.
    Context(const CryptoSuite& suite, std::span<const uint8_t> master_key, std::span<const uint8_t> master_salt,
            ContextOptions options = {});
    explicit Context(const ContextSnapshot& snapshot);

    // With session keys given directly (RFC 7714's test vectors): no key derivation rate,
    // and no master key, so its snapshot cannot rebuild it.
    static Context with_session_keys(const CryptoSuite& suite, const SessionKeys& rtp, const SessionKeys& rtcp,
                                     ContextOptions options = {});

    const CryptoSuite& suite() const { return *suite_; }
    const ContextOptions& options() const { return options_; }

    // Bytes protect adds: what the caller's buffer must have room for after the packet.
    std::size_t rtp_overhead() const;
    std::size_t rtcp_overhead() const;

    // In place: buffer holds the packet in [0, length) and room after it; on ok, length is
    // the new length. On any other status the buffer content is unspecified.
    Status protect_rtp(std::span<uint8_t> buffer, std::size_t& length);
    Status unprotect_rtp(std::span<uint8_t> buffer, std::size_t& length);
    Status protect_rtcp(std::span<uint8_t> buffer, std::size_t& length);
    Status unprotect_rtcp(std::span<uint8_t> buffer, std::size_t& length);

    ContextSnapshot snapshot() const;
    // Sets (or adds) one SSRC's state, as a snapshot had it.
    void restore_stream(const StreamState& state);
    std::optional<StreamState> stream(uint32_t ssrc) const;

    // How many SSRCs are remembered at most; the least recently used goes first.
    static constexpr std::size_t kMaxStreams = 32;

private:
    struct Stream {
        StreamState state;
        ReplayWindow rtp_window;
        ReplayWindow rtcp_window;
        uint64_t last_used = 0;
        bool used = false;
    };

    Context(const CryptoSuite& suite, const SessionKeys& rtp, const SessionKeys& rtcp, const ContextOptions& options,
            std::optional<KeyDeriver> deriver);
    void validate_options() const;

    Stream* find(uint32_t ssrc);
    Stream& insert(uint32_t ssrc);
    Stream fresh_stream(uint32_t ssrc) const;
    void touch(Stream& s) { s.last_used = ++clock_; }

    bool rekey_if_needed(bool rtcp, uint64_t index);
    bool crypt_rtp(std::span<uint8_t> packet, std::size_t header_length, uint32_t ssrc, uint64_t index);
    bool crypt_rtcp(std::span<uint8_t> packet, uint32_t ssrc, uint32_t e_index);
    void write_hmac_rtp(const uint8_t* packet, std::size_t length, uint32_t roc, uint8_t* out);
    void write_hmac_rtcp(const uint8_t* packet, std::size_t length, uint8_t* out);
    bool mki_matches(const uint8_t* at) const;

    const CryptoSuite* suite_;
    ContextOptions options_;
    std::vector<uint8_t> master_key_;   // kept for snapshots
    std::vector<uint8_t> master_salt_;
    std::optional<KeyDeriver> deriver_;  // only with a key derivation rate
    Transform rtp_;
    Transform rtcp_;
    uint64_t rtp_key_id_ = 0;
    uint64_t rtcp_key_id_ = 0;
    std::array<Stream, kMaxStreams> streams_{};
    uint64_t clock_ = 0;
    std::size_t last_hit_ = 0;
};

}  // namespace rtpe::srtp
