#pragma once
// What the daemon tells xt_RTPENGINE about one stream, and what the module counts for it,
// as plain values. kernel_message.* maps them onto the ABI structs of
// kernel-module/rtpengine_kernel_abi.h; nothing else in the daemon sees those.

#include <array>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/address.hpp"

namespace rtpe::kernel {

// SRTP ciphers and authentication as the module numbers them (enum rtpe_kcipher and
// rtpe_khmac). The module does null/null (plain), aes_cm_* and null, each with sha1;
// aes_f8 and the GCM ones are refused (EOPNOTSUPP): such streams stay in userspace.
enum class KernelCipher : uint32_t {
    null = 0,
    aes_cm_128 = 1,
    aes_cm_192 = 2,
    aes_cm_256 = 3,
    aes_f8 = 4,
    aes_gcm_128 = 5,
    aes_gcm_256 = 6,
};
enum class KernelHmac : uint32_t { null = 0, sha1 = 1 };

constexpr std::size_t kKernelSsrcSlots = 4;  // RTPE_KABI_NUM_SSRC

// One direction of a target's SRTP (RFC 3711): `decrypt` takes SRTP (SRTCP on an RTCP
// target) apart on the way in, `encrypt` builds it on the way out. The default, null/null,
// is plain RTP. The module derives the session keys itself (key derivation rate 0).
//
// SSRC slots: with ssrc_check, slot i is ssrcs[i]; otherwise the SSRCs in the order the
// kernel first sees them (the order of KernelTargetStats::ssrcs).
struct KernelCrypto {
    KernelCipher cipher = KernelCipher::null;
    KernelHmac hmac = KernelHmac::null;
    std::vector<uint8_t> master_key;   // 16 (AES_CM_128, NULL_HMAC_*), 24 or 32 bytes; empty when read back
    std::vector<uint8_t> master_salt;  // 14 bytes; empty when read back
    uint8_t rtp_tag_length = 0;        // 10 (_80) or 4 (_32)
    uint8_t rtcp_tag_length = 0;       // 10 for every suite here (RFC 4568: SRTCP keeps 80 bits)
    std::vector<uint8_t> mki;          // up to 16 bytes; empty: no MKI
    // Per SSRC slot: the rollover counter the SSRC's packets start from (written) or where
    // the kernel is now (read back from blist).
    std::array<uint32_t, kKernelSsrcSlots> roc{};
    // SRTCP index. decrypt: per slot, the highest one authenticated. encrypt: [0] is the
    // index the target's next SRTCP packet gets (one counter per target; userspace's
    // next_srtcp_index), the others 0. Written and read back as roc.
    std::array<uint64_t, kKernelSsrcSlots> srtcp_index{};

    bool plain() const { return cipher == KernelCipher::null && hmac == KernelHmac::null; }
    bool operator==(const KernelCrypto&) const = default;
};

// The KernelCrypto of an SDES suite name (RFC 4568, RFC 6188: AES_CM_128_HMAC_SHA1_80,
// AES_CM_128_HMAC_SHA1_32, AES_192_CM_HMAC_SHA1_80/32, AES_256_CM_HMAC_SHA1_80/32,
// NULL_HMAC_SHA1_80/32) with its tag lengths and these keys; nullopt for a suite the
// module does not do (F8, GCM, an unknown name). Lengths are checked by validate().
std::optional<KernelCrypto> kernel_crypto_for_suite(std::string_view suite, std::vector<uint8_t> master_key,
                                                    std::vector<uint8_t> master_salt, std::vector<uint8_t> mki = {});

// One forwarding target: what arrives at `local` (from `expected_source`, when set) is
// sent from `send_from` to `destination`.
struct KernelTarget {
    net::SocketAddress local;                         // the key: the daemon's socket
    std::optional<net::SocketAddress> expected_source;  // nullopt: any source; port 0: any port
    net::SocketAddress send_from;                     // same family as destination
    net::SocketAddress destination;
    std::vector<uint8_t> payload_types;  // up to 32, each 0..127; counted per type
    bool payload_type_filter = false;    // forward RTP only with a type in payload_types
    std::vector<uint32_t> ssrcs;         // up to 4
    bool ssrc_check = false;             // forward RTP only with an SSRC in ssrcs
    bool rtcp = false;                   // an RTCP port: forward whatever arrives
    bool rtp_only = false;               // anything that is not RTP goes to userspace
    uint8_t tos = 0;                     // TOS / traffic class of what is sent
    uint32_t stats_slot = 0;             // the daemon's number for the stream, echoed back
    KernelCrypto decrypt;                // incoming SRTP/SRTCP; plain by default
    KernelCrypto encrypt;                // outgoing SRTP/SRTCP; plain by default

    bool operator==(const KernelTarget&) const = default;
};

struct KernelSsrcCounters {
    uint32_t ssrc = 0;
    uint64_t packets = 0;
    uint64_t bytes = 0;
    std::size_t slot = 0;  // of the crypto's roc[] and srtcp_index[]
    // SRTP targets, once the slot saw a packet: its highest sequence number, which with the
    // slot's roc makes the kernel's packet index (where userspace goes on from).
    std::optional<uint16_t> srtp_seq;

    bool operator==(const KernelSsrcCounters&) const = default;
};

// One record of /proc/rtpengine/N/blist.
struct KernelTargetStats {
    KernelTarget target;                   // as written, but SRTP keys and salts empty and the
                                           // crypto's roc/srtcp_index the kernel's current ones
    uint64_t packets = 0;                  // forwarded by the kernel
    uint64_t bytes = 0;                    // UDP payload bytes forwarded
    uint64_t errors = 0;                   // could not be sent, or SRTP replays: dropped
    uint64_t userspace = 0;                // failed a check (SRTP authentication too), handed to
                                           // the daemon's socket
    uint64_t last_packet_us = 0;           // CLOCK_REALTIME of the last forwarded one; 0: none
    std::vector<uint64_t> pt_packets;      // per entry of target.payload_types
    std::vector<KernelSsrcCounters> ssrcs; // the used SSRC slots
};

// The outcome of a kernel operation: ok, or the errno and a message naming what failed
// ("write /proc/rtpengine/0/control (add target 127.0.0.1:30000): File exists").
class KernelStatus {
public:
    KernelStatus() = default;
    // error 0 (no errno to report) becomes EIO, so a failure is never ok().
    static KernelStatus failure(int error, std::string message) {
        return KernelStatus(error ? error : EIO, std::move(message));
    }

    bool ok() const { return error_ == 0; }
    explicit operator bool() const { return ok(); }
    int error() const { return error_; }  // an errno value, or EINVAL for what the daemon refuses itself
    const std::string& message() const { return message_; }

private:
    KernelStatus(int error, std::string message) : error_(error), message_(std::move(message)) {}
    int error_ = 0;
    std::string message_;
};

}  // namespace rtpe::kernel
