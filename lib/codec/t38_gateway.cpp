#include "codec/t38_gateway.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <new>

extern "C" {
#include <spandsp/telephony.h>
#include <spandsp/logging.h>
#include <spandsp/t30.h>
#include <spandsp/t38_core.h>
#include <spandsp/t38_gateway.h>
}

namespace rtpe::codec {

namespace {
// spandsp's receive path rewrites the samples it is given (DC removal), so they are
// copied into this much scratch space per call into it: 40 ms.
constexpr std::size_t kScratchSamples = 320;

bool valid(const T38GatewayOptions& o) {
    return o.version >= 0 && o.version <= 3 && o.max_ifp > 0 && o.max_ifp <= kT38MaxIfp;
}

int supported_modems(const T38GatewayOptions& o) {
    return (o.no_v27ter ? 0 : T30_SUPPORT_V27TER) | (o.no_v29 ? 0 : T30_SUPPORT_V29) |
           (o.no_v17 ? 0 : T30_SUPPORT_V17) | (o.no_v34 ? 0 : T30_SUPPORT_V34HDX) | (o.no_iaf ? 0 : T30_SUPPORT_IAF);
}
}  // namespace

struct T38Gateway::State {
    explicit State(Listener& l) : listener(&l) {}
    ~State() {
        if (gateway)
            t38_gateway_free(gateway);
    }
    State(const State&) = delete;
    State& operator=(const State&) = delete;

    static int on_tx_packet(t38_core_state_t* /*core*/, void* self, const uint8_t* buf, int len, int count) {
        auto* state = static_cast<State*>(self);
        if (len > 0)
            state->listener->on_t38_ifp(std::span<const uint8_t>(buf, static_cast<std::size_t>(len)), count);
        return 0;
    }

    Listener* listener;
    t38_gateway_state_t* gateway = nullptr;
    std::array<int16_t, kScratchSamples> scratch{};
};

std::unique_ptr<T38Gateway> T38Gateway::create(const T38GatewayOptions& options, Listener& listener, Status& status) {
    if (!valid(options)) {
        status = Status::bad_format;
        return nullptr;
    }
    std::unique_ptr<State> state(new (std::nothrow) State(listener));
    if (!state || !(state->gateway = t38_gateway_init(nullptr, &State::on_tx_packet, state.get()))) {
        status = Status::no_memory;
        return nullptr;
    }
    t38_gateway_state_t* gw = state->gateway;
    t38_gateway_set_ecm_capability(gw, !options.no_ecm);
    t38_gateway_set_supported_modems(gw, supported_modems(options));
    t38_gateway_set_fill_bit_removal(gw, options.fill_bit_removal);
    // Silence, not nothing, while no modem transmits: the PCM side is a steady stream.
    t38_gateway_set_transmit_on_idle(gw, true);
    t38_core_state_t* core = t38_gateway_get_t38_core_state(gw);
    t38_set_t38_version(core, options.version);
    t38_set_data_rate_management_method(core, options.local_tcf ? 1 : 2);
    t38_set_fill_bit_removal(core, options.fill_bit_removal);
    t38_set_mmr_transcoding(core, options.transcoding_mmr);
    t38_set_jbig_transcoding(core, options.transcoding_jbig);
    t38_set_max_datagram_size(core, options.max_ifp);

    std::unique_ptr<T38Gateway> gateway(new (std::nothrow) T38Gateway(std::move(state)));
    status = gateway ? Status::ok : Status::no_memory;
    return gateway;
}

T38Gateway::T38Gateway(std::unique_ptr<State> state) : state_(std::move(state)) {}
T38Gateway::~T38Gateway() = default;

void T38Gateway::rx_audio(std::span<const int16_t> pcm) {
    while (!pcm.empty()) {
        const std::size_t n = std::min(pcm.size(), state_->scratch.size());
        std::copy_n(pcm.begin(), n, state_->scratch.begin());
        t38_gateway_rx(state_->gateway, state_->scratch.data(), static_cast<int>(n));
        pcm = pcm.subspan(n);
    }
}

void T38Gateway::rx_audio_missing(std::size_t samples) {
    while (samples > 0) {
        const std::size_t n = std::min<std::size_t>(samples, kT38GatewayRate);
        t38_gateway_rx_fillin(state_->gateway, static_cast<int>(n));
        samples -= n;
    }
}

void T38Gateway::tx_audio(std::span<int16_t> pcm) {
    while (!pcm.empty()) {
        const std::size_t want = std::min<std::size_t>(pcm.size(), kT38GatewayRate);
        const int got = t38_gateway_tx(state_->gateway, pcm.data(), static_cast<int>(want));
        if (got <= 0)
            break;
        pcm = pcm.subspan(std::min(static_cast<std::size_t>(got), want));
    }
    std::fill(pcm.begin(), pcm.end(), int16_t{0});
}

Status T38Gateway::rx_ifp(std::span<const uint8_t> ifp, uint16_t seq) {
    if (ifp.empty())
        return Status::empty_payload;
    if (ifp.size() > static_cast<std::size_t>(kT38MaxIfp))
        return Status::invalid_payload;
    const int rc = t38_core_rx_ifp_packet(t38_gateway_get_t38_core_state(state_->gateway), ifp.data(),
                                          static_cast<int>(ifp.size()), seq);
    return rc < 0 ? Status::invalid_payload : Status::ok;
}

T38GatewayStats T38Gateway::stats() const {
    t38_stats_t s{};
    t38_gateway_get_transfer_statistics(state_->gateway, &s);
    return T38GatewayStats{s.pages_transferred, s.bit_rate, s.error_correcting_mode != 0};
}

}  // namespace rtpe::codec
