#include "dtls/certificate.hpp"
#include "dtls/openssl_error.hpp"
#include "util/parse.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <ctime>
#include <stdexcept>

namespace rtpe::dtls {

void throw_openssl_error(const char* what) {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    const char* reason = code ? ERR_reason_error_string(code) : nullptr;
    throw std::runtime_error(std::string("OpenSSL: ") + what + (reason ? std::string(": ") + reason : ""));
}

namespace {

struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct BnFree {
    void operator()(BIGNUM* b) const { BN_free(b); }
};
struct NameFree {
    void operator()(X509_NAME* n) const { X509_NAME_free(n); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

const EVP_MD* digest_of(HashFunction hash) {
    switch (hash) {
    case HashFunction::sha_1:
        return EVP_sha1();
    case HashFunction::sha_224:
        return EVP_sha224();
    case HashFunction::sha_256:
        return EVP_sha256();
    case HashFunction::sha_384:
        return EVP_sha384();
    case HashFunction::sha_512:
        return EVP_sha512();
    }
    return EVP_sha256();
}


std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    return length > 0 ? std::string(data, static_cast<std::size_t>(length)) : std::string();
}
}  // namespace

struct Certificate::Impl {
    X509Ptr x509;
    PkeyPtr key;
    KeyType key_type = KeyType::prime256v1;
    std::vector<Fingerprint> fingerprints;
    std::chrono::system_clock::time_point not_after;

    void finish() {
        for (HashFunction h : hash_functions())
            fingerprints.push_back(fingerprint_of(x509.get(), h));
        std::tm tm{};
        if (ASN1_TIME_to_tm(X509_get0_notAfter(x509.get()), &tm) == 1)
            not_after = std::chrono::system_clock::from_time_t(timegm(&tm));
        key_type = EVP_PKEY_is_a(key.get(), "RSA") ? KeyType::rsa : KeyType::prime256v1;
    }
};

std::optional<KeyType> parse_key_type(std::string_view text) {
    if (equals_ignoring_case(text, "prime256v1"))
        return KeyType::prime256v1;
    if (equals_ignoring_case(text, "RSA"))
        return KeyType::rsa;
    return std::nullopt;
}

std::optional<SignatureHash> parse_signature_hash(std::string_view text) {
    if (equals_ignoring_case(text, "SHA-256"))
        return SignatureHash::sha_256;
    if (equals_ignoring_case(text, "SHA-1"))
        return SignatureHash::sha_1;
    return std::nullopt;
}

Fingerprint fingerprint_of(X509* certificate, HashFunction hash) {
    Fingerprint out;
    out.hash = hash;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (X509_digest(certificate, digest_of(hash), md, &length) != 1)
        throw_openssl_error("X509_digest");
    out.digest.assign(md, md + length);
    return out;
}

Certificate::Certificate(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Certificate Certificate::generate(const CertificateOptions& options) {
    if (options.key_type == KeyType::rsa && (options.rsa_key_bits < 1024 || options.rsa_key_bits > 16384))
        throw std::invalid_argument("RSA key size must be 1024 to 16384 bits");
    ERR_clear_error();
    auto impl = std::make_shared<Impl>();
    impl->key.reset(options.key_type == KeyType::rsa ? EVP_RSA_gen(options.rsa_key_bits)
                                                     : EVP_EC_gen("prime256v1"));
    if (!impl->key)
        throw_openssl_error("key generation");
    impl->x509.reset(X509_new());
    X509* x = impl->x509.get();
    if (!x || X509_set_pubkey(x, impl->key.get()) != 1)
        throw_openssl_error("X509_set_pubkey");

    // A random 64-bit serial with its top bit set, as upstream's BN_rand(64, 0, 0).
    std::unique_ptr<BIGNUM, BnFree> serial(BN_new());
    if (!serial || BN_rand(serial.get(), 64, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1 ||
        !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x)))
        throw_openssl_error("serial number");
    // Version 1 (the value 0): no extensions, as upstream.
    if (X509_set_version(x, 0) != 1)
        throw_openssl_error("X509_set_version");

    const std::string cn = options.common_name.substr(0, 63);
    std::unique_ptr<X509_NAME, NameFree> name(X509_NAME_new());
    if (!name ||
        X509_NAME_add_entry_by_NID(name.get(), NID_commonName, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.data()), static_cast<int>(cn.size()),
                                   -1, 0) != 1 ||
        X509_set_subject_name(x, name.get()) != 1 || X509_set_issuer_name(x, name.get()) != 1)
        throw_openssl_error("subject name");

    if (!X509_gmtime_adj(X509_getm_notBefore(x), -static_cast<long>(options.not_before_offset.count())) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(options.lifetime.count())))
        throw_openssl_error("validity");

    const EVP_MD* md = options.signature == SignatureHash::sha_1 ? EVP_sha1() : EVP_sha256();
    if (X509_sign(x, impl->key.get(), md) <= 0)
        throw_openssl_error("X509_sign");
    impl->finish();
    return Certificate(std::move(impl));
}

Certificate Certificate::from_pem(std::string_view pem) {
    ERR_clear_error();
    auto impl = std::make_shared<Impl>();
    {
        BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
        impl->x509.reset(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    }
    {
        BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
        impl->key.reset(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    }
    ERR_clear_error();
    if (!impl->x509)
        throw std::invalid_argument("no certificate in the PEM text");
    if (!impl->key)
        throw std::invalid_argument("no private key in the PEM text");
    if (X509_check_private_key(impl->x509.get(), impl->key.get()) != 1) {
        ERR_clear_error();
        throw std::invalid_argument("the private key does not belong to the certificate");
    }
    impl->finish();
    return Certificate(std::move(impl));
}

std::string Certificate::certificate_pem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), impl_->x509.get()) != 1)
        throw_openssl_error("PEM_write_bio_X509");
    return bio_text(bio.get());
}

std::string Certificate::to_pem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), impl_->x509.get()) != 1 ||
        PEM_write_bio_PrivateKey(bio.get(), impl_->key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        throw_openssl_error("PEM_write_bio");
    return bio_text(bio.get());
}

const Fingerprint& Certificate::fingerprint(HashFunction hash) const {
    for (const Fingerprint& f : impl_->fingerprints)
        if (f.hash == hash)
            return f;
    return impl_->fingerprints.front();
}

const std::vector<Fingerprint>& Certificate::fingerprints() const {
    return impl_->fingerprints;
}

std::chrono::system_clock::time_point Certificate::not_after() const {
    return impl_->not_after;
}

KeyType Certificate::key_type() const {
    return impl_->key_type;
}

X509* Certificate::x509() const {
    return impl_->x509.get();
}

EVP_PKEY* Certificate::private_key() const {
    return impl_->key.get();
}

}  // namespace rtpe::dtls
