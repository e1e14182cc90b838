#include "codec/fmtp.hpp"

#include <charconv>

namespace rtpe::codec {

namespace {

bool parse_int(std::string_view s, int& out) {
    if (s.empty())
        return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size() && out >= 0;
}

bool parse_flag(std::string_view s, bool& out) {
    if (s == "0" || s == "1") {
        out = s == "1";
        return true;
    }
    return false;
}

}  // namespace

Status parse_opus_fmtp(std::string_view fmtp, OpusParams& out) {
    out = {};
    bool ok = true;
    for_each_fmtp_param(fmtp, [&](std::string_view key, std::string_view value) {
        if (key == "stereo")
            ok &= parse_flag(value, out.stereo);
        else if (key == "sprop-stereo")
            ok &= parse_flag(value, out.sprop_stereo);
        else if (key == "useinbandfec")
            ok &= parse_flag(value, out.useinbandfec);
        else if (key == "usedtx")
            ok &= parse_flag(value, out.usedtx);
        else if (key == "cbr")
            ok &= parse_flag(value, out.cbr);
        else if (key == "maxaveragebitrate")
            ok &= parse_int(value, out.maxaveragebitrate);
        else if (key == "maxplaybackrate")
            ok &= parse_int(value, out.maxplaybackrate);
    });
    return ok ? Status::ok : Status::bad_format;
}

Status parse_amr_fmtp(std::string_view fmtp, bool wideband, AmrParams& out) {
    out = {};
    const int max_mode = wideband ? 8 : 7;
    bool ok = true;
    for_each_fmtp_param(fmtp, [&](std::string_view key, std::string_view value) {
        if (key == "octet-align") {
            ok &= parse_flag(value, out.octet_align);
        } else if (key == "mode-set") {
            while (ok && !value.empty()) {
                const auto comma = value.find(',');
                std::string_view item = value.substr(0, comma);
                value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
                while (!item.empty() && item.front() == ' ')
                    item.remove_prefix(1);
                int mode = 0;
                if (!parse_int(item, mode) || mode > max_mode)
                    ok = false;
                else
                    out.mode_set |= static_cast<uint16_t>(1u << mode);
            }
            ok &= out.mode_set != 0;
        } else if (key == "mode-change-period") {
            ok &= parse_int(value, out.mode_change_period) && out.mode_change_period <= 2;
        } else if (key == "mode-change-capability") {
            ok &= parse_int(value, out.mode_change_capability) && out.mode_change_capability >= 1 &&
                  out.mode_change_capability <= 2;
        } else if (key == "mode-change-neighbor") {
            ok &= parse_flag(value, out.mode_change_neighbor);
        } else if (key == "crc" || key == "robust-sorting") {
            bool on = false;
            ok &= parse_flag(value, on) && !on;
        } else if (key == "interleaving") {
            ok = false;
        }
    });
    return ok ? Status::ok : Status::bad_format;
}

}  // namespace rtpe::codec
