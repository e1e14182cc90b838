#include "dtls/context.hpp"
#include "dtls/openssl_error.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdexcept>

#include "dtls/endpoint.hpp"

namespace rtpe::dtls {

struct Context::Impl {
    explicit Impl(Certificate c) : certificate(std::move(c)) {}
    ~Impl() { SSL_CTX_free(ctx); }
    Certificate certificate;
    std::string profiles;
    SSL_CTX* ctx = nullptr;
};

std::vector<const srtp::CryptoSuite*> default_srtp_profiles() {
    std::vector<const srtp::CryptoSuite*> out;
    for (const srtp::CryptoSuite& s : srtp::crypto_suites())
        if (!s.dtls_name.empty())
            out.push_back(&s);
    return out;
}

Context::Context(Certificate certificate, ContextOptions options) {
    auto impl = std::make_shared<Impl>(std::move(certificate));
    if (options.srtp_profiles.empty())
        options.srtp_profiles = default_srtp_profiles();
    for (const srtp::CryptoSuite* s : options.srtp_profiles) {
        if (!s || s->dtls_name.empty())
            throw std::invalid_argument("SRTP suite without a DTLS-SRTP profile");
        if (!impl->profiles.empty())
            impl->profiles += ':';
        impl->profiles += s->dtls_name;
    }

    ERR_clear_error();
    // DTLS_method: DTLS 1.0 and 1.2, either role; each endpoint picks its role.
    impl->ctx = SSL_CTX_new(DTLS_method());
    SSL_CTX* ctx = impl->ctx;
    if (!ctx)
        throw_openssl_error("SSL_CTX_new");
    if (SSL_CTX_use_certificate(ctx, impl->certificate.x509()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, impl->certificate.private_key()) != 1)
        throw_openssl_error("certificate");
    // Both sides must show a certificate: it is what the SDP fingerprint authenticates
    // (RFC 5763 5). The chain is not checked against any CA; the fingerprint is the check.
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    SSL_CTX_set_cert_verify_callback(ctx, Endpoint::verify_certificate_hook(), nullptr);
    if (SSL_CTX_set_cipher_list(ctx, options.ciphers.c_str()) != 1) {
        ERR_clear_error();
        throw std::invalid_argument("no usable cipher in the DTLS cipher list \"" + options.ciphers + "\"");
    }
    // Note the inverted convention: 0 is success here.
    if (SSL_CTX_set_tlsext_use_srtp(ctx, impl->profiles.c_str()) != 0) {
        ERR_clear_error();
        throw std::invalid_argument("OpenSSL does not know the SRTP profiles \"" + impl->profiles + "\"");
    }
    // The MTU is ours (--dtls-mtu), never probed from a socket there is none of.
    SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU);
    // Every association is new; there is nothing to resume.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    impl_ = std::move(impl);
}

const Certificate& Context::certificate() const {
    return impl_->certificate;
}

const std::string& Context::srtp_profile_list() const {
    return impl_->profiles;
}

SSL_CTX* Context::native() const {
    return impl_->ctx;
}

}  // namespace rtpe::dtls
