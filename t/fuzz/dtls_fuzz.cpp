// DTLS records and the endpoint behind them: the record header parser must never read
// outside the datagram, and an endpoint fed arbitrary datagrams must neither crash nor
// leak, whatever state they drive it into.
//
// Input: one selector byte (bit 0: the endpoint under test is active, i.e. it sent a
// ClientHello and expects a server's flight; otherwise passive, expecting a client), then
// datagrams, each as a 16-bit big-endian length and that many bytes (the last one may be
// shorter than it says). t/fuzz/corpus/dtls/ holds real flights in this format, written by
// the unit test DtlsEndpoint.WriteFuzzSeeds.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dtls/certificate.hpp"
#include "dtls/context.hpp"
#include "dtls/endpoint.hpp"
#include "dtls/record.hpp"

namespace {

using namespace rtpe::dtls;

// OpenSSL answers a peer speaking the pre-RFC DTLS version 0x0100 (DTLS1_BAD_VER) with an
// alert record carrying that version; the only output not in DTLS 1.0/1.2 records.
bool bad_version_alert(std::span<const uint8_t> d) {
    constexpr uint8_t kAlert = 21;
    return d.size() == kRecordHeaderLength + 2 && d[0] == kAlert && d[1] == 0x01 && d[2] == 0x00;
}

struct Sink : Endpoint::Listener {
    void send(std::span<const uint8_t> d) override {
        if (d.size() > 1200)
            __builtin_trap();  // the MTU is a promise
        if (check_datagram(d) != RecordStatus::ok && !bad_version_alert(d))
            __builtin_trap();  // and so is well-formed output
    }
    void on_event(const EndpointEvent& e) override {
        if (e.kind == EndpointEvent::Kind::connected && !e.keys)
            __builtin_trap();
    }
};

const Context& context() {
    static const Context c(Certificate::generate());
    return c;
}

const Fingerprint& some_fingerprint() {
    static const Fingerprint f = Certificate::generate().fingerprint();
    return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    const bool active = data[0] & 1;
    std::span<const uint8_t> rest(data + 1, size - 1);

    Sink sink;
    EndpointConfig config;
    config.role = active ? Role::active : Role::passive;
    Endpoint endpoint(context(), config, sink);
    endpoint.set_remote_fingerprint(some_fingerprint());
    const TimePoint t0 = TimePoint{} + std::chrono::seconds(1000);
    endpoint.start(t0);

    std::size_t n = 0;
    while (rest.size() >= 2 && n < 64) {
        const std::size_t length = std::min<std::size_t>(rest[0] << 8 | rest[1], rest.size() - 2);
        // An exact-size heap copy, so ASan flags a read even one byte past the end.
        std::vector<uint8_t> datagram(rest.begin() + 2, rest.begin() + 2 + static_cast<long>(length));
        rest = rest.subspan(2 + length);

        RecordHeader header;
        const RecordStatus status = parse_record_header(datagram, header);
        if (status == RecordStatus::ok && header.length + kRecordHeaderLength > datagram.size())
            __builtin_trap();
        std::size_t records = 0;
        (void)check_datagram(datagram, &records);
        if (records * kRecordHeaderLength > datagram.size())
            __builtin_trap();

        endpoint.on_datagram(t0, datagram);
        ++n;
    }
    endpoint.on_timer(t0 + std::chrono::seconds(61));
    if (endpoint.state() == EndpointState::handshaking)
        __builtin_trap();  // the handshake limit holds
    endpoint.close();
    return 0;
}
