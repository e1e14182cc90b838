#include "daemon/call/sdp_codecs.hpp"

#include <algorithm>

#include "codec/registry.hpp"
#include "rtp/payload_types.hpp"
#include "util/parse.hpp"

namespace rtpe::call {

namespace {

std::string_view after_payload_type(std::string_view value) {
    const auto space = value.find(' ');
    return space == std::string_view::npos ? std::string_view{} : value.substr(space + 1);
}

// "PCMU/8000" or "opus/48000/2" into the codec's fields.
void take_encoding(std::string_view encoding, SdpCodec& c) {
    const auto parts = split(encoding, '/');
    if (parts.empty())
        return;
    c.name = std::string(parts[0]);
    if (parts.size() > 1)
        if (auto rate = parse_int(parts[1]))
            c.clock_rate = *rate;
    if (parts.size() > 2)
        if (auto channels = parse_int(parts[2]))
            c.channels = *channels;
}

}  // namespace

std::string_view SdpCodec::format_parameters() const {
    return fmtp ? after_payload_type(*fmtp) : std::string_view{};
}

std::string SdpCodec::encoding() const {
    std::string out = name + "/" + std::to_string(clock_rate);
    if (channels != 1)
        out += "/" + std::to_string(channels);
    return out;
}

std::optional<uint8_t> SdpCodec::type_number() const {
    const auto number = parse_int(payload_type);
    if (!number || *number < 0 || *number > 127)
        return std::nullopt;
    return static_cast<uint8_t>(*number);
}

bool SdpCodec::telephone_event() const {
    return equals_ignoring_case(name, "telephone-event");
}

bool SdpCodec::supplemental() const {
    const codec::CodecDef* def = name.empty() ? nullptr : codec::find_codec(name);
    return def && def->supplemental;
}

const codec::CodecDef* transcodable(const SdpCodec& c) {
    const codec::CodecDef* def = c.name.empty() ? nullptr : codec::find_codec(c.name);
    if (!def || def->supplemental)
        return nullptr;
    const codec::Support s = codec::support(*def);
    return s.decode && s.encode ? def : nullptr;
}

bool has_payload_type(const std::vector<SdpCodec>& codecs, std::string_view payload_type) {
    return std::any_of(codecs.begin(), codecs.end(), [&](const SdpCodec& c) { return c.payload_type == payload_type; });
}

std::vector<SdpCodec> sdp_codecs(const sdp::MediaSection& section) {
    std::vector<SdpCodec> out;
    const auto description = section.media();
    if (description.proto.find("RTP/") == std::string::npos)
        return out;
    for (const auto& pt : description.formats) {
        SdpCodec c;
        c.payload_type = pt;
        for (const auto& a : section.attributes()) {
            if (!a.value || a.value->substr(0, a.value->find(' ')) != pt)
                continue;
            if (a.name == "rtpmap" && !c.rtpmap) {
                c.rtpmap = a.value;
                take_encoding(after_payload_type(*a.value), c);
            } else if (a.name == "fmtp" && !c.fmtp) {
                c.fmtp = a.value;
            } else if (a.name == "rtcp-fb") {
                c.rtcp_fb.push_back(*a.value);
            }
        }
        if (!c.rtpmap)
            if (auto known = rtp::static_rtpmap(pt))
                take_encoding(*known, c);
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace rtpe::call
