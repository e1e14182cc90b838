#pragma once

// What every DTLS association of one configuration shares: the certificate, the
// --dtls-ciphers list and the DTLS-SRTP profiles offered (RFC 5764 4.1.2), in one OpenSSL
// SSL_CTX built once (building one costs far more than a call setup should; upstream
// builds one per association). Immutable after construction; copies share it, and
// endpoints on any worker may be created from it at the same time. A new certificate
// (renewal) means a new Context; endpoints made from the old one keep it alive.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dtls/certificate.hpp"
#include "srtp/suite.hpp"

struct ssl_ctx_st;

namespace rtpe::dtls {

// Upstream's --dtls-ciphers default (rtpengine(1), 10.5).
inline constexpr std::string_view kDefaultCiphers = "DEFAULT:!NULL:!aNULL:!SHA256:!SHA384:!aECDH:!AESGCM+AES256:!aPSK";

// The suites with a DTLS-SRTP profile, in upstream's order (its crypto suite table):
// SRTP_AEAD_AES_256_GCM, SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_SHA1_80, SRTP_AES128_CM_SHA1_32.
std::vector<const srtp::CryptoSuite*> default_srtp_profiles();

struct ContextOptions {
    std::string ciphers = std::string(kDefaultCiphers);
    // Offered (client) or accepted (server) in this order of preference; empty: the default.
    std::vector<const srtp::CryptoSuite*> srtp_profiles;
};

class Context {
public:
    // Throws std::invalid_argument for a cipher list OpenSSL matches nothing with, or a
    // suite without a DTLS-SRTP profile; std::runtime_error when OpenSSL fails.
    explicit Context(Certificate certificate, ContextOptions options = {});

    const Certificate& certificate() const;
    // The use_srtp list as given to OpenSSL: "SRTP_AEAD_AES_256_GCM:...".
    const std::string& srtp_profile_list() const;

    // For lib/dtls only.
    ssl_ctx_st* native() const;

private:
    struct Impl;
    std::shared_ptr<const Impl> impl_;
};

}  // namespace rtpe::dtls
