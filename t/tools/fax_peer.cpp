// fax-peer: a fax endpoint on a real UDP socket, for the tests that fax a page through the
// daemon's T.38 gateway (t/integration/test_t38.py). spandsp's terminals are the
// independent peers:
//   --mode pcm  a fax machine on G.711 RTP (PCMU or PCMA), 20 ms packets in real time;
//   --mode t38  a T.38 terminal on UDPTL (lib/t38's framing, redundancy or FEC).
// It binds 127.0.0.1 on an ephemeral port, prints "port N", reads "remote N" from stdin
// (the daemon's port, known once the SDP exchange is done) and faxes: with --send it
// sends the test page (t/tools/fax_page.hpp), with --receive FILE it receives into FILE
// and compares what came with the test page. It prints one result line and exits 0 only
// when T.30 ended without error (and, receiving, the page is the test page pixel for
// pixel); it gives up after --seconds.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spandsp.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "fax_page.hpp"
#include "t38/udptl_receiver.hpp"
#include "t38/udptl_sender.hpp"

namespace {

using rtpe::t38::Bytes;
using rtpe::t38::UdptlReceiver;
using rtpe::t38::UdptlSender;

constexpr int kTickMs = 20;
constexpr int kTickSamples = 160;
constexpr std::size_t kMaxDatagram = 2048;

struct Options {
    std::string mode;
    std::string send_file, receive_file;
    bool alaw = false;
    int payload_type = 0;
    bool fec = false;
    int t38_version = 0;
    std::size_t max_datagram = 512;
    bool ecm = true;
    int seconds = 120;
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "fax-peer: %s\nusage: fax-peer --mode pcm|t38 (--send FILE | --receive FILE) [--codec PCMU|PCMA] "
                 "[--pt N] [--fec] [--t38-version N] [--max-datagram N] [--no-ecm] [--seconds N]\n",
                 why);
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                usage(("missing value of " + a).c_str());
            return argv[++i];
        };
        if (a == "--mode")
            o.mode = value();
        else if (a == "--send")
            o.send_file = value();
        else if (a == "--receive")
            o.receive_file = value();
        else if (a == "--codec")
            o.alaw = value() == "PCMA";
        else if (a == "--pt")
            o.payload_type = std::atoi(value().c_str());
        else if (a == "--fec")
            o.fec = true;
        else if (a == "--t38-version")
            o.t38_version = std::atoi(value().c_str());
        else if (a == "--max-datagram")
            o.max_datagram = static_cast<std::size_t>(std::atoi(value().c_str()));
        else if (a == "--no-ecm")
            o.ecm = false;
        else if (a == "--seconds")
            o.seconds = std::atoi(value().c_str());
        else
            usage(("unknown argument " + a).c_str());
    }
    if ((o.mode != "pcm" && o.mode != "t38") || o.send_file.empty() == o.receive_file.empty())
        usage("give --mode and one of --send, --receive");
    return o;
}

int64_t now_ms() {
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<int64_t>(t.tv_sec) * 1000 + t.tv_nsec / 1000000;
}

void sleep_until(int64_t ms) {
    timespec t{};
    t.tv_sec = ms / 1000;
    t.tv_nsec = (ms % 1000) * 1000000;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, nullptr) == EINTR) {
    }
}

class Peer : private UdptlReceiver::Listener {
public:
    explicit Peer(const Options& o) : o_(o), udptl_in_(*this, UdptlReceiver::Config{kMaxDatagram, o.t38_version}) {
        fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
            usage("cannot bind a UDP socket");
        socklen_t len = sizeof local;
        getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len);
        port_ = ntohs(local.sin_port);

        UdptlSender::Config out;
        out.recovery = o.fec ? rtpe::t38::ErrorRecovery::fec : rtpe::t38::ErrorRecovery::redundancy;
        out.max_ifp = o.max_datagram;
        udptl_out_ = std::make_unique<UdptlSender>(out);

        const bool sending = !o.send_file.empty();
        t30_state_t* t30 = nullptr;
        if (o.mode == "pcm") {
            machine_ = fax_init(nullptr, sending);  // the sender calls, as fax senders do
            fax_set_transmit_on_idle(machine_, true);
            t30 = fax_get_t30_state(machine_);
        } else {
            terminal_ = t38_terminal_init(nullptr, sending, &Peer::from_terminal, this);
            t38_set_t38_version(t38_terminal_get_t38_core_state(terminal_), o.t38_version);
            t30 = t38_terminal_get_t30_state(terminal_);
        }
        t30_set_ecm_capability(t30, o.ecm);
        t30_set_supported_compressions(t30, T30_SUPPORT_T4_1D_COMPRESSION | T30_SUPPORT_T4_2D_COMPRESSION |
                                                T30_SUPPORT_T6_COMPRESSION);
        t30_set_phase_e_handler(t30, &Peer::phase_e, this);
        t30_set_tx_ident(t30, sending ? "+49 30 SEND" : "+49 30 RECEIVE");
        if (sending)
            t30_set_tx_file(t30, o.send_file.c_str(), -1, -1);
        else
            t30_set_rx_file(t30, o.receive_file.c_str(), -1);
        t30_ = t30;
    }
    ~Peer() {
        if (machine_)
            fax_free(machine_);
        if (terminal_)
            t38_terminal_free(terminal_);
        close(fd_);
    }

    uint16_t port() const { return port_; }

    // Returns the process's exit status.
    int run(uint16_t remote_port) {
        remote_.sin_family = AF_INET;
        remote_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        remote_.sin_port = htons(remote_port);
        const int64_t start = now_ms();
        int64_t done_at = -1;
        for (int64_t tick = 1;; ++tick) {
            receive();
            if (machine_)
                pcm_tick();
            else
                t38_terminal_send_timeout(terminal_, kTickSamples);
            if (done_ && done_at < 0)
                done_at = tick;
            // A second more after the end, so that the far end hears our last frames.
            if ((done_at >= 0 && tick - done_at >= 1000 / kTickMs) || tick * kTickMs >= o_.seconds * 1000)
                break;
            sleep_until(start + tick * kTickMs);
        }
        return report();
    }

private:
    void receive() {
        std::array<uint8_t, kMaxDatagram> buf{};
        heard_ = false;
        for (;;) {
            const ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
            if (n <= 0)
                return;
            ++datagrams_in_;
            if (machine_)
                on_rtp(buf.data(), static_cast<std::size_t>(n));
            else if (udptl_in_.receive(Bytes(buf.data(), static_cast<std::size_t>(n))) !=
                     rtpe::t38::UdptlStatus::ok)
                ++bad_datagrams_;
        }
    }

    void on_rtp(const uint8_t* p, std::size_t n) {
        if (n < 12 || (p[0] >> 6) != 2 || (p[1] & 0x7f) != o_.payload_type) {
            ++bad_datagrams_;
            return;
        }
        const std::size_t header = 12 + 4 * (p[0] & 0x0f);
        std::array<int16_t, 2048> pcm{};
        std::size_t samples = 0;
        for (std::size_t i = header; i < n && samples < pcm.size(); ++i)
            pcm[samples++] = o_.alaw ? alaw_to_linear(p[i]) : ulaw_to_linear(p[i]);
        fax_rx(machine_, pcm.data(), static_cast<int>(samples));
        heard_ = true;
    }

    void pcm_tick() {
        // Nothing came this tick: the gap is filled in, so that the modem's clock runs on.
        if (!heard_)
            fax_rx_fillin(machine_, kTickSamples);
        std::array<int16_t, kTickSamples> pcm{};
        const int made = fax_tx(machine_, pcm.data(), kTickSamples);
        for (int i = std::max(made, 0); i < kTickSamples; ++i)
            pcm[static_cast<std::size_t>(i)] = 0;
        std::array<uint8_t, 12 + kTickSamples> packet{};
        packet[0] = 0x80;
        packet[1] = static_cast<uint8_t>(o_.payload_type & 0x7f);
        packet[2] = static_cast<uint8_t>(sequence_ >> 8);
        packet[3] = static_cast<uint8_t>(sequence_);
        for (int i = 0; i < 4; ++i) {
            packet[4 + i] = static_cast<uint8_t>(timestamp_ >> (24 - 8 * i));
            packet[8 + i] = static_cast<uint8_t>(0x46617850u >> (24 - 8 * i));
        }
        for (int i = 0; i < kTickSamples; ++i)
            packet[12 + i] = o_.alaw ? linear_to_alaw(pcm[i]) : linear_to_ulaw(pcm[i]);
        send(packet.data(), packet.size());
        ++sequence_;
        timestamp_ += kTickSamples;
    }

    void send(const uint8_t* data, std::size_t length) {
        sendto(fd_, data, length, 0, reinterpret_cast<const sockaddr*>(&remote_), sizeof remote_);
    }

    static int from_terminal(t38_core_state_t*, void* self, const uint8_t* buf, int len, int count) {
        auto* peer = static_cast<Peer*>(self);
        std::array<uint8_t, kMaxDatagram> out{};
        rtpe::t38::UdptlBuilt built;
        const std::span<uint8_t> room(out.data(), std::min(out.size(), peer->o_.max_datagram));
        if (peer->udptl_out_->build(Bytes(buf, static_cast<std::size_t>(len)), room, built) !=
            rtpe::t38::UdptlStatus::ok)
            return -1;
        for (int i = 0; i < std::max(count, 1); ++i)
            peer->send(out.data(), built.size);
        return 0;
    }

    void on_ifp(uint16_t seq, Bytes ifp, UdptlReceiver::Source) override {
        if (t38_core_rx_ifp_packet(t38_terminal_get_t38_core_state(terminal_), ifp.data(),
                                   static_cast<int>(ifp.size()), seq) != 0)
            ++bad_ifps_;
    }
    void on_ifp_lost(uint16_t, uint16_t count) override { lost_ifps_ += count; }

    static void phase_e(t30_state_t*, void* self, int completion) {
        auto* peer = static_cast<Peer*>(self);
        peer->done_ = true;
        peer->completion_ = completion;
    }

    int report() {
        t30_stats_t stats{};
        t30_get_transfer_statistics(t30_, &stats);
        bool ok = done_ && completion_ == T30_ERR_OK;
        std::string page = "sent";
        if (!o_.receive_file.empty()) {
            const rtpe::test::ReceivedFax got = rtpe::test::read_fax_tiff(o_.receive_file);
            const bool identical = got.pages == 1 && got.first_page == rtpe::test::test_fax_page();
            page = identical ? "identical" : "differs";
            ok = ok && identical;
        }
        std::printf("result %s completion=%d (%s) pages_tx=%d pages_rx=%d bit_rate=%d ecm=%d page=%s "
                    "datagrams_in=%llu bad_datagrams=%llu bad_ifps=%llu lost_ifps=%llu\n",
                    ok ? "ok" : "failed", completion_, done_ ? t30_completion_code_to_str(completion_) : "no end",
                    stats.pages_tx, stats.pages_rx, stats.bit_rate, stats.error_correcting_mode, page.c_str(),
                    static_cast<unsigned long long>(datagrams_in_), static_cast<unsigned long long>(bad_datagrams_),
                    static_cast<unsigned long long>(bad_ifps_), static_cast<unsigned long long>(lost_ifps_));
        std::fflush(stdout);
        return ok ? 0 : 1;
    }

    const Options& o_;
    int fd_ = -1;
    uint16_t port_ = 0;
    sockaddr_in remote_{};
    UdptlReceiver udptl_in_;
    std::unique_ptr<UdptlSender> udptl_out_;
    fax_state_t* machine_ = nullptr;
    t38_terminal_state_t* terminal_ = nullptr;
    t30_state_t* t30_ = nullptr;
    bool heard_ = false;
    bool done_ = false;
    int completion_ = -1;
    uint16_t sequence_ = 1;
    uint32_t timestamp_ = 0;
    uint64_t datagrams_in_ = 0, bad_datagrams_ = 0, bad_ifps_ = 0, lost_ifps_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    if (!o.send_file.empty() && !rtpe::test::write_fax_tiff(o.send_file, rtpe::test::test_fax_page()))
        usage("cannot write the page to send");
    Peer peer(o);
    std::printf("port %u\n", peer.port());
    std::fflush(stdout);
    std::string word;
    unsigned remote = 0;
    if (!(std::cin >> word >> remote) || word != "remote" || remote == 0 || remote > 65535)
        usage("expected \"remote PORT\" on stdin");
    return peer.run(static_cast<uint16_t>(remote));
}
