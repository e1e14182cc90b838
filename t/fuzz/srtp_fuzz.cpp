// Unprotect must never read or write outside the packet, whatever it holds, for every
// cipher shape (AES-CM, f8, NULL, GCM; with and without MKI); an a=crypto line that
// parses must format to a line that parses to the same keys.
// The first input byte picks the target: 0-7 SRTP/SRTCP with one of the contexts, 8+ SDES.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "srtp/context.hpp"
#include "srtp/sdes.hpp"

namespace {

rtpe::srtp::Context make(std::string_view suite, bool with_mki) {
    const rtpe::srtp::CryptoSuite& s = *rtpe::srtp::find_suite(suite);
    std::vector<uint8_t> key(s.master_key_length, 0x11), salt(s.master_salt_length, 0x22);
    rtpe::srtp::ContextOptions options;
    if (with_mki)
        options.mki = {1, 2};
    return rtpe::srtp::Context(s, key, salt, options);
}

std::vector<rtpe::srtp::Context>& contexts() {
    static std::vector<rtpe::srtp::Context> all = [] {
        std::vector<rtpe::srtp::Context> v;
        v.push_back(make("AES_CM_128_HMAC_SHA1_80", false));
        v.push_back(make("AES_256_CM_HMAC_SHA1_32", true));
        v.push_back(make("AEAD_AES_128_GCM", false));
        v.push_back(make("AEAD_AES_256_GCM", true));
        v.push_back(make("F8_128_HMAC_SHA1_80", false));
        v.push_back(make("NULL_HMAC_SHA1_32", true));
        return v;
    }();
    return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    const uint8_t selector = data[0];
    ++data;
    --size;
    if (selector < 8) {
        auto& all = contexts();
        rtpe::srtp::Context& c = all[selector % all.size()];
        // An exact-size heap copy, so ASan flags a read even one byte past the end.
        std::vector<uint8_t> packet(data, data + size);
        std::size_t length = packet.size();
        if (selector & 1)
            (void)c.unprotect_rtcp(packet, length);
        else
            (void)c.unprotect_rtp(packet, length);
        if (length > size)
            __builtin_trap();
        // Protect too, with exactly the room it asks for.
        packet.assign(data, data + size);
        packet.resize(size + std::max(c.rtp_overhead(), c.rtcp_overhead()));
        length = size;
        if (selector & 1)
            (void)c.protect_rtcp(packet, length);
        else
            (void)c.protect_rtp(packet, length);
        if (length > packet.size())
            __builtin_trap();
        return 0;
    }
    const std::string line(reinterpret_cast<const char*>(data), size);
    auto parsed = rtpe::srtp::parse_sdes(line);
    if (!parsed)
        return 0;
    const std::string written = rtpe::srtp::format_sdes(*parsed);
    auto again = rtpe::srtp::parse_sdes(written);
    if (!again || again->keys != parsed->keys || again->tag != parsed->tag ||
        rtpe::srtp::format_sdes(*again) != written)
        __builtin_trap();
    return 0;
}
