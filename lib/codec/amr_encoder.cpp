// AMR and AMR-WB encoding: Debian's libavcodec has AMR decoders but no AMR encoders, so
// the encoders are opencore-amrnb's (AMR, 8 kHz, 160-sample frames) and vo-amrwbenc's
// (AMR-WB, 16 kHz, 320-sample frames). Both write a frame in storage format (RFC 4867
// 5.3: the FT/Q header byte, then the speech bits); amr_packetize() frames them as the
// receiver's fmtp says (octet-aligned or bandwidth-efficient). DTX is off, as upstream's
// default.

#include "codec/amr_payload.hpp"
#include "codec/engines.hpp"
#include "codec/fmtp.hpp"

#include <array>
#include <new>
#include <vector>

extern "C" {
#include <opencore-amrnb/interf_enc.h>
#include <vo-amrwbenc/enc_if.h>
}

namespace rtpe::codec::detail {

namespace {

constexpr std::array<int, 8> kAmrModeBitrates = {4750, 5150, 5900, 6700, 7400, 7950, 10200, 12200};
constexpr std::array<int, 9> kAmrWbModeBitrates = {6600, 8850, 12650, 14250, 15850, 18250, 19850, 23050, 23850};

// The mode the receiver's mode-set allows that comes closest to the bit rate from below
// (else the lowest it allows).
int choose_mode(std::span<const int> bitrates, int bitrate, uint16_t mode_set) {
    int chosen = -1, lowest = -1;
    for (int mode = 0; mode < static_cast<int>(bitrates.size()); ++mode) {
        if (mode_set && !(mode_set & (1u << mode)))
            continue;
        if (lowest < 0)
            lowest = mode;
        if (bitrates[static_cast<std::size_t>(mode)] <= bitrate)
            chosen = mode;
    }
    return chosen >= 0 ? chosen : lowest;
}

class AmrEncoder final : public Encoder {
public:
    AmrEncoder(const CodecDef& def, bool wideband, int ptime, int mode, bool octet_align)
        : Encoder(def, AudioFormat{def.audio_rate, 1}, ptime, static_cast<uint32_t>(def.clock_rate / 1000 * ptime)),
          wideband_(wideband), mode_(mode), octet_align_(octet_align) {}
    ~AmrEncoder() override {
        if (state_)
            wideband_ ? E_IF_exit(state_) : Encoder_Interface_exit(state_);
    }
    bool open() {
        state_ = wideband_ ? E_IF_init() : Encoder_Interface_init(0);
        gatherer_.size(static_cast<std::size_t>(frame_samples()) * static_cast<std::size_t>(ptime_ / 20));
        return state_ != nullptr;
    }

    Status encode(std::span<const int16_t> pcm, PacketSink& sink) override {
        Status result = Status::ok;
        gatherer_.feed(pcm, [&](std::span<const int16_t> packet) {
            frames_.count = 0;
            for (std::size_t off = 0; off < packet.size(); off += frame_samples()) {
                const int16_t* speech = packet.data() + off;
                auto& storage = frames_.storage[frames_.count];
                const int n = wideband_ ? E_IF_encode(state_, mode_, speech, storage.data(), 0)
                                        : Encoder_Interface_Encode(state_, static_cast<Mode>(mode_), speech,
                                                                   storage.data(), 0);
                if (n <= 0 || static_cast<std::size_t>(n) > storage.size()) {
                    result = Status::encode_failed;
                    return;
                }
                frames_.frames[frames_.count] = {static_cast<uint8_t>((storage[0] >> 3) & 0x0f),
                                                 (storage[0] & 0x04) != 0, static_cast<uint8_t>(n)};
                ++frames_.count;
            }
            const std::size_t size = amr_packetize(frames_, wideband_, octet_align_, payload_);
            if (size == 0) {
                result = Status::encode_failed;
                return;
            }
            sink.on_payload(std::span<const uint8_t>(payload_.data(), size), rtp_duration_);
        });
        return result;
    }

private:
    std::size_t frame_samples() const { return wideband_ ? 320 : 160; }

    bool wideband_;
    int mode_;
    bool octet_align_;
    void* state_ = nullptr;
    PacketGatherer gatherer_;
    AmrFrames frames_;
    std::array<uint8_t, 1 + kAmrMaxFrames * (1 + kAmrMaxFrameBytes)> payload_{};
};

}  // namespace

std::unique_ptr<Encoder> make_amr_encoder(const CodecParams& params, Status& status) {
    const bool wideband = params.def->name == "AMR-WB";
    const int ptime = params.ptime > 0 ? params.ptime : params.def->default_ptime;
    AmrParams amr;
    if (ptime < 20 || ptime > 20 * static_cast<int>(kAmrMaxFrames) || ptime % 20 != 0 ||
        (params.channels != 0 && params.channels != 1) ||
        parse_amr_fmtp(params.fmtp, wideband, amr) != Status::ok) {
        status = Status::bad_format;
        return nullptr;
    }
    const int bitrate = params.bitrate > 0 ? params.bitrate : params.def->default_bitrate;
    const int mode = wideband ? choose_mode(kAmrWbModeBitrates, bitrate, amr.mode_set)
                              : choose_mode(kAmrModeBitrates, bitrate, amr.mode_set);
    if (mode < 0) {
        status = Status::bad_format;
        return nullptr;
    }
    auto enc = std::unique_ptr<AmrEncoder>(new (std::nothrow)
                                               AmrEncoder(*params.def, wideband, ptime, mode, amr.octet_align));
    if (!enc || !enc->open()) {
        status = Status::no_memory;
        return nullptr;
    }
    return enc;
}

}  // namespace rtpe::codec::detail
