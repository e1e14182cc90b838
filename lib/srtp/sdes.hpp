#pragma once

// SDES (RFC 4568): the value of an SDP "a=crypto:" attribute for SRTP, read and written.
//   <tag> <crypto-suite> inline:<base64 key||salt>[|<lifetime>][|<MKI>:<length>][;inline:...]
//         [session params: KDR=n UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP
//          FEC_ORDER=x FEC_KEY=... WSH=n, anything else kept as written]
// Parsing is for the control plane: it allocates and reports errors as text.

#include "srtp/context.hpp"
#include "srtp/suite.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtpe::srtp {

struct SdesKey {
    std::vector<uint8_t> key;
    std::vector<uint8_t> salt;
    std::optional<uint64_t> lifetime;  // packets
    bool lifetime_as_power = false;    // written "2^n" rather than as a number
    std::optional<uint64_t> mki_value;
    uint8_t mki_length = 0;  // bytes, 1..128 when there is an MKI

    // The MKI as it appears in packets: the value big-endian in mki_length bytes.
    std::vector<uint8_t> mki_bytes() const;
    bool operator==(const SdesKey&) const = default;
};

struct SdesCrypto {
    uint32_t tag = 0;
    std::string suite_name;             // as written
    const CryptoSuite* suite = nullptr;  // nullptr for a suite we do not implement
    std::string key_params;             // as written; the only key data for an unknown suite
    std::vector<SdesKey> keys;          // parsed, known suites only
    bool unencrypted_srtp = false;
    bool unencrypted_srtcp = false;
    bool unauthenticated_srtp = false;
    std::optional<uint8_t> kdr;         // KDR=n: key derivation rate 2^n
    std::optional<std::string> fec_order;
    std::optional<uint32_t> wsh;        // window size hint
    std::vector<std::string> other_params;  // unknown ones and FEC_KEY, in order, verbatim

    // The context options the first key (or key `index`) and the session params give.
    ContextOptions context_options(std::size_t index = 0) const;
};

// The attribute value (what follows "a=crypto:"); nullopt with a reason on error.
std::optional<SdesCrypto> parse_sdes(std::string_view value, std::string* error = nullptr);

// The attribute value, from the parsed keys (known suite) or key_params (unknown suite).
// Keys without base64 '=' padding unless padded (upstream's default and its "pad" option).
std::string format_sdes(const SdesCrypto& crypto, bool padded = false);

// A fresh random master key and salt for an offer or answer.
SdesKey generate_sdes_key(const CryptoSuite& suite);

// An attribute for our offer: one random key, no lifetime, no MKI.
SdesCrypto make_sdes(uint32_t tag, const CryptoSuite& suite);

}  // namespace rtpe::srtp
