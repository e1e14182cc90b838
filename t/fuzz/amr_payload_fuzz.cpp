// RFC 4867 payloads (lib/codec/amr_payload.hpp), AMR and AMR-WB, both framings: parsing
// never reads outside the payload, what parses packetizes back into no more octets and
// parses to the same frames, and frames made up from the input packetize into a payload
// that parses back to them.
//
// Input: a mode octet (bit 0 AMR-WB, bit 1 octet-aligned, bit 2: the rest describes frames
// rather than being a payload).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "codec/amr_payload.hpp"

namespace {

using namespace rtpe::codec;

bool same_frames(const AmrFrames& a, const AmrFrames& b) {
    if (a.count != b.count || a.cmr != b.cmr)
        return false;
    for (std::size_t i = 0; i < a.count; ++i) {
        const auto x = a.storage_frame(i), y = b.storage_frame(i);
        if (a.frames[i].quality != b.frames[i].quality || !std::equal(x.begin(), x.end(), y.begin(), y.end()))
            return false;
    }
    return true;
}

void parse_payload(const std::vector<uint8_t>& payload, bool wb, bool oa) {
    AmrFrames frames;
    const Status st = amr_depacketize(payload, wb, oa, frames);
    if (st != Status::ok)
        return;
    if (frames.count == 0 || frames.count > kAmrMaxFrames)
        __builtin_trap();
    std::vector<uint8_t> out(payload.size() + 64);
    const std::size_t n = amr_packetize(frames, wb, oa, out);
    if (n == 0 || n > payload.size())
        __builtin_trap();
    AmrFrames again;
    if (amr_depacketize(std::span(out.data(), n), wb, oa, again) != Status::ok || !same_frames(frames, again))
        __builtin_trap();
}

// Frames from the input: per frame a type octet (low nibble: FT, bit 4: Q, bit 5: more
// frames follow) and the speech octets, whose bits past the frame's length are cleared, as
// parsing leaves them.
void build_payload(const uint8_t* data, std::size_t size, bool wb, bool oa) {
    AmrFrames frames;
    frames.cmr = size > 0 ? data[0] & 0xF : kAmrNoData;
    std::size_t pos = 1;
    bool more = true;
    while (more && pos < size && frames.count < kAmrMaxFrames) {
        const uint8_t head = data[pos++];
        const int ft = head & 0xF;
        const int bits = amr_frame_bits(wb, ft);
        if (bits < 0)
            return;
        more = (head & 0x20) != 0;
        const std::size_t octets = static_cast<std::size_t>((bits + 7) / 8);
        auto& f = frames.frames[frames.count];
        f = {static_cast<uint8_t>(ft), (head & 0x10) != 0, static_cast<uint8_t>(1 + octets)};
        auto& storage = frames.storage[frames.count];
        storage.fill(0);
        storage[0] = static_cast<uint8_t>(ft << 3 | (f.quality ? 4 : 0));
        for (std::size_t i = 0; i < octets && pos < size; ++i)
            storage[1 + i] = data[pos++];
        if (bits % 8 != 0 && octets > 0)
            storage[octets] &= static_cast<uint8_t>(0xFF << (8 - bits % 8));
        ++frames.count;
    }
    if (frames.count == 0)
        return;
    std::vector<uint8_t> out(frames.count * (kAmrMaxFrameBytes + 2) + 2);
    const std::size_t n = amr_packetize(frames, wb, oa, out);
    if (n == 0)
        __builtin_trap();
    AmrFrames parsed;
    const std::vector<uint8_t> payload(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
    if (amr_depacketize(payload, wb, oa, parsed) != Status::ok || !same_frames(frames, parsed))
        __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    const bool wb = data[0] & 1, oa = data[0] & 2;
    if (data[0] & 4) {
        build_payload(data + 1, size - 1, wb, oa);
        return 0;
    }
    // An exact-size heap copy, so ASan flags a read even one byte past the end.
    const std::vector<uint8_t> payload(data + 1, data + size);
    parse_payload(payload, wb, oa);
    return 0;
}
