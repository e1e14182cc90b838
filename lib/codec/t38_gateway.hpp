#pragma once

// A T.38 fax gateway over spandsp's t38_gateway_state_t: a fax machine's audio on one side
// (8 kHz mono 16-bit PCM: decode G.711 and resample first), T.38 IFP packets on the other
// (lib/t38 frames them in UDPTL). The gateway demodulates the machine's V.21/V.27ter/V.29/
// V.17 signals into IFP packets and modulates the IFP packets it receives back into audio.
//
// Made on the control plane. rx_audio(), tx_audio() and rx_ifp() run on the worker, never
// throw and allocate nothing themselves: spandsp allocates the gateway's state once, in
// create(), and its 0.0.6 gateway keeps its HDLC and non-ECM buffers inside that state.
// The Listener may be called from within any of the three, on the calling thread.

#include "codec/status.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace rtpe::codec {

inline constexpr int kT38GatewayRate = 8000;
// The longest IFP packet T.38 lets a peer accept (PER lengths without fragmentation).
inline constexpr int kT38MaxIfp = 16383;

// What the T.38 side of a call settled, and upstream's ng `T.38` flags, each with the
// spandsp call that applies it.
struct T38GatewayOptions {
    // ng "no-ECM": t38_gateway_set_ecm_capability(false).
    bool no_ecm = false;
    // ng "no-V.17", "no-V.27ter", "no-V.29", "no-V.34", "no-IAF": the modems left out of
    // t38_gateway_set_supported_modems (T30_SUPPORT_V17, _V27TER, _V29, _V34HDX, _IAF).
    bool no_v17 = false;
    bool no_v27ter = false;
    bool no_v29 = false;
    bool no_v34 = false;
    bool no_iaf = false;
    // a=T38FaxVersion (0-3): t38_set_t38_version.
    int version = 0;
    // a=T38FaxRateManagement:localTCF: t38_set_data_rate_management_method(1); the
    // default, transferredTCF, is method 2 (T.38's numbering).
    bool local_tcf = false;
    // a=T38FaxFillBitRemoval: t38_set_fill_bit_removal (what the peer's packets may have
    // removed) and t38_gateway_set_fill_bit_removal (removing them from ours).
    bool fill_bit_removal = false;
    // a=T38FaxTranscodingMMR, a=T38FaxTranscodingJBIG: t38_set_mmr_transcoding,
    // t38_set_jbig_transcoding.
    bool transcoding_mmr = false;
    bool transcoding_jbig = false;
    // The longest IFP packet the peer accepts (a=T38FaxMaxIFP, or what fits its
    // a=T38FaxMaxDatagram with the chosen error recovery): t38_set_max_datagram_size.
    int max_ifp = kT38MaxIfp;
};

struct T38GatewayStats {
    int pages = 0;       // pages passed through so far
    int bit_rate = 0;    // of the current or last image transfer
    bool ecm = false;    // whether that transfer used ECM
};

class T38Gateway {
public:
    class Listener {
    public:
        // An IFP packet for the T.38 side, to be sent `repeats` times: spandsp asks for
        // repeats of the indicator and control packets that must survive loss. `ifp` is
        // valid only during the call.
        virtual void on_t38_ifp(std::span<const uint8_t> ifp, int repeats) = 0;

    protected:
        ~Listener() = default;
    };

    // bad_format for options out of range, no_memory when spandsp cannot allocate.
    static std::unique_ptr<T38Gateway> create(const T38GatewayOptions& options, Listener& listener, Status& status);
    ~T38Gateway();
    T38Gateway(const T38Gateway&) = delete;
    T38Gateway& operator=(const T38Gateway&) = delete;

    // Audio from the fax machine; it also drives the gateway's timers, so feed it
    // continuously (rx_audio_missing for a gap).
    void rx_audio(std::span<const int16_t> pcm);
    // A gap of `samples` in the machine's audio (lost packets): t38_gateway_rx_fillin.
    void rx_audio_missing(std::size_t samples);
    // Audio for the fax machine: exactly pcm.size() samples, silence where there is none.
    void tx_audio(std::span<int16_t> pcm);
    // An IFP packet from the T.38 side, in sequence order (a gap in `seq` is a loss);
    // invalid_payload when spandsp refuses it (the gateway carries on).
    Status rx_ifp(std::span<const uint8_t> ifp, uint16_t seq);

    T38GatewayStats stats() const;

private:
    struct State;
    explicit T38Gateway(std::unique_ptr<State> state);

    std::unique_ptr<State> state_;
};

}  // namespace rtpe::codec
