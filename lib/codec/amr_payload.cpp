#include "codec/amr_payload.hpp"

namespace rtpe::codec {

namespace {

// RFC 4867 table 1a (AMR, 3GPP TS 26.101) and 1b (AMR-WB, TS 26.201): class A+B+C bits
// per frame type; SID frames are 39 (AMR) and 40 (AMR-WB) bits.
constexpr std::array<int, 9> kNbBits = {95, 103, 118, 134, 148, 159, 204, 244, 39};
constexpr std::array<int, 10> kWbBits = {132, 177, 253, 285, 317, 365, 397, 461, 477, 40};

// Reads bits MSB first from a byte span.
class BitReader {
public:
    explicit BitReader(std::span<const uint8_t> data) : data_(data) {}
    std::size_t left() const { return data_.size() * 8 - pos_; }
    unsigned read(int n) {  // caller checks left()
        unsigned v = 0;
        for (int i = 0; i < n; ++i, ++pos_)
            v = (v << 1) | ((data_[pos_ / 8] >> (7 - pos_ % 8)) & 1u);
        return v;
    }
    void align() { pos_ = (pos_ + 7) / 8 * 8; }

private:
    std::span<const uint8_t> data_;
    std::size_t pos_ = 0;
};

class BitWriter {
public:
    explicit BitWriter(std::span<uint8_t> out) : out_(out) {}
    bool write(unsigned v, int n) {
        if (pos_ + static_cast<std::size_t>(n) > out_.size() * 8)
            return false;
        for (int i = n - 1; i >= 0; --i, ++pos_) {
            const uint8_t bit = static_cast<uint8_t>((v >> i) & 1u);
            uint8_t& byte = out_[pos_ / 8];
            const int shift = 7 - static_cast<int>(pos_ % 8);
            byte = static_cast<uint8_t>((byte & ~(1u << shift)) | (bit << shift));
        }
        return true;
    }
    bool align() {
        while (pos_ % 8)
            if (!write(0, 1))
                return false;
        return true;
    }
    std::size_t bytes() const { return (pos_ + 7) / 8; }

private:
    std::span<uint8_t> out_;
    std::size_t pos_ = 0;
};

}  // namespace

int amr_frame_bits(bool wideband, int ft) {
    if (ft == kAmrNoData || (wideband && ft == 14))
        return 0;
    if (ft < 0)
        return -1;
    if (wideband)
        return ft < static_cast<int>(kWbBits.size()) ? kWbBits[ft] : -1;
    return ft < static_cast<int>(kNbBits.size()) ? kNbBits[ft] : -1;
}

Status amr_depacketize(std::span<const uint8_t> payload, bool wideband, bool octet_align, AmrFrames& out) {
    out.count = 0;
    if (payload.empty())
        return Status::empty_payload;
    BitReader in(payload);
    out.cmr = static_cast<int>(in.read(4));
    if (octet_align)
        in.read(4);
    // The table of contents: F (more follow), FT, Q; octet-aligned pads each entry to a byte.
    bool more = true;
    while (more) {
        if (out.count == kAmrMaxFrames || in.left() < (octet_align ? 8u : 6u))
            return Status::invalid_payload;
        more = in.read(1) != 0;
        const int ft = static_cast<int>(in.read(4));
        const bool q = in.read(1) != 0;
        if (octet_align)
            in.read(2);
        const int bits = amr_frame_bits(wideband, ft);
        if (bits < 0)
            return Status::invalid_payload;
        out.frames[out.count++] = {static_cast<uint8_t>(ft), q, static_cast<uint8_t>(1 + (bits + 7) / 8)};
    }
    for (std::size_t i = 0; i < out.count; ++i) {
        auto& f = out.frames[i];
        const int bits = amr_frame_bits(wideband, f.type);
        if (in.left() < static_cast<std::size_t>(bits))
            return Status::invalid_payload;
        auto& dst = out.storage[i];
        dst.fill(0);
        dst[0] = static_cast<uint8_t>(f.type << 3 | (f.quality ? 4 : 0));
        BitWriter w(std::span<uint8_t>(dst).subspan(1));
        for (int b = 0; b < bits; ++b)
            w.write(in.read(1), 1);
        if (octet_align)
            in.align();
    }
    // What is left can only be padding to the next byte.
    return in.left() < 8 ? Status::ok : Status::invalid_payload;
}

std::size_t amr_packetize(const AmrFrames& frames, bool wideband, bool octet_align, std::span<uint8_t> out) {
    if (frames.count == 0 || frames.count > kAmrMaxFrames)
        return 0;
    BitWriter w(out);
    bool ok = w.write(static_cast<unsigned>(frames.cmr) & 0xF, 4);
    if (octet_align)
        ok &= w.write(0, 4);
    for (std::size_t i = 0; ok && i < frames.count; ++i) {
        const auto& f = frames.frames[i];
        const int bits = amr_frame_bits(wideband, f.type);
        if (bits < 0 || f.size != 1 + (bits + 7) / 8)
            return 0;
        ok &= w.write(i + 1 < frames.count ? 1 : 0, 1);
        ok &= w.write(f.type, 4);
        ok &= w.write(f.quality ? 1 : 0, 1);
        if (octet_align)
            ok &= w.write(0, 2);
    }
    for (std::size_t i = 0; ok && i < frames.count; ++i) {
        const int bits = amr_frame_bits(wideband, frames.frames[i].type);
        BitReader r(std::span<const uint8_t>(frames.storage[i]).subspan(1, frames.frames[i].size - 1));
        for (int b = 0; ok && b < bits; ++b)
            ok &= w.write(r.read(1), 1);
        if (octet_align)
            ok &= w.align();
    }
    ok &= w.align();
    return ok ? w.bytes() : 0;
}

}  // namespace rtpe::codec
