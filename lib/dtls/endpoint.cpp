#include "dtls/endpoint.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

#include "dtls/record.hpp"

namespace rtpe::dtls {

namespace {
constexpr std::string_view kExporterLabel = "EXTRACTOR-dtls_srtp";  // RFC 5764 4.2
constexpr std::size_t kMinMtu = 576;
constexpr std::size_t kMaxMtu = 65507;
constexpr std::string_view kFingerprintMismatch = "Peer certificate rejected - fingerprint mismatch";
constexpr std::string_view kSetupFailed = "Failed to set up SRTP after DTLS negotiation: ";
}  // namespace

// The OpenSSL side: one BIO type standing for the network (reads hand over the datagram
// being processed, writes are datagrams to send), the timer and verification callbacks.
struct Endpoint::Hooks {
    static Endpoint* of(BIO* bio) { return static_cast<Endpoint*>(BIO_get_data(bio)); }

    static int bio_create(BIO* bio) {
        BIO_set_init(bio, 1);
        return 1;
    }
    static int bio_destroy(BIO*) { return 1; }

    // One record (or several, when OpenSSL packs them) per write: each becomes a datagram.
    static int bio_write(BIO* bio, const char* data, int length) {
        BIO_clear_retry_flags(bio);
        Endpoint* e = of(bio);
        if (!e || length <= 0)
            return length;
        e->handle_output({reinterpret_cast<const uint8_t*>(data), static_cast<std::size_t>(length)});
        return length;
    }

    // The whole current datagram at once, as a datagram socket would return it; then
    // "would block" until the next one.
    static int bio_read(BIO* bio, char* out, int size) {
        BIO_clear_retry_flags(bio);
        Endpoint* e = of(bio);
        if (!e || e->input_.empty() || size <= 0) {
            BIO_set_retry_read(bio);
            return -1;
        }
        const std::size_t n = std::min(e->input_.size(), static_cast<std::size_t>(size));
        std::memcpy(out, e->input_.data(), n);
        e->input_ = {};  // a longer datagram is cut, as recv() would
        return static_cast<int>(n);
    }

    static long bio_ctrl(BIO* bio, int command, long, void*) {
        Endpoint* e = of(bio);
        switch (command) {
        case BIO_CTRL_FLUSH:
            return 1;
        case BIO_CTRL_PENDING:
            return e ? static_cast<long>(e->input_.size()) : 0;
        case BIO_CTRL_WPENDING:
            return 0;  // nothing waits here: every write has been handed to the listener
        case BIO_CTRL_DGRAM_QUERY_MTU:
            return e ? static_cast<long>(e->config_.mtu) : 0;
        case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
            return 0;  // the MTU we are given is already the UDP payload size
        default:
            return 0;
        }
    }

    static BIO_METHOD* bio_method() {
        static BIO_METHOD* method = [] {
            BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rtpe dtls endpoint");
            if (!m || BIO_meth_set_write(m, bio_write) != 1 || BIO_meth_set_read(m, bio_read) != 1 ||
                BIO_meth_set_ctrl(m, bio_ctrl) != 1 || BIO_meth_set_create(m, bio_create) != 1 ||
                BIO_meth_set_destroy(m, bio_destroy) != 1)
                throw std::runtime_error("OpenSSL: BIO_meth_new");
            return m;
        }();
        return method;
    }

    // Asked for the first timeout of each flight (previous == 0) and again each time it
    // ran out, just before OpenSSL sends the flight again.
    static unsigned int timer(SSL* ssl, unsigned int previous_us) {
        Endpoint* e = static_cast<Endpoint*>(SSL_get_app_data(ssl));
        const auto initial = std::chrono::duration_cast<std::chrono::microseconds>(e->config_.initial_retransmit);
        const auto max = std::chrono::duration_cast<std::chrono::microseconds>(e->config_.max_retransmit);
        if (previous_us == 0)
            return static_cast<unsigned int>(initial.count());
        ++e->counters_.retransmissions;
        const uint64_t doubled = uint64_t{previous_us} * 2;
        return static_cast<unsigned int>(std::min<uint64_t>(doubled, static_cast<uint64_t>(max.count())));
    }

    // Replaces chain building: a self-signed certificate is what DTLS-SRTP peers show, and
    // the SDP fingerprint is the only thing that makes it trusted.
    static int verify(X509_STORE_CTX* store, void*) {
        SSL* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
        Endpoint* e = ssl ? static_cast<Endpoint*>(SSL_get_app_data(ssl)) : nullptr;
        X509* cert = X509_STORE_CTX_get0_cert(store);
        if (!e || !cert)
            return 0;
        if (!e->remote_fingerprint_)
            return 1;  // not known yet: checked when it comes (upstream delays the same way)
        Fingerprint seen;
        try {
            seen = fingerprint_of(cert, e->remote_fingerprint_->hash);
        } catch (const std::exception&) {
            return 0;
        }
        if (seen.digest != e->remote_fingerprint_->digest) {
            e->fingerprint_mismatch_ = true;
            X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
            return 0;
        }
        e->fingerprint_verified_ = true;
        return 1;
    }
};

std::string_view to_string(EndpointState state) {
    switch (state) {
    case EndpointState::idle:
        return "idle";
    case EndpointState::handshaking:
        return "handshaking";
    case EndpointState::awaiting_fingerprint:
        return "awaiting fingerprint";
    case EndpointState::connected:
        return "connected";
    case EndpointState::failed:
        return "failed";
    case EndpointState::closed:
        return "closed";
    }
    return "unknown";
}

Endpoint::VerifyHook Endpoint::verify_certificate_hook() {
    return &Hooks::verify;
}

Endpoint::Endpoint(Context context, EndpointConfig config, Listener& listener)
    : context_(std::move(context)), config_(config), listener_(listener) {
    if (config_.mtu < kMinMtu || config_.mtu > kMaxMtu)
        throw std::invalid_argument("DTLS MTU must be 576 to 65507");
    if (config_.initial_retransmit.count() <= 0 || config_.max_retransmit < config_.initial_retransmit)
        throw std::invalid_argument("DTLS retransmission timeouts must be positive and ordered");
    make_ssl();
}

Endpoint::~Endpoint() {
    SSL_free(ssl_);
}

void Endpoint::make_ssl() {
    ERR_clear_error();
    if (ssl_)
        SSL_free(ssl_);
    ssl_ = SSL_new(context_.native());
    if (!ssl_)
        throw std::runtime_error("OpenSSL: SSL_new");
    BIO* bio = BIO_new(Hooks::bio_method());
    if (!bio) {
        SSL_free(ssl_);
        ssl_ = nullptr;
        throw std::runtime_error("OpenSSL: BIO_new");
    }
    BIO_set_data(bio, this);
    SSL_set_bio(ssl_, bio, bio);  // one reference, for both directions
    SSL_set_app_data(ssl_, this);
    SSL_set_mtu(ssl_, static_cast<long>(config_.mtu));
    DTLS_set_timer_cb(ssl_, &Hooks::timer);
    if (config_.role == Role::active)
        SSL_set_connect_state(ssl_);
    else
        SSL_set_accept_state(ssl_);
    answered_ = false;
    fingerprint_verified_ = false;
    fingerprint_mismatch_ = false;
}

void Endpoint::set_remote_fingerprint(const Fingerprint& fingerprint) {
    if (remote_fingerprint_ == fingerprint)
        return;
    remote_fingerprint_ = fingerprint;
    fingerprint_verified_ = false;
    if (state_ == EndpointState::awaiting_fingerprint || state_ == EndpointState::connected) {
        const bool was_connected = state_ == EndpointState::connected;
        if (!verify_peer_now())
            fail(std::string(kFingerprintMismatch));
        else if (!was_connected)
            connect();
    }
}

void Endpoint::start(TimePoint now) {
    if (state_ != EndpointState::idle)
        return;
    state_ = EndpointState::handshaking;
    handshake_deadline_ = now + config_.handshake_timeout;
    if (config_.role == Role::active)
        drive(now);
    update_deadline(now);
}

void Endpoint::on_datagram(TimePoint now, std::span<const uint8_t> datagram) {
    ++counters_.datagrams_received;
    if (state_ == EndpointState::failed || state_ == EndpointState::closed) {
        ++counters_.ignored;
        return;
    }
    if (check_datagram(datagram) != RecordStatus::ok) {
        ++counters_.malformed;
        return;
    }
    if (state_ == EndpointState::idle)
        start(now);
    if (state_ != EndpointState::handshaking && state_ != EndpointState::awaiting_fingerprint &&
        state_ != EndpointState::connected)
        return;
    input_ = datagram;
    if (state_ == EndpointState::handshaking)
        drive(now);
    if (state_ == EndpointState::awaiting_fingerprint || state_ == EndpointState::connected)
        read_records();
    input_ = {};
    update_deadline(now);
}

TimePoint Endpoint::on_timer(TimePoint now) {
    if (state_ != EndpointState::handshaking)
        return next_deadline();
    if (now >= handshake_deadline_) {
        fail("DTLS handshake timed out");
        return next_deadline();
    }
    if (now >= retransmit_at_) {
        ERR_clear_error();
        // OpenSSL re-checks its own (system clock) timer; early by a few ms is fine.
        if (DTLSv1_handle_timeout(ssl_) < 0) {
            openssl_failed(SSL_ERROR_SSL);
            return next_deadline();
        }
        ERR_clear_error();
    }
    update_deadline(now);
    return next_deadline();
}

TimePoint Endpoint::next_deadline() const {
    if (state_ != EndpointState::handshaking)
        return kNever;
    return std::min(retransmit_at_, handshake_deadline_);
}

void Endpoint::close() {
    if (state_ == EndpointState::failed || state_ == EndpointState::closed)
        return;
    if (state_ == EndpointState::connected || state_ == EndpointState::awaiting_fingerprint) {
        ERR_clear_error();
        SSL_shutdown(ssl_);  // close_notify goes out through the BIO
        ERR_clear_error();
    }
    state_ = EndpointState::closed;
}

std::optional<SessionSnapshot> Endpoint::snapshot() const {
    if (state_ != EndpointState::connected || !keys_)
        return std::nullopt;
    SessionSnapshot s;
    s.role = config_.role;
    s.keys = *keys_;
    s.peer = remote_fingerprint_;
    return s;
}

void Endpoint::drive(TimePoint) {
    ERR_clear_error();
    const int rc = SSL_do_handshake(ssl_);
    if (rc == 1) {
        ERR_clear_error();
        handshake_done();
        return;
    }
    const int error = SSL_get_error(ssl_, rc);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        return;
    }
    openssl_failed(error);
}

// After the handshake: a retransmitted last flight of the peer makes OpenSSL send our
// last flight again (it was lost); close_notify ends the association.
void Endpoint::read_records() {
    std::array<uint8_t, 2048> buffer;
    while (true) {
        ERR_clear_error();
        const int n = SSL_read(ssl_, buffer.data(), static_cast<int>(buffer.size()));
        if (n > 0) {
            ++counters_.application_data;
            continue;
        }
        const int error = SSL_get_error(ssl_, n);
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
            ERR_clear_error();
            return;
        }
        if (error == SSL_ERROR_ZERO_RETURN) {
            ERR_clear_error();
            state_ = EndpointState::closed;
            EndpointEvent event;
            event.kind = EndpointEvent::Kind::closed;
            listener_.on_event(event);
            return;
        }
        openssl_failed(error);
        return;
    }
}

void Endpoint::handshake_done() {
    const SRTP_PROTECTION_PROFILE* profile = SSL_get_selected_srtp_profile(ssl_);
    if (!profile) {
        fail(std::string(kSetupFailed) + "no SRTP protection profile negotiated");
        return;
    }
    const srtp::CryptoSuite* suite = srtp::find_suite_by_dtls_name(profile->name);
    if (!suite) {
        fail(std::string(kSetupFailed) + "unknown SRTP protection profile negotiated (profile \"" + profile->name +
             "\")");
        return;
    }
    // RFC 5764 4.2: client key | server key | client salt | server salt.
    const std::size_t k = suite->master_key_length, s = suite->master_salt_length;
    std::array<uint8_t, 2 * (32 + 14)> material{};
    if (2 * (k + s) > material.size() ||
        SSL_export_keying_material(ssl_, material.data(), 2 * (k + s), kExporterLabel.data(), kExporterLabel.size(),
                                   nullptr, 0, 0) != 1) {
        ERR_clear_error();
        fail(std::string(kSetupFailed) + "failed to export keying material");
        return;
    }
    const uint8_t* client_key = material.data();
    const uint8_t* server_key = client_key + k;
    const uint8_t* client_salt = server_key + k;
    const uint8_t* server_salt = client_salt + s;
    const bool client = config_.role == Role::active;
    SrtpKeys keys;
    keys.suite = suite;
    keys.send_key.assign(client ? client_key : server_key, (client ? client_key : server_key) + k);
    keys.send_salt.assign(client ? client_salt : server_salt, (client ? client_salt : server_salt) + s);
    keys.receive_key.assign(client ? server_key : client_key, (client ? server_key : client_key) + k);
    keys.receive_salt.assign(client ? server_salt : client_salt, (client ? server_salt : client_salt) + s);
    OPENSSL_cleanse(material.data(), material.size());
    keys_ = std::move(keys);

    if (!remote_fingerprint_) {
        state_ = EndpointState::awaiting_fingerprint;
        return;
    }
    if (!fingerprint_verified_ && !verify_peer_now()) {
        fail(std::string(kFingerprintMismatch));
        return;
    }
    connect();
}

bool Endpoint::verify_peer_now() {
    X509* cert = SSL_get0_peer_certificate(ssl_);
    if (!cert || !remote_fingerprint_)
        return false;
    try {
        fingerprint_verified_ = fingerprint_of(cert, remote_fingerprint_->hash).digest == remote_fingerprint_->digest;
    } catch (const std::exception&) {
        fingerprint_verified_ = false;
    }
    return fingerprint_verified_;
}

void Endpoint::connect() {
    state_ = EndpointState::connected;
    EndpointEvent event;
    event.kind = EndpointEvent::Kind::connected;
    event.keys = &*keys_;
    listener_.on_event(event);
}

void Endpoint::openssl_failed(int ssl_error) {
    const unsigned long code = ERR_peek_last_error();
    const char* text = code ? ERR_reason_error_string(code) : nullptr;
    ERR_clear_error();
    if (fingerprint_mismatch_) {
        fail(std::string(kFingerprintMismatch));
        return;
    }
    // An off-path datagram must not end an association a real peer has yet to start:
    // while a passive endpoint has answered nothing, a refused first flight only resets it.
    if (config_.role == Role::passive && !answered_ && state_ == EndpointState::handshaking) {
        ++counters_.restarts;
        make_ssl();
        return;
    }
    fail("DTLS error: " + std::to_string(ssl_error) + " (" + (text ? text : "unknown error") + ")");
}

void Endpoint::fail(std::string reason) {
    if (state_ == EndpointState::failed || state_ == EndpointState::closed)
        return;
    state_ = EndpointState::failed;
    failure_reason_ = std::move(reason);
    EndpointEvent event;
    event.kind = EndpointEvent::Kind::failed;
    event.reason = failure_reason_;
    listener_.on_event(event);
}

void Endpoint::update_deadline(TimePoint now) {
    retransmit_at_ = kNever;
    if (state_ != EndpointState::handshaking || !ssl_)
        return;
    timeval left{};
    if (DTLSv1_get_timeout(ssl_, &left) == 1)
        retransmit_at_ = now + std::chrono::seconds(left.tv_sec) + std::chrono::microseconds(left.tv_usec);
}

void Endpoint::handle_output(std::span<const uint8_t> bytes) {
    if (!bytes.empty() && bytes[0] == static_cast<uint8_t>(ContentType::handshake))
        answered_ = true;
    if (config_.role == Role::passive && !answered_) {
        // An alert about a first flight we refused: the sender may not be the peer.
        ++counters_.alerts_suppressed;
        return;
    }
    ++counters_.datagrams_sent;
    counters_.bytes_sent += bytes.size();
    listener_.send(bytes);
}

}  // namespace rtpe::dtls
