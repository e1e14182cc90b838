// The certificate as upstream makes it, its fingerprints against the openssl command's,
// and fingerprint text.

#include "dtls/certificate.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "dtls_test_util.hpp"

namespace {

using namespace rtpe::dtls;

// A PEM file that removes itself.
struct TempPem {
    explicit TempPem(const std::string& text) {
        char name[] = "/tmp/rtpe-dtls-test-XXXXXX";
        const int fd = mkstemp(name);
        if (fd >= 0) {
            path = name;
            (void)!write(fd, text.data(), text.size());
            ::close(fd);
        }
    }
    ~TempPem() {
        if (!path.empty())
            unlink(path.c_str());
    }
    std::string path;
};

std::string run(const std::string& command) {
    std::string out;
    FILE* p = popen(command.c_str(), "r");
    if (!p)
        return out;
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
        out.append(buf, n);
    pclose(p);
    return out;
}

// "sha256 Fingerprint=AB:CD:..." (the case of the name varies between versions).
std::string openssl_fingerprint(const std::string& path, const char* digest) {
    const std::string out = run("openssl x509 -in " + path + " -noout -fingerprint -" + digest + " 2>&1");
    const std::size_t eq = out.find('=');
    if (eq == std::string::npos)
        return out;
    std::string hex = out.substr(eq + 1);
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r'))
        hex.pop_back();
    return hex;
}

struct Case {
    KeyType key;
    SignatureHash signature;
    const char* expected_algorithm;
};

class DtlsCertificateKinds : public ::testing::TestWithParam<Case> {};

TEST_P(DtlsCertificateKinds, AsUpstreamMakesIt) {
    CertificateOptions o;
    o.key_type = GetParam().key;
    o.signature = GetParam().signature;
    o.common_name = "rtpengine-test";
    const Certificate cert = Certificate::generate(o);
    EXPECT_EQ(cert.key_type(), o.key_type);
    TempPem pem(cert.certificate_pem());
    ASSERT_FALSE(pem.path.empty());
    const std::string text = run("openssl x509 -in " + pem.path + " -noout -text 2>&1");
    EXPECT_NE(text.find("Version: 1 (0x0)"), std::string::npos) << text;
    EXPECT_NE(text.find(GetParam().expected_algorithm), std::string::npos) << text;
    EXPECT_NE(text.find("Subject: CN = rtpengine-test"), std::string::npos) << text;
    EXPECT_NE(text.find("Issuer: CN = rtpengine-test"), std::string::npos) << text;
    if (o.key_type == KeyType::rsa)
        EXPECT_NE(text.find("Public-Key: (2048 bit)"), std::string::npos) << text;
    else
        EXPECT_NE(text.find("ASN1 OID: prime256v1"), std::string::npos) << text;

    // Valid from a day ago for 30 days.
    const auto now = std::chrono::system_clock::now();
    const auto left = cert.not_after() - now;
    EXPECT_GT(left, std::chrono::hours(24 * 30) - std::chrono::minutes(5));
    EXPECT_LE(left, std::chrono::hours(24 * 30));

    // Every fingerprint as the openssl command computes it, in upstream's order.
    const char* digests[] = {"sha256", "sha1", "sha224", "sha384", "sha512"};
    ASSERT_EQ(cert.fingerprints().size(), 5u);
    for (std::size_t i = 0; i < 5; ++i) {
        const Fingerprint& f = cert.fingerprints()[i];
        EXPECT_EQ(f.hash, hash_functions()[i]);
        EXPECT_EQ(f.digest.size(), digest_length(f.hash));
        EXPECT_EQ(f.hex(), openssl_fingerprint(pem.path, digests[i])) << digests[i];
    }
    EXPECT_EQ(cert.fingerprint().to_string().substr(0, 8), "sha-256 ");
}

INSTANTIATE_TEST_SUITE_P(
    DtlsKinds, DtlsCertificateKinds,
    ::testing::Values(Case{KeyType::prime256v1, SignatureHash::sha_256, "ecdsa-with-SHA256"},
                      Case{KeyType::prime256v1, SignatureHash::sha_1, "ecdsa-with-SHA1"},
                      Case{KeyType::rsa, SignatureHash::sha_256, "sha256WithRSAEncryption"},
                      Case{KeyType::rsa, SignatureHash::sha_1, "sha1WithRSAEncryption"}));

TEST(DtlsCertificate, SerialsDiffer) {
    const Certificate a = Certificate::generate(), b = Certificate::generate();
    EXPECT_NE(a.fingerprint(), b.fingerprint());
    TempPem pa(a.certificate_pem()), pb(b.certificate_pem());
    const std::string sa = run("openssl x509 -in " + pa.path + " -noout -serial");
    const std::string sb = run("openssl x509 -in " + pb.path + " -noout -serial");
    EXPECT_NE(sa, sb);
    EXPECT_EQ(sa.size(), std::string("serial=0123456789ABCDEF\n").size()) << sa;  // 64 bits, top bit set
}

TEST(DtlsCertificate, PemRoundTripKeepsTheFingerprint) {
    for (const Certificate* c : {&rtpe::dtls::test::ec_certificate(), &rtpe::dtls::test::rsa_certificate()}) {
        const std::string pem = c->to_pem();
        EXPECT_NE(pem.find("BEGIN PRIVATE KEY"), std::string::npos);
        const Certificate back = Certificate::from_pem(pem);
        EXPECT_EQ(back.fingerprints(), c->fingerprints());
        EXPECT_EQ(back.key_type(), c->key_type());
        EXPECT_EQ(back.to_pem(), pem);
        // The key is usable: a context accepts the pair.
        EXPECT_NO_THROW(Context{back});
    }
}

TEST(DtlsCertificate, FromPemRejectsWhatDoesNotFit) {
    const std::string cert_only = rtpe::dtls::test::ec_certificate().certificate_pem();
    EXPECT_THROW(Certificate::from_pem(cert_only), std::invalid_argument);
    EXPECT_THROW(Certificate::from_pem("garbage"), std::invalid_argument);
    const std::string other = rtpe::dtls::test::other_ec_certificate().to_pem();
    const std::string key = other.substr(other.find("-----BEGIN PRIVATE KEY"));
    EXPECT_THROW(Certificate::from_pem(cert_only + key), std::invalid_argument);
}

TEST(DtlsCertificate, OptionSpellings) {
    EXPECT_EQ(parse_key_type("prime256v1"), KeyType::prime256v1);
    EXPECT_EQ(parse_key_type("rsa"), KeyType::rsa);
    EXPECT_EQ(parse_key_type("ec"), std::nullopt);
    EXPECT_EQ(parse_signature_hash("sha-1"), SignatureHash::sha_1);
    EXPECT_EQ(parse_signature_hash("SHA-256"), SignatureHash::sha_256);
    EXPECT_EQ(parse_signature_hash("SHA256"), std::nullopt);
    CertificateOptions o;
    o.key_type = KeyType::rsa;
    o.rsa_key_bits = 512;
    EXPECT_THROW(Certificate::generate(o), std::invalid_argument);
}

TEST(DtlsFingerprint, ParseAndFormat) {
    const Fingerprint& f = rtpe::dtls::test::ec_certificate().fingerprint(HashFunction::sha_1);
    const std::string text = f.to_string();
    EXPECT_EQ(text.substr(0, 6), "sha-1 ");
    EXPECT_EQ(text.size(), 6 + 20 * 3 - 1);
    EXPECT_EQ(Fingerprint::parse(text), f);
    std::string lower = text;
    for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(Fingerprint::parse("SHA-1   " + lower.substr(6)), f);
    EXPECT_EQ(Fingerprint::parse(text.substr(0, text.size() - 3)), std::nullopt);  // one byte short
    EXPECT_EQ(Fingerprint::parse("sha-3 " + text.substr(6)), std::nullopt);
    EXPECT_EQ(Fingerprint::parse(text + ":"), std::nullopt);
    EXPECT_EQ(Fingerprint::parse("sha-1"), std::nullopt);
    EXPECT_EQ(Fingerprint::parse("sha-256 " + text.substr(6)), std::nullopt);  // wrong length
    EXPECT_EQ(find_hash_function("SHA-512"), HashFunction::sha_512);
}

}  // namespace
