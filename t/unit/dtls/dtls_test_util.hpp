#pragma once
// Shared by the DTLS tests: certificates made once per process (RSA generation is slow),
// and a Listener that keeps what an endpoint sent and reported.

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "dtls/certificate.hpp"
#include "dtls/context.hpp"
#include "dtls/endpoint.hpp"

namespace rtpe::dtls::test {

inline const Certificate& ec_certificate() {
    static const Certificate cert = Certificate::generate();
    return cert;
}

inline const Certificate& other_ec_certificate() {
    static const Certificate cert = Certificate::generate();
    return cert;
}

inline const Certificate& rsa_certificate() {
    static const Certificate cert = [] {
        CertificateOptions o;
        o.key_type = KeyType::rsa;
        return Certificate::generate(o);
    }();
    return cert;
}

struct Side : Endpoint::Listener {
    void send(std::span<const uint8_t> datagram) override {
        outbox.emplace_back(datagram.begin(), datagram.end());
        sent.emplace_back(datagram.begin(), datagram.end());
    }
    void on_event(const EndpointEvent& e) override {
        kinds.push_back(e.kind);
        if (e.kind == EndpointEvent::Kind::connected)
            keys = *e.keys;
        if (e.kind == EndpointEvent::Kind::failed)
            reason = std::string(e.reason);
    }
    int count(EndpointEvent::Kind kind) const {
        int n = 0;
        for (auto k : kinds)
            n += k == kind;
        return n;
    }

    std::deque<std::vector<uint8_t>> outbox;  // not yet delivered
    std::vector<std::vector<uint8_t>> sent;   // everything, in order
    std::vector<EndpointEvent::Kind> kinds;
    SrtpKeys keys;
    std::string reason;
    std::unique_ptr<Endpoint> endpoint;
};

}  // namespace rtpe::dtls::test
