// A real fax page through the T.38 gateway, end to end. A spandsp fax terminal on 8 kHz PCM
// (the fax machine) talks to T38Gateway's audio side; the IFP packets the gateway sends go
// as UDPTL datagrams (lib/t38's sender, a link that drops some, lib/t38's receiver) to a
// spandsp T.38 terminal, and its packets come back the same way. Time advances in 20 ms
// ticks. The page that arrives must be the page sent, pixel for pixel.
//
// spandsp's terminals and libtiff are independent peers here, which is why this test is a
// binary of its own: nothing of the product includes spandsp outside lib/codec.

#include "codec/t38_gateway.hpp"
#include "t38/ifp.hpp"
#include "t38/udptl_receiver.hpp"
#include "t38/udptl_sender.hpp"

#include <spandsp.h>

#include "fax_page.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace {

using rtpe::codec::Status;
using rtpe::codec::T38Gateway;
using rtpe::codec::T38GatewayOptions;
using rtpe::t38::Bytes;
using rtpe::t38::ErrorRecovery;
using rtpe::t38::UdptlBuilt;
using rtpe::t38::UdptlReceiver;
using rtpe::t38::UdptlSender;
using rtpe::t38::UdptlStatus;

constexpr int kWidth = rtpe::test::kFaxPageWidth;
constexpr int kLength = rtpe::test::kFaxPageLength;
constexpr std::size_t kTickSamples = 160;
constexpr int kTickLimit = 60 * 50 * 3;  // three minutes of fax call
constexpr std::size_t kMaxDatagram = 400;

using Page = rtpe::test::FaxPage;

// A UDPTL hop: IFP packets in, datagrams built and sent `repeats` times, every
// `drop_every`-th transmission lost, the rest parsed by the far end's receiver at the
// end of the tick, which hands the IFPs on in order.
class UdptlLink final : public UdptlReceiver::Listener {
public:
    using Deliver = void (*)(void* target, uint16_t seq, Bytes ifp);

    UdptlLink(const UdptlSender::Config& config, int t38_version, int drop_every, Deliver deliver, void* target)
        : sender_(config),
          receiver_(*this, UdptlReceiver::Config{512, t38_version}),
          t38_version_(t38_version),
          drop_every_(drop_every),
          deliver_(deliver),
          target_(target) {}

    void send(Bytes ifp, int repeats) {
        // What FEC recovery relies on: the length spandsp's IFPs state is their length.
        EXPECT_EQ(rtpe::t38::ifp_packet_size(ifp, t38_version_), ifp.size());
        std::array<uint8_t, kMaxDatagram> out{};
        UdptlBuilt built;
        ASSERT_EQ(sender_.build(ifp, out, built), UdptlStatus::ok);
        for (int i = 0; i < repeats; ++i) {
            if (drop_every_ > 0 && ++transmissions_ % drop_every_ == 0) {
                ++dropped_;
                continue;
            }
            in_flight_.emplace_back(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(built.size));
        }
    }

    void deliver_all() {
        while (!in_flight_.empty()) {
            const std::vector<uint8_t> datagram = std::move(in_flight_.front());
            in_flight_.pop_front();
            EXPECT_EQ(receiver_.receive(datagram), UdptlStatus::ok);
        }
    }

    void on_ifp(uint16_t seq, Bytes ifp, UdptlReceiver::Source) override { deliver_(target_, seq, ifp); }
    void on_ifp_lost(uint16_t, uint16_t) override {}

    int dropped() const { return dropped_; }
    const UdptlReceiver::Counters& counters() const { return receiver_.counters(); }

private:
    UdptlSender sender_;
    UdptlReceiver receiver_;
    int t38_version_;
    int drop_every_;
    Deliver deliver_;
    void* target_;
    int transmissions_ = 0;
    int dropped_ = 0;
    std::deque<std::vector<uint8_t>> in_flight_;
};

struct FaxFree {
    void operator()(fax_state_t* s) const { fax_free(s); }
};
struct T38TerminalFree {
    void operator()(t38_terminal_state_t* s) const { t38_terminal_free(s); }
};

enum class Sender { pcm_machine, t38_terminal };

struct CallSetup {
    Sender sender = Sender::pcm_machine;
    bool ecm = true;
    ErrorRecovery recovery = ErrorRecovery::redundancy;
    int drop_every = 7;
    T38GatewayOptions gateway{};  // its version is the terminal's too
};

struct Outcome {
    bool finished = false;
    int ticks = 0;
    int pcm_completion = -1, t38_completion = -1;
    t30_stats_t pcm_stats{}, t38_stats{};
    int dropped_to_t38 = 0, dropped_to_gateway = 0;
    UdptlReceiver::Counters to_t38, to_gateway;
    int gateway_pages = 0;
    bool gateway_ecm = false;
    int bad_ifps_at_gateway = 0;
    int bad_ifps_at_terminal = 0;
};

// The fax machine and the T.38 terminal, with the gateway and two UDPTL links between.
class FaxCall final : public T38Gateway::Listener {
public:
    FaxCall(const CallSetup& setup, const std::string& send_file, const std::string& receive_file)
        : to_t38_(link_config(setup), setup.gateway.version, setup.drop_every, &FaxCall::into_t38_terminal, this),
          to_gateway_(link_config(setup), setup.gateway.version, setup.drop_every, &FaxCall::into_gateway, this) {
        Status st;
        gateway_ = T38Gateway::create(setup.gateway, *this, st);
        EXPECT_EQ(st, Status::ok);

        const bool machine_sends = setup.sender == Sender::pcm_machine;
        // The sender calls, as fax senders do.
        machine_.reset(fax_init(nullptr, machine_sends));
        terminal_.reset(t38_terminal_init(nullptr, !machine_sends, &FaxCall::from_t38_terminal, this));
        EXPECT_TRUE(machine_ && terminal_);
        fax_set_transmit_on_idle(machine_.get(), true);
        t38_set_t38_version(t38_terminal_get_t38_core_state(terminal_.get()), setup.gateway.version);

        t30_state_t* machine_t30 = fax_get_t30_state(machine_.get());
        t30_state_t* terminal_t30 = t38_terminal_get_t30_state(terminal_.get());
        for (t30_state_t* t30 : {machine_t30, terminal_t30}) {
            t30_set_ecm_capability(t30, setup.ecm);
            t30_set_supported_compressions(t30, T30_SUPPORT_T4_1D_COMPRESSION | T30_SUPPORT_T4_2D_COMPRESSION |
                                                     T30_SUPPORT_T6_COMPRESSION);
        }
        t30_set_phase_e_handler(machine_t30, &FaxCall::machine_done, this);
        t30_set_phase_e_handler(terminal_t30, &FaxCall::terminal_done, this);
        t30_set_tx_ident(machine_t30, "+49 30 PCM");
        t30_set_tx_ident(terminal_t30, "+49 30 T38");
        t30_state_t* sending = machine_sends ? machine_t30 : terminal_t30;
        t30_state_t* receiving = machine_sends ? terminal_t30 : machine_t30;
        t30_set_tx_file(sending, send_file.c_str(), -1, -1);
        t30_set_rx_file(receiving, receive_file.c_str(), -1);
    }

    Outcome run() {
        Outcome o;
        std::array<int16_t, kTickSamples> audio{};
        for (o.ticks = 0; o.ticks < kTickLimit && !(machine_done_ && terminal_done_); ++o.ticks) {
            const int made = fax_tx(machine_.get(), audio.data(), static_cast<int>(audio.size()));
            std::fill(audio.begin() + std::max(made, 0), audio.end(), int16_t{0});
            gateway_->rx_audio(audio);
            gateway_->tx_audio(audio);
            fax_rx(machine_.get(), audio.data(), static_cast<int>(audio.size()));
            t38_terminal_send_timeout(terminal_.get(), static_cast<int>(kTickSamples));
            to_t38_.deliver_all();
            to_gateway_.deliver_all();
        }
        o.finished = machine_done_ && terminal_done_;
        o.pcm_completion = machine_completion_;
        o.t38_completion = terminal_completion_;
        t30_get_transfer_statistics(fax_get_t30_state(machine_.get()), &o.pcm_stats);
        t30_get_transfer_statistics(t38_terminal_get_t30_state(terminal_.get()), &o.t38_stats);
        o.dropped_to_t38 = to_t38_.dropped();
        o.dropped_to_gateway = to_gateway_.dropped();
        o.to_t38 = to_t38_.counters();
        o.to_gateway = to_gateway_.counters();
        o.gateway_pages = gateway_->stats().pages;
        o.gateway_ecm = gateway_->stats().ecm;
        o.bad_ifps_at_gateway = bad_ifps_at_gateway_;
        o.bad_ifps_at_terminal = bad_ifps_at_terminal_;
        return o;
    }

    void on_t38_ifp(std::span<const uint8_t> ifp, int repeats) override { to_t38_.send(ifp, repeats); }

private:
    static UdptlSender::Config link_config(const CallSetup& setup) {
        UdptlSender::Config c;
        c.recovery = setup.recovery;
        c.redundancy_depth = 3;
        c.fec_span = 3;
        c.fec_entries = 3;
        c.max_ifp = rtpe::codec::kT38MaxIfp;
        return c;
    }

    static int from_t38_terminal(t38_core_state_t*, void* self, const uint8_t* buf, int len, int count) {
        static_cast<FaxCall*>(self)->to_gateway_.send(Bytes(buf, static_cast<std::size_t>(len)), count);
        return 0;
    }
    static void into_t38_terminal(void* self, uint16_t seq, Bytes ifp) {
        auto* call = static_cast<FaxCall*>(self);
        if (t38_core_rx_ifp_packet(t38_terminal_get_t38_core_state(call->terminal_.get()), ifp.data(),
                                   static_cast<int>(ifp.size()), seq) != 0)
            ++call->bad_ifps_at_terminal_;
    }
    static void into_gateway(void* self, uint16_t seq, Bytes ifp) {
        auto* call = static_cast<FaxCall*>(self);
        if (call->gateway_->rx_ifp(ifp, seq) != Status::ok)
            ++call->bad_ifps_at_gateway_;
    }
    static void machine_done(t30_state_t*, void* self, int completion) {
        auto* call = static_cast<FaxCall*>(self);
        call->machine_done_ = true;
        call->machine_completion_ = completion;
    }
    static void terminal_done(t30_state_t*, void* self, int completion) {
        auto* call = static_cast<FaxCall*>(self);
        call->terminal_done_ = true;
        call->terminal_completion_ = completion;
    }

    UdptlLink to_t38_;
    UdptlLink to_gateway_;
    std::unique_ptr<T38Gateway> gateway_;
    std::unique_ptr<fax_state_t, FaxFree> machine_;
    std::unique_ptr<t38_terminal_state_t, T38TerminalFree> terminal_;
    bool machine_done_ = false, terminal_done_ = false;
    int machine_completion_ = -1, terminal_completion_ = -1;
    int bad_ifps_at_gateway_ = 0;
    int bad_ifps_at_terminal_ = 0;
};

class T38Fax : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::temp_directory_path() / "rtpe-t38-XXXXXX").string();
        ASSERT_TRUE(mkdtemp(pattern.data()));
        dir_ = pattern;
        send_file_ = (dir_ / "send.tif").string();
        receive_file_ = (dir_ / "received.tif").string();
        page_ = rtpe::test::test_fax_page();
        ASSERT_TRUE(rtpe::test::write_fax_tiff(send_file_, page_));
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    // Runs the call and checks what every call must show: both ends content, one page,
    // the page's size and pixels, and IFPs recovered for every datagram dropped.
    Outcome fax(const CallSetup& setup) {
        FaxCall call(setup, send_file_, receive_file_);
        const Outcome o = call.run();
        EXPECT_TRUE(o.finished) << "no end of call after " << o.ticks << " ticks";
        EXPECT_EQ(o.pcm_completion, T30_ERR_OK) << t30_completion_code_to_str(o.pcm_completion);
        EXPECT_EQ(o.t38_completion, T30_ERR_OK) << t30_completion_code_to_str(o.t38_completion);
        const t30_stats_t& rx = setup.sender == Sender::pcm_machine ? o.t38_stats : o.pcm_stats;
        const t30_stats_t& tx = setup.sender == Sender::pcm_machine ? o.pcm_stats : o.t38_stats;
        EXPECT_EQ(tx.pages_tx, 1);
        EXPECT_EQ(rx.pages_rx, 1);
        EXPECT_EQ(rx.width, kWidth);
        EXPECT_EQ(rx.bad_rows, 0);
        EXPECT_EQ(rx.error_correcting_mode != 0, setup.ecm && !setup.gateway.no_ecm);
        EXPECT_EQ(o.gateway_pages, 1);
        EXPECT_EQ(o.bad_ifps_at_gateway, 0);
        EXPECT_EQ(o.bad_ifps_at_terminal, 0);

        const rtpe::test::ReceivedFax received = rtpe::test::read_fax_tiff(receive_file_);
        EXPECT_EQ(received.pages, 1);
        EXPECT_EQ(received.width, static_cast<uint32_t>(kWidth));
        EXPECT_EQ(received.length, static_cast<uint32_t>(kLength));
        EXPECT_TRUE(received.first_page == page_) << "the received page differs from the one sent";

        EXPECT_GT(o.dropped_to_t38 + o.dropped_to_gateway, 0);
        EXPECT_EQ(o.to_t38.lost + o.to_gateway.lost, 0u);
        RecordProperty("ticks", o.ticks);
        // V.17 through the gateway's modems, or V.29 where the gateway may not use V.17.
        EXPECT_EQ(rx.bit_rate, setup.gateway.no_v17 ? 9600 : 14400);
        std::printf("  %d s of call at %d bit/s; UDPTL to T.38: %d dropped, %llu recovered by redundancy, %llu by FEC, "
                    "%llu duplicates; to the gateway: %d dropped, %llu + %llu recovered, %llu duplicates\n",
                    o.ticks / 50, rx.bit_rate, o.dropped_to_t38,
                    static_cast<unsigned long long>(o.to_t38.recovered_by_redundancy),
                    static_cast<unsigned long long>(o.to_t38.recovered_by_fec),
                    static_cast<unsigned long long>(o.to_t38.duplicates), o.dropped_to_gateway,
                    static_cast<unsigned long long>(o.to_gateway.recovered_by_redundancy),
                    static_cast<unsigned long long>(o.to_gateway.recovered_by_fec),
                    static_cast<unsigned long long>(o.to_gateway.duplicates));
        return o;
    }

    std::filesystem::path dir_;
    std::string send_file_, receive_file_;
    Page page_;
};

TEST_F(T38Fax, PcmMachineSendsWithEcm) {
    const Outcome o = fax({.sender = Sender::pcm_machine, .ecm = true});
    EXPECT_GT(o.to_t38.recovered_by_redundancy, 0u);
    EXPECT_TRUE(o.gateway_ecm);
}

TEST_F(T38Fax, PcmMachineSendsWithoutEcm) {
    fax({.sender = Sender::pcm_machine, .ecm = false});
}

TEST_F(T38Fax, T38TerminalSendsWithEcm) {
    const Outcome o = fax({.sender = Sender::t38_terminal, .ecm = true});
    EXPECT_GT(o.to_gateway.recovered_by_redundancy, 0u);
}

TEST_F(T38Fax, T38TerminalSendsWithoutEcm) {
    fax({.sender = Sender::t38_terminal, .ecm = false});
}

TEST_F(T38Fax, PcmMachineSendsOverFec) {
    const Outcome o = fax({.sender = Sender::pcm_machine, .ecm = true, .recovery = ErrorRecovery::fec});
    EXPECT_GT(o.to_t38.recovered_by_fec, 0u);
}

TEST_F(T38Fax, T38TerminalSendsOverFec) {
    const Outcome o = fax({.sender = Sender::t38_terminal, .ecm = false, .recovery = ErrorRecovery::fec});
    EXPECT_GT(o.to_gateway.recovered_by_fec, 0u);
}

// T.38 version 2 lays the data fields out differently (ifp.hpp); FEC recovery must still
// cut every rebuilt IFP to the length spandsp accepts.
TEST_F(T38Fax, Version2OverFecBothWays) {
    const T38GatewayOptions version2{.version = 2};
    Outcome o =
        fax({.sender = Sender::pcm_machine, .recovery = ErrorRecovery::fec, .drop_every = 5, .gateway = version2});
    EXPECT_GT(o.to_t38.recovered_by_fec, 0u);
    o = fax({.sender = Sender::t38_terminal, .ecm = false, .recovery = ErrorRecovery::fec, .drop_every = 5,
             .gateway = version2});
    EXPECT_GT(o.to_gateway.recovered_by_fec, 0u);
}

// The ng flags reach spandsp: without V.17 the page goes at V.29's 9600 bit/s, and
// without ECM the terminals, both ECM-capable, fall back to sending without it.
TEST_F(T38Fax, GatewayWithoutV17AndEcm) {
    fax({.sender = Sender::pcm_machine, .ecm = true, .gateway = {.no_ecm = true, .no_v17 = true}});
    fax({.sender = Sender::t38_terminal, .ecm = true, .gateway = {.no_ecm = true, .no_v17 = true}});
}

}  // namespace
