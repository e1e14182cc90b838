// AMR decoding over opencore-amrnb's decoder, not libavcodec's: Debian's libavcodec decodes
// AMR with its own amrnb decoder (it is built without libopencore_amrnb), which refuses
// SID and NO_DATA frames ("dtx mode is not implemented"), so a sender's DTX would be lost.
// opencore's decoder (the 3GPP reference) makes comfort noise from the SID frames and the
// NO_DATA frames after them. AMR-WB stays with libavcodec (no opencore-amrwb here): its
// decoder has no DTX either, so AMR-WB has no decode_no_data().

#include "codec/amr_payload.hpp"
#include "codec/engines.hpp"
#include "codec/fmtp.hpp"

#include <new>

extern "C" {
#include <opencore-amrnb/interf_dec.h>
}

namespace rtpe::codec::detail {

namespace {

constexpr std::size_t kAmrFrameSamples = 160;  // 20 ms at 8 kHz

class AmrDecoder final : public Decoder {
public:
    AmrDecoder(const CodecDef& def, bool octet_align) : Decoder(def, AudioFormat{8000, 1}), octet_align_(octet_align) {}
    ~AmrDecoder() override {
        if (state_)
            Decoder_Interface_exit(state_);
    }
    bool open() {
        state_ = Decoder_Interface_init();
        return state_ != nullptr;
    }

    Status decode(std::span<const uint8_t> payload, std::vector<int16_t>& pcm) override {
        if (payload.empty())
            return Status::empty_payload;
        if (const Status st = amr_depacketize(payload, false, octet_align_, frames_); st != Status::ok)
            return st;
        for (std::size_t i = 0; i < frames_.count; ++i)
            if (frames_.frames[i].size > 1)  // a NO_DATA frame in a payload stands for nothing heard
                decode_frame(frames_.storage_frame(i).data(), pcm);
        return Status::ok;
    }

    Status decode_no_data(std::vector<int16_t>& pcm) override {
        // A storage-format frame of its header alone: FT 15 (NO_DATA), Q set.
        static constexpr uint8_t kNoDataFrame[] = {kAmrNoData << 3 | 1 << 2};
        decode_frame(kNoDataFrame, pcm);
        return Status::ok;
    }
    bool decodes_no_data() const override { return true; }

private:
    // One storage-format frame (header byte, then its bits): 20 ms of PCM, whatever the
    // frame (opencore conceals a damaged one).
    void decode_frame(const uint8_t* frame, std::vector<int16_t>& pcm) {
        const std::size_t start = pcm.size();
        pcm.resize(start + kAmrFrameSamples);
        Decoder_Interface_Decode(state_, frame, pcm.data() + start, 0);
    }

    bool octet_align_;
    void* state_ = nullptr;
    AmrFrames frames_;
};

}  // namespace

std::unique_ptr<Decoder> make_amr_decoder(const CodecParams& params, Status& status) {
    if (params.def->name != "AMR")
        return make_av_decoder(params, status);
    AmrParams amr;
    if (parse_amr_fmtp(params.fmtp, false, amr) != Status::ok) {
        status = Status::bad_format;
        return nullptr;
    }
    auto dec = std::unique_ptr<AmrDecoder>(new (std::nothrow) AmrDecoder(*params.def, amr.octet_align));
    if (!dec || !dec->open()) {
        status = Status::no_memory;
        return nullptr;
    }
    return dec;
}

}  // namespace rtpe::codec::detail
