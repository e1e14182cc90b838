#pragma once

// The DTLS certificate: generated at start as upstream rtpengine does (self-signed X.509
// version 1, random 64-bit serial, CN = the software id, valid from a day ago for 30 days,
// an ECDSA prime256v1 or RSA key, signed with SHA-256 or SHA-1), with its fingerprints in
// every hash SDP may name. Immutable once made: copies share it, any thread may read it,
// so endpoints of every worker use the one current certificate.
//
// A certificate with its private key can be written as PEM and read back (a restart or
// a standby taking over keeps the fingerprint the peers were told).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dtls/fingerprint.hpp"

// OpenSSL's handle types, declared only: no OpenSSL header outside the .cpp files.
struct x509_st;
struct evp_pkey_st;

namespace rtpe::dtls {

// --dtls-cert-cipher
enum class KeyType : uint8_t { prime256v1, rsa };
// --dtls-signature
enum class SignatureHash : uint8_t { sha_256, sha_1 };

// Upstream spellings: "prime256v1" | "RSA", "SHA-256" | "SHA-1" (case-insensitive).
std::optional<KeyType> parse_key_type(std::string_view text);
std::optional<SignatureHash> parse_signature_hash(std::string_view text);

struct CertificateOptions {
    KeyType key_type = KeyType::prime256v1;  // upstream's default since 10.x (RSA before)
    unsigned rsa_key_bits = 2048;            // --dtls-rsa-key-size
    SignatureHash signature = SignatureHash::sha_256;
    // Upstream: --software-id (default "rtpengine-<version>"), at most 63 characters.
    std::string common_name = "rtpengine";
    std::chrono::seconds not_before_offset{24 * 3600};  // valid from a day ago
    std::chrono::seconds lifetime{30 * 24 * 3600};      // upstream's CERT_EXPIRY_TIME
};

class Certificate {
public:
    // Throws std::invalid_argument for options OpenSSL cannot use (an RSA size below 1024
    // or above 16384) and std::runtime_error when OpenSSL fails.
    static Certificate generate(const CertificateOptions& options = {});
    // A certificate and its private key in PEM (either order, other blocks ignored).
    // Throws std::invalid_argument when either is missing or they do not belong together.
    static Certificate from_pem(std::string_view pem);

    // The certificate, then the private key (unencrypted PKCS#8): what from_pem reads.
    std::string to_pem() const;
    // The certificate alone.
    std::string certificate_pem() const;

    const Fingerprint& fingerprint(HashFunction hash = HashFunction::sha_256) const;
    // One per hash function, in upstream's order.
    const std::vector<Fingerprint>& fingerprints() const;
    std::chrono::system_clock::time_point not_after() const;
    KeyType key_type() const;

    // For lib/dtls only: the OpenSSL objects (owned by the certificate).
    x509_st* x509() const;
    evp_pkey_st* private_key() const;

private:
    struct Impl;
    explicit Certificate(std::shared_ptr<const Impl> impl);
    std::shared_ptr<const Impl> impl_;
};

// The fingerprint of a DER-encoded certificate OpenSSL hands over (the peer's).
Fingerprint fingerprint_of(x509_st* certificate, HashFunction hash);

}  // namespace rtpe::dtls
