#pragma once

// Format parameters (a=fmtp) where they change what the codec layer does: opus (RFC 7587)
// and AMR/AMR-WB (RFC 4867). Parsing is strict about values it uses and ignores keys it
// does not know, as a receiver of SDP must.

#include "codec/status.hpp"

#include <cstdint>
#include <string_view>

namespace rtpe::codec {

// Calls f(key, value) for each "key=value" (or bare "key", value empty) of a fmtp
// string; separators ';' with optional spaces.
template <typename F>
void for_each_fmtp_param(std::string_view fmtp, F&& f) {
    while (!fmtp.empty()) {
        const auto semi = fmtp.find(';');
        std::string_view item = fmtp.substr(0, semi);
        fmtp = semi == std::string_view::npos ? std::string_view{} : fmtp.substr(semi + 1);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
            item.remove_suffix(1);
        if (item.empty())
            continue;
        const auto eq = item.find('=');
        if (eq == std::string_view::npos)
            f(item, std::string_view{});
        else
            f(item.substr(0, eq), item.substr(eq + 1));
    }
}

struct OpusParams {
    bool stereo = false;         // the SDP's author wants to receive stereo
    bool sprop_stereo = false;   // the SDP's author will likely send stereo
    bool useinbandfec = false;
    bool usedtx = false;
    bool cbr = false;
    int maxaveragebitrate = 0;   // bit/s, 0: not given
    int maxplaybackrate = 0;     // Hz, 0: not given
};

// Flags must be 0 or 1, rates plain decimals (RFC 7587 6.1); bad_format otherwise.
Status parse_opus_fmtp(std::string_view fmtp, OpusParams& out);

struct AmrParams {
    bool octet_align = false;     // false: bandwidth-efficient (RFC 4867 4.3)
    uint16_t mode_set = 0;        // bit n set: mode n allowed; 0: all modes
    int mode_change_period = 0;
    int mode_change_capability = 1;
    bool mode_change_neighbor = false;
};

// wideband: AMR-WB (modes 0-8) instead of AMR (0-7). crc, robust-sorting and
// interleaving are refused (bad_format): neither upstream nor we frame them.
Status parse_amr_fmtp(std::string_view fmtp, bool wideband, AmrParams& out);

}  // namespace rtpe::codec
