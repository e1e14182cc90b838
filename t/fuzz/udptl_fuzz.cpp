// UDPTL: parse_udptl never reads outside a datagram, and what it accepts as redundancy
// builds back into a datagram that parses the same. The receiver keeps its promises
// whatever arrives: IFPs and losses reported in sequence order, each datagram's primary
// last, nothing after a malformed datagram. Through a sender and a lossy link, what comes
// out equals what went in (FEC rebuilds only up to trailing zero octets, as random bytes
// are no IFPs whose length could be read).
//
// Input: a mode octet, then chunks, each a length octet and that many octets. Mode bit 0
// set: the chunks are datagrams for a receiver. Clear: they are IFPs for a sender (bit 1:
// FEC instead of redundancy; bits 2-4: drop every (n+2)-th datagram). Bit 5: T.38
// version 2 instead of 0 for reading IFP lengths.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "t38/udptl.hpp"
#include "t38/udptl_receiver.hpp"
#include "t38/udptl_sender.hpp"

namespace {

using namespace rtpe::t38;

constexpr std::size_t kMaxIfp = 300;

bool same(Bytes a, Bytes b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

bool equal_but_trailing_zeros(Bytes a, Bytes b) {
    if (a.size() > b.size())
        std::swap(a, b);
    return std::equal(a.begin(), a.end(), b.begin()) &&
           std::all_of(b.begin() + static_cast<std::ptrdiff_t>(a.size()), b.end(), [](uint8_t o) { return o == 0; });
}

void check_reencoding(Bytes datagram) {
    UdptlPacket p;
    if (parse_udptl(datagram, p) != UdptlStatus::ok || p.recovery != ErrorRecovery::redundancy)
        return;
    std::vector<uint8_t> out(datagram.size() + 8);
    UdptlBuilt built;
    if (build_udptl_redundancy(p.seq, p.primary, p.entries(), out, built) != UdptlStatus::ok ||
        built.entries != p.entry_count || built.size > datagram.size())
        __builtin_trap();
    UdptlPacket again;
    if (parse_udptl(std::span(out.data(), built.size), again) != UdptlStatus::ok || again.seq != p.seq ||
        !same(again.primary, p.primary) || again.entry_count != p.entry_count)
        __builtin_trap();
    for (std::size_t i = 0; i < p.entry_count; ++i)
        if (!same(again.entries()[i], p.entries()[i]))
            __builtin_trap();
}

// Checks the order of what a receiver reports, call by call.
struct OrderChecker final : UdptlReceiver::Listener {
    const UdptlReceiver* receiver = nullptr;
    std::optional<uint16_t> next;
    uint64_t restarts_seen = 0;
    bool any = false;
    uint16_t last_seq = 0;
    UdptlReceiver::Source last_source = UdptlReceiver::Source::primary;
    std::vector<uint8_t> last_ifp;
    std::vector<std::vector<uint8_t>> delivered;

    void expect(uint16_t seq) {
        const bool renumbered = receiver->counters().restarts != restarts_seen;
        if (next && *next != seq && !(renumbered && !any))
            __builtin_trap();
        any = true;
    }
    void on_ifp(uint16_t seq, Bytes ifp, UdptlReceiver::Source source) override {
        expect(seq);
        if (ifp.empty() && source != UdptlReceiver::Source::primary)
            __builtin_trap();
        next = static_cast<uint16_t>(seq + 1);
        last_seq = seq;
        last_source = source;
        last_ifp.assign(ifp.begin(), ifp.end());
        delivered.push_back(last_ifp);
    }
    void on_ifp_lost(uint16_t first_seq, uint16_t count) override {
        expect(first_seq);
        if (count == 0)
            __builtin_trap();
        next = static_cast<uint16_t>(first_seq + count);
        delivered.emplace_back();  // a hole, for the sender round trip
        for (uint16_t i = 1; i < count; ++i)
            delivered.emplace_back();
    }
    void begin_call() {
        any = false;
        restarts_seen = receiver->counters().restarts;
    }
};

void feed_datagrams(const std::vector<Bytes>& chunks, int t38_version) {
    OrderChecker checker;
    UdptlReceiver receiver(checker, UdptlReceiver::Config{kMaxIfp, t38_version});
    checker.receiver = &receiver;
    for (Bytes d : chunks) {
        check_reencoding(d);
        checker.begin_call();
        const uint64_t duplicates = receiver.counters().duplicates;
        UdptlPacket p;
        const UdptlStatus expected = parse_udptl(d, p);
        if (receiver.receive(d) != expected)
            __builtin_trap();
        if (expected != UdptlStatus::ok || receiver.counters().duplicates != duplicates) {
            if (checker.any)  // nothing delivered for a malformed or duplicate datagram
                __builtin_trap();
            continue;
        }
        if (!checker.any || checker.last_seq != p.seq || checker.last_source != UdptlReceiver::Source::primary ||
            !same(checker.last_ifp, p.primary))
            __builtin_trap();
    }
}

void send_ifps(const std::vector<Bytes>& chunks, uint8_t mode) {
    UdptlSender::Config config;
    config.recovery = mode & 2 ? ErrorRecovery::fec : ErrorRecovery::redundancy;
    config.max_ifp = kMaxIfp;
    const unsigned drop_every = ((mode >> 2) & 7) + 2;
    UdptlSender sender(config);
    OrderChecker checker;
    UdptlReceiver receiver(checker, UdptlReceiver::Config{kMaxIfp, mode & 0x20 ? 2 : 0});
    checker.receiver = &receiver;
    std::vector<Bytes> sent;
    std::vector<uint8_t> out(2048);
    for (Bytes ifp : chunks) {
        UdptlBuilt built;
        const UdptlStatus st = sender.build(ifp, out, built);
        if (st != UdptlStatus::ok) {
            if (!ifp.empty() && ifp.size() <= kMaxIfp)
                __builtin_trap();
            continue;
        }
        sent.push_back(ifp);
        if (sent.size() % drop_every == 0)
            continue;
        checker.begin_call();
        if (receiver.receive(std::span(out.data(), built.size)) != UdptlStatus::ok)
            __builtin_trap();
    }
    // The first datagram is never dropped, so entry i (an IFP, or a hole where it was
    // lost) is IFP i; datagrams dropped at the very end leave no entry.
    if (checker.delivered.size() > sent.size())
        __builtin_trap();
    for (std::size_t i = 0; i < checker.delivered.size(); ++i) {
        const std::vector<uint8_t>& got = checker.delivered[i];
        if (!got.empty() && !equal_but_trailing_zeros(got, sent[i]))
            __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    const uint8_t mode = data[0];
    // Exact-size heap copies, so ASan flags a read even one byte past a chunk.
    std::vector<std::vector<uint8_t>> storage;
    for (std::size_t pos = 1; pos < size;) {
        const std::size_t len = std::min<std::size_t>(data[pos], size - pos - 1);
        storage.emplace_back(data + pos + 1, data + pos + 1 + len);
        pos += 1 + len;
    }
    std::vector<Bytes> chunks(storage.begin(), storage.end());
    if (mode & 1)
        feed_datagrams(chunks, mode & 0x20 ? 2 : 0);
    else
        send_ifps(chunks, mode);
    return 0;
}
