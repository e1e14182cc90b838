#include "daemon/call/codec_negotiation.hpp"

#include <algorithm>
#include <utility>

#include "codec/registry.hpp"
#include "util/log.hpp"
#include "util/parse.hpp"

namespace rtpe::call {

namespace {

bool is_all(std::string_view spec) {
    return spec == "all" || spec == "full";
}

bool named(const std::vector<std::string>& specs, const SdpCodec& c) {
    return std::any_of(specs.begin(), specs.end(), [&](const std::string& s) { return codec_matches(c, s); });
}

bool names_all(const std::vector<std::string>& specs) {
    return std::any_of(specs.begin(), specs.end(), [](const std::string& s) { return is_all(s); });
}

int free_dynamic_type(const std::vector<SdpCodec>& codecs) {
    for (int pt = 96; pt < 128; ++pt)
        if (!has_payload_type(codecs, std::to_string(pt)))
            return pt;
    return -1;
}

// The a=fmtp Debian's 10.5 writes for a codec it adds to an offer.
std::string added_fmtp(const codec::CodecDef& def) {
    return def.name == "G729" || def.engine == codec::Engine::dtmf ? std::string(def.default_fmtp) : std::string();
}

// A codec named by a transcode specification, as it goes into the offer; false when this
// build cannot both decode and encode it or no payload type is free.
bool make_added(std::string_view spec, const std::vector<SdpCodec>& present, SdpCodec& out) {
    const auto parts = split(spec, '/');
    const codec::CodecDef* def = parts.empty() ? nullptr : codec::find_codec(parts[0]);
    // telephone-event too: the chain turns the other side's tones into it and back.
    const bool dtmf = def && def->engine == codec::Engine::dtmf;
    if (!def || (def->supplemental && !dtmf) || def->clock_rate == 0)
        return false;
    const codec::Support s = codec::support(*def);  // telephone-event: ours, both ways
    if (!s.decode || !s.encode)
        return false;
    out = SdpCodec{};
    out.name = std::string(def->name);
    out.clock_rate = def->clock_rate;
    out.channels = def->channels;
    if (parts.size() > 1)
        if (auto rate = parse_int(parts[1]); rate && *rate > 0)
            out.clock_rate = *rate;
    if (parts.size() > 2)
        if (auto channels = parse_int(parts[2]); channels && *channels > 0)
            out.channels = *channels;
    out.bitrate = spec_bitrate(spec);
    int pt = def->static_payload_type;
    if (pt < 0 || has_payload_type(present, std::to_string(pt)))
        pt = free_dynamic_type(present);
    if (pt < 0)
        return false;
    out.payload_type = std::to_string(pt);
    out.rtpmap = out.payload_type + " " + out.encoding();
    if (const std::string fmtp = added_fmtp(*def); !fmtp.empty())
        out.fmtp = out.payload_type + " " + fmtp;
    return true;
}

// The list's first codec of that name (CN, telephone-event) again at another clock rate,
// with the first payload type free in present; nullopt when the list has none of that name
// or one at that rate already.
std::optional<SdpCodec> companion_at_rate(const std::vector<SdpCodec>& list, std::string_view name, int clock_rate,
                                          const std::vector<SdpCodec>& present) {
    const auto same_name = [&](const SdpCodec& c) { return equals_ignoring_case(c.name, name); };
    const auto first = std::find_if(list.begin(), list.end(), same_name);
    if (first == list.end() || std::any_of(list.begin(), list.end(), [&](const SdpCodec& c) {
            return same_name(c) && c.clock_rate == clock_rate;
        }))
        return std::nullopt;
    const int pt = free_dynamic_type(present);
    if (pt < 0)
        return std::nullopt;
    SdpCodec c = *first;
    c.payload_type = std::to_string(pt);
    c.clock_rate = clock_rate;
    c.channels = 1;
    c.rtpmap = c.payload_type + " " + c.encoding();
    if (first->fmtp)
        c.fmtp = c.payload_type + " " + std::string(first->format_parameters());
    c.rtcp_fb.clear();
    return c;
}

// set: each codec named by a specification (name, clock rate, channels) gets its bit
// rate, the first specification naming it winning.
void apply_set(std::vector<SdpCodec>& codecs, const std::vector<std::string>& specs) {
    for (auto& c : codecs)
        for (const auto& spec : specs)
            if (codec_matches(c, spec))
                if (const int bitrate = spec_bitrate(spec); bitrate > 0) {
                    c.bitrate = bitrate;
                    break;
                }
}

}  // namespace

namespace {

// The codecs single-codec keeps (left_out false) or leaves out (left_out true).
std::vector<SdpCodec> single_codec_part(std::vector<SdpCodec> codecs, bool left_out) {
    bool have_one = false;
    std::erase_if(codecs, [&](const SdpCodec& c) {
        const bool after_first = !c.supplemental() && std::exchange(have_one, true);
        return after_first != left_out;
    });
    return codecs;
}

}  // namespace

std::vector<SdpCodec> single_codec(std::vector<SdpCodec> codecs) {
    return single_codec_part(std::move(codecs), false);
}

std::vector<SdpCodec> left_out_by_single_codec(std::vector<SdpCodec> codecs) {
    return single_codec_part(std::move(codecs), true);
}

std::vector<SdpCodec> in_earlier_order(std::vector<SdpCodec> codecs, const std::vector<std::string>& earlier) {
    const auto rank = [&](const SdpCodec& c) {
        return std::find(earlier.begin(), earlier.end(), c.payload_type) - earlier.begin();
    };
    std::stable_sort(codecs.begin(), codecs.end(),
                     [&](const SdpCodec& a, const SdpCodec& b) { return rank(a) < rank(b); });
    return codecs;
}

std::vector<SdpCodec> answered_as_offered(std::vector<SdpCodec> answered,
                                          const std::vector<std::string>& offered_formats) {
    std::vector<SdpCodec> common = answered;
    std::erase_if(common, [&](const SdpCodec& c) {
        return std::find(offered_formats.begin(), offered_formats.end(), c.payload_type) == offered_formats.end();
    });
    return common.empty() ? answered : common;
}

std::vector<std::string> payload_types(const std::vector<SdpCodec>& codecs) {
    std::vector<std::string> out;
    out.reserve(codecs.size());
    for (const auto& c : codecs)
        out.push_back(c.payload_type);
    return out;
}

int spec_bitrate(std::string_view spec) {
    const auto parts = split(spec, '/');
    if (parts.size() < 4 || parts[3].empty())
        return 0;
    const auto bitrate = parse_int(parts[3]);
    if (!bitrate || *bitrate <= 0) {
        RTPE_LOG(codec, log::kWarning, "Ignoring the bit rate of codec specification '%.*s': not a positive number",
                 static_cast<int>(spec.size()), spec.data());
        return 0;
    }
    return *bitrate;
}

bool codec_matches(const SdpCodec& codec, std::string_view spec) {
    const auto parts = split(spec, '/');
    if (parts.empty() || codec.name.empty() || !equals_ignoring_case(parts[0], codec.name))
        return false;
    if (parts.size() > 1 && !parts[1].empty() && parse_int(parts[1]) != codec.clock_rate)
        return false;
    if (parts.size() > 2 && !parts[2].empty() && parse_int(parts[2]) != codec.channels)
        return false;
    return true;
}

namespace {

// What strip, except, mask, consume, transcode and accept make of the offer (see
// codecs_for_answerer).
OfferedCodecs offered_as_requested(const std::vector<SdpCodec>& offered, const CodecRequest& r, bool audio,
                                   bool transcoding_requested) {
    OfferedCodecs out;
    out.to_answerer = offered;
    out.offerer_side = offered;
    if (!r.any() && !(audio && transcoding_requested))
        return out;
    for (const auto& c : offered)
        if (named(r.consume, c) || names_all(r.consume) || named(r.accept, c))
            out.accepted.push_back(c);

    // strip, mask and consume by name; "all" takes everything but what except (or
    // transcode, for a codec the offer had) names.
    const bool remove_all = names_all(r.strip) || names_all(r.mask) || names_all(r.consume);
    std::vector<SdpCodec> kept;
    out.offerer_side.clear();
    for (const auto& c : offered) {
        const bool spared = named(r.except, c) || named(r.transcode, c);
        const bool stripped = named(r.strip, c) || (names_all(r.strip) && !spared);
        if (!stripped)
            out.offerer_side.push_back(c);
        const bool by_name = named(r.strip, c) || named(r.mask, c) || named(r.consume, c);
        if (by_name || (remove_all && !spared))
            continue;
        kept.push_back(c);
    }
    // Stripping everything and naming nothing to offer leaves the offer as it was.
    if (kept.empty() && r.transcode.empty()) {
        kept = offered;
        out.offerer_side = offered;
    }

    // transcode: codecs not (or no longer) in the list are added, before the first
    // telephone-event or CN, each followed by a CN and a telephone-event of its own clock
    // rate when the list has them at another.
    const auto insert_at = [&] {
        return std::find_if(kept.begin(), kept.end(), [](const SdpCodec& c) { return c.supplemental(); }) -
               kept.begin();
    };
    for (const auto& spec : audio ? r.transcode : std::vector<std::string>{}) {
        // With its options (a bit rate, ...) a codec is an instance of its own, added even
        // beside the offerer's of the same name.
        const bool with_options = split(spec, '/').size() > 3;
        if (is_all(spec) ||
            (!with_options &&
             std::any_of(kept.begin(), kept.end(), [&](const SdpCodec& c) { return codec_matches(c, spec); })))
            continue;
        std::vector<SdpCodec> present = kept;
        present.insert(present.end(), out.added.begin(), out.added.end());
        SdpCodec added;
        if (!make_added(spec, present, added))
            continue;
        auto at = kept.begin() + insert_at();
        at = kept.insert(at, added) + 1;
        out.added.push_back(added);
        if (added.supplemental())
            continue;
        present.push_back(added);
        for (const char* kind : {"CN", "telephone-event"})
            if (auto companion = companion_at_rate(kept, kind, added.clock_rate, present)) {
                at = kept.insert(at, *companion) + 1;
                present.push_back(*companion);
                out.added.push_back(*companion);
            }
    }
    // Where the offer engages transcoding, 10.5 offers the answerer only the codecs it can
    // transcode (telephone-event and CN stay), unless that would leave none. transcode
    // engages it with a codec the offer did not have (one it had, stripped and added
    // again, does not).
    const bool adds_new = std::any_of(out.added.begin(), out.added.end(), [&](const SdpCodec& a) {
        return std::none_of(offered.begin(), offered.end(),
                            [&](const SdpCodec& c) { return codec_matches(c, a.encoding()); });
    });
    if (audio && (transcoding_requested || adds_new || !r.consume.empty() || !r.accept.empty())) {
        std::vector<SdpCodec> usable = kept;
        std::erase_if(usable, [](const SdpCodec& c) { return !c.supplemental() && !transcodable(c); });
        if (std::any_of(usable.begin(), usable.end(), [](const SdpCodec& c) { return !c.supplemental(); }))
            kept = std::move(usable);
    }
    out.changed = kept.size() != offered.size() ||
                  !std::equal(kept.begin(), kept.end(), offered.begin(), [](const SdpCodec& a, const SdpCodec& b) {
                      return a.payload_type == b.payload_type;
                  });
    out.to_answerer = std::move(kept);
    return out;
}

}  // namespace

OfferedCodecs codecs_for_answerer(const std::vector<SdpCodec>& offered, const CodecRequest& r,
                                  std::string_view media_type, bool transcoding_requested) {
    OfferedCodecs out = offered_as_requested(offered, r, media_type == "audio", transcoding_requested);
    apply_set(out.offerer_side, r.set);
    apply_set(out.accepted, r.set);
    return out;
}

}  // namespace rtpe::call
