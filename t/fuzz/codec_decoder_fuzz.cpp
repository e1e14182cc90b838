// Payloads into the decoders (lib/codec): every call ends with a status, never a crash or a
// read outside the payload; on an error nothing is appended. The input picks a codec and
// its fmtp variant, then carries one or more payloads (each: a length byte, the bytes), fed
// to one decoder in turn so its state carries across payloads. AMR framing must also agree
// with itself: what depacketizes cleanly packetizes back to frames that read the same.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "codec/amr_payload.hpp"
#include "codec/decoder.hpp"
#include "codec/registry.hpp"
#include "codec/telephone_event.hpp"

namespace {

struct Variant {
    const char* codec;
    const char* fmtp;
    int audio_rate = 0;  // opus: decoded at this rate, as a chain towards G.711 asks
};
constexpr std::array<Variant, 17> kVariants = {{
    {"PCMA", ""}, {"PCMU", ""}, {"G722", ""}, {"G729", ""},
    {"opus", ""}, {"opus", "sprop-stereo=1"}, {"G723", ""}, {"GSM", ""},
    {"speex", ""}, {"iLBC", "mode=20"}, {"iLBC", "mode=30"}, {"AMR", ""},
    {"AMR", "octet-align=1"}, {"AMR-WB", ""}, {"AMR-WB", "octet-align=1"}, {"CN", ""},
    {"opus", "", 8000},
}};

void check_amr_framing(std::span<const uint8_t> payload, bool wb, bool oa) {
    rtpe::codec::AmrFrames frames, again;
    if (rtpe::codec::amr_depacketize(payload, wb, oa, frames) != rtpe::codec::Status::ok)
        return;
    std::vector<uint8_t> out(payload.size() + 64);
    const std::size_t n = rtpe::codec::amr_packetize(frames, wb, oa, out);
    if (n == 0 || n > payload.size())
        __builtin_trap();
    if (rtpe::codec::amr_depacketize(std::span(out.data(), n), wb, oa, again) != rtpe::codec::Status::ok ||
        again.count != frames.count)
        __builtin_trap();
    for (std::size_t i = 0; i < frames.count; ++i) {
        const auto a = frames.storage_frame(i), b = again.storage_frame(i);
        if (a.size() != b.size() || !std::equal(a.begin(), a.end(), b.begin()))
            __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    const Variant& v = kVariants[data[0] % kVariants.size()];
    rtpe::codec::CodecParams params;
    params.def = rtpe::codec::find_codec(v.codec);
    params.fmtp = v.fmtp;
    params.audio_rate = v.audio_rate;
    rtpe::codec::Status st;
    auto dec = rtpe::codec::make_decoder(params, st);
    if (!dec)
        return 0;
    std::vector<int16_t> pcm;
    std::size_t pos = 1;
    while (pos < size) {
        const std::size_t len = std::min<std::size_t>(data[pos], size - pos - 1);
        ++pos;
        // An exact-size heap copy, so ASan flags a read even one byte past the end.
        const std::vector<uint8_t> payload(data + pos, data + pos + len);
        pos += len;
        const std::size_t before = pcm.size();
        // An empty payload stands for a gap: the codec's own DTX frame where it has one.
        st = payload.empty() && dec->decodes_no_data() ? dec->decode_no_data(pcm) : dec->decode(payload, pcm);
        if (st != rtpe::codec::Status::ok && pcm.size() != before)
            __builtin_trap();
        if (pcm.size() > (1u << 22))
            pcm.clear();
        for (bool wb : {false, true})
            for (bool oa : {false, true})
                check_amr_framing(payload, wb, oa);
        rtpe::codec::TelephoneEvent ev;
        (void)rtpe::codec::parse_telephone_event(payload, ev);
    }
    return 0;
}
