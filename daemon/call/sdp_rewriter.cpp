#include "daemon/call/sdp_rewriter.hpp"

#include <algorithm>
#include <array>

#include "ice/candidate.hpp"
#include "rtp/payload_types.hpp"

namespace rtpe::call {

namespace {

using sdp::Attribute;
using sdp::Line;
using sdp::LineEnding;

std::string addr_type_of(const net::IpAddress& address) {
    return address.is_v6() ? "IP6" : "IP4";
}

bool is_ice_attribute(std::string_view name) {
    static constexpr std::array<std::string_view, 8> kIce = {
        "ice-ufrag", "ice-pwd", "candidate", "ice-options", "remote-candidates", "end-of-candidates",
        "ice-lite",  "ice-mismatch"};
    return std::find(kIce.begin(), kIce.end(), name) != kIce.end();
}

bool is_relay_candidate(const std::optional<std::string>& value) {
    const auto candidate = value ? ice::parse_candidate(*value) : std::nullopt;
    return candidate && candidate->type == ice::CandidateType::relay;
}

// The payload type an rtpmap, fmtp or rtcp-fb value is about ("96 opus/48000/2" -> "96").
std::string_view leading_token(const std::optional<std::string>& value) {
    if (!value)
        return {};
    std::string_view v = *value;
    return v.substr(0, v.find(' '));
}

// An rtpmap as upstream prints it: a channel count of one is left out
// ("0 PCMU/8000/1" -> "0 PCMU/8000", "96 opus/48000/2" stays).
std::string normalized_rtpmap(const std::string& value) {
    const auto space = value.find(' ');
    if (space == std::string::npos)
        return value;
    const auto first = value.find('/', space);
    if (first == std::string::npos)
        return value;
    const auto second = value.find('/', first + 1);
    if (second != std::string::npos && std::string_view(value).substr(second + 1) == "1")
        return value.substr(0, second);
    return value;
}

Line attribute_line(std::string_view name, const std::optional<std::string>& value) {
    // Upstream writes every media-level attribute itself, always with CRLF.
    return Line{'a', sdp::format_attribute(name, value ? std::optional<std::string_view>(*value) : std::nullopt),
                LineEnding::crlf};
}

bool address_is_hold(const sdp::Connection& c) {
    auto ip = net::IpAddress::parse(c.address);
    return ip && ip->is_unspecified();
}

sdp::Connection local_connection(const MediaTarget& target) {
    return {"IN", addr_type_of(target.address), target.address.to_string(), ""};
}

constexpr uint16_t kHostLocalPreference = 65535;
constexpr uint32_t kPassthroughTypePreference = 125;

// Our ICE attributes: credentials, then one host candidate per component (the RTCP one
// only while RTCP may still come to its own port).
void append_ice(std::vector<Line>& out, const MediaTarget& target, bool input_ended_candidates) {
    const IceAdvert& ice = *target.ice;
    if (!ice.credentials.ufrag.empty()) {
        out.push_back(attribute_line("ice-ufrag", ice.credentials.ufrag));
        out.push_back(attribute_line("ice-pwd", ice.credentials.pwd));
    }
    if (ice.trickle)
        out.push_back(attribute_line("ice-options", std::string("trickle")));
    const unsigned components = target.rtcp_on_rtp_port ? 1 : 2;
    for (unsigned component = 1; component <= components; ++component) {
        ice::Candidate c;
        c.foundation = ice::host_foundation(target.address);
        c.component = component;
        // Below every candidate of the peer's own (upstream's 125 type preference, local 0).
        c.priority = ice.low_priority ? (kPassthroughTypePreference << 24) + (256 - component)
                                      : ice::candidate_priority(ice::CandidateType::host, kHostLocalPreference, component);
        c.address = target.address.to_string();
        c.port = component == 1 ? target.rtp_port : target.rtcp_port;
        c.type = ice::CandidateType::host;
        if (ice.relay) {
            // Upstream's relay candidate names itself as its base; beside the peer's own
            // candidates it ranks last (local preference 0).
            c.type = ice::CandidateType::relay;
            c.priority = ice::candidate_priority(c.type, ice.passthrough ? 0 : kHostLocalPreference, component);
            c.related_address = c.address;
            c.related_port = c.port;
        }
        out.push_back(attribute_line("candidate", ice::format_candidate(c)));
    }
    if (ice.trickle || (ice.passthrough && input_ended_candidates))
        out.push_back(attribute_line("end-of-candidates", std::nullopt));
}

// The T.38 gateway's m= line of the other kind: the m= line itself (audio takes the
// target's codecs as formats) and the section without the attributes of the kind it was.
void convert_media(sdp::MediaSection& section, const MediaTarget& target) {
    const MediaConversion& c = *target.conversion;
    sdp::MediaDescription d = section.media();
    const bool was_rtp = is_rtp_protocol(d.proto);
    d.media = c.media;
    d.proto = c.protocol;
    d.formats = c.formats;
    if (target.codecs && is_rtp_protocol(c.protocol)) {
        d.formats.clear();
        for (const auto& codec : *target.codecs)
            d.formats.push_back(codec.payload_type);
    }
    std::vector<Line> lines;
    for (const auto& line : section.lines()) {
        if (line.type == 'm') {
            lines.push_back(Line{'m', sdp::format_media(d), line.ending});
            continue;
        }
        if (line.type == 'a') {
            const std::string name = sdp::parse_attribute(line.value).name;
            const bool rtp_only = name == "rtpmap" || name == "fmtp" || name == "rtcp-fb" || name == "ptime" ||
                                  name == "maxptime" || name == "rtcp" || name == "rtcp-mux";
            if (was_rtp ? rtp_only : name.rfind("T38", 0) == 0)
                continue;
        }
        lines.push_back(line);
    }
    section.set_lines(std::move(lines));
}

// The media section in upstream's order: m= and its other non-attribute lines, then
// uninterpreted attributes, a=mid, the codec block, direction, a=rtcp, a=rtcp-mux, SDES
// a=crypto, DTLS a=setup and a=fingerprint, a=ptime, and ICE. The participant's own ICE attributes never pass: we are its only candidate.
void rewrite_media(sdp::MediaSection& section, std::size_t index, const MediaTarget& target, sdp::Direction direction,
                   bool had_direction, const RewriteOptions& options) {
    if (target.conversion)
        convert_media(section, target);
    auto description = section.media();
    // An answer goes back in the offer's protocol, unless transport-protocol names another.
    if (options.transport_protocol && is_rtp_protocol(description.proto))
        section.set_proto(*options.transport_protocol);
    else if (target.offered)
        section.set_proto(target.offered->protocol);

    if (description.is_rejected() && !target.sender_bundled) {
        // A rejected stream is answered with its bare m= line.
        section.set_lines({section.lines().front()});
        return;
    }
    // ICE=force-relay leaves the sender's own transport (port, c=, rtcp attributes) as it was.
    const bool relay = target.ice && target.ice->relay;
    if (!relay)
        section.set_port(target.rtp_port);

    const bool rtp = is_rtp_protocol(description.proto);
    std::vector<std::string> formats = description.formats;
    if (rtp && target.codecs) {
        formats.clear();
        for (const auto& c : *target.codecs)
            formats.push_back(c.payload_type);
    } else if (rtp && target.offered) {
        const auto& allowed = target.offered->formats;
        std::vector<std::string> common = formats;
        std::erase_if(common, [&](const std::string& pt) {
            return std::find(allowed.begin(), allowed.end(), pt) == allowed.end();
        });
        // With nothing in common the answer is passed on as it is.
        if (!common.empty())
            formats = std::move(common);
    }

    std::vector<Line> out;
    std::vector<Attribute> attributes;
    for (const auto& line : section.lines()) {
        if (line.type == 'a') {
            attributes.push_back(sdp::parse_attribute(line.value));
            continue;
        }
        if (line.type == 'm') {
            Line m = line;
            if (formats != description.formats) {
                auto d = sdp::parse_media(m.value);
                d->formats = formats;
                m.value = sdp::format_media(*d);
            }
            out.push_back(std::move(m));
            continue;
        }
        if (line.type == 'c') {
            auto c = sdp::parse_connection(line.value);
            if (c && !relay && (!address_is_hold(*c) || target.address_overridden)) {
                out.push_back(Line{'c', sdp::format_connection(local_connection(target)), line.ending});
                continue;
            }
        }
        out.push_back(line);
    }

    std::optional<std::string> mid, ptime;
    // ICE passthrough keeps the participant's own ICE attributes where they were (its
    // a=end-of-candidates moves behind our candidates).
    const bool passthrough = target.ice && target.ice->passthrough;
    const bool ended_candidates = std::any_of(attributes.begin(), attributes.end(), [](const Attribute& a) {
        return a.name == "end-of-candidates";
    });
    // With original-sendrecv the direction attribute stays where it was, as it came.
    const bool keep_direction = options.original_sendrecv && !options.direction;
    for (const auto& a : attributes) {
        const bool codec = rtp && (a.name == "rtpmap" || a.name == "fmtp" ||
                                   (a.name == "rtcp-fb" && leading_token(a.value) != "*"));
        if (relay && (a.name == "rtcp" || a.name == "rtcp-mux"))
            out.push_back(attribute_line(a.name, a.value));
        else if (relay && a.name == "candidate" && is_relay_candidate(a.value))
            continue;  // we are the relay
        else if (a.name == "mid")
            mid = a.value;
        else if (a.name == "ptime")
            ptime = a.value;
        else if (codec || a.name == "rtcp" || a.name == "rtcp-mux" || a.name == "setup" || a.name == "crypto" ||
                 a.name == "fingerprint")
            continue;  // setup: DTLS roles are the daemon's own (none on plain media)
        else if (sdp::parse_direction(a.name) && !keep_direction)
            continue;
        else if (is_ice_attribute(a.name) && !(passthrough && a.name != "end-of-candidates"))
            continue;
        else if (options.strip_extmap && a.name == "extmap")
            continue;
        else if (a.name == "bundle-only")
            continue;  // we never offer bundle-only media
        else
            out.push_back(attribute_line(a.name, a.value));
    }
    if (target.offered) {
        if (!mid)
            mid = target.offered->mid;
        if (!ptime)
            ptime = target.offered->ptime;
    }
    if (target.ptime)
        ptime = *target.ptime;

    // generate-mid: media without one are named by their position, from 1 (as upstream).
    if (!mid && options.generate_mid)
        mid = std::to_string(index + 1);
    if (mid)
        out.push_back(attribute_line("mid", mid));
    if (target.mid_extmap && std::none_of(attributes.begin(), attributes.end(), [](const Attribute& a) {
            return a.name == "extmap" && a.value && a.value->find(kMidExtensionUri) != std::string::npos;
        }))
        out.push_back(attribute_line("extmap", target.mid_extmap));
    if (rtp && target.codecs) {
        for (const SdpCodec& c : *target.codecs) {
            if (c.rtpmap)
                out.push_back(attribute_line("rtpmap", normalized_rtpmap(*c.rtpmap)));
            else if (auto known = rtp::static_rtpmap(c.payload_type))
                out.push_back(attribute_line("rtpmap", c.payload_type + " " + std::string(*known)));
            if (c.fmtp)
                out.push_back(attribute_line("fmtp", c.fmtp));
            for (const auto& fb : c.rtcp_fb)
                out.push_back(attribute_line("rtcp-fb", fb));
        }
    } else if (rtp) {
        for (const auto& pt : formats) {
            bool mapped = false;
            for (const auto& a : attributes)
                if (a.name == "rtpmap" && leading_token(a.value) == pt && !mapped) {
                    out.push_back(attribute_line("rtpmap", normalized_rtpmap(*a.value)));
                    mapped = true;
                }
            if (!mapped)
                if (auto known = rtp::static_rtpmap(pt))
                    out.push_back(attribute_line("rtpmap", pt + " " + std::string(*known)));
            for (const char* name : {"fmtp", "rtcp-fb"})
                for (const auto& a : attributes)
                    if (a.name == name && leading_token(a.value) == pt)
                        out.push_back(attribute_line(a.name, a.value));
        }
    }
    if (target.conversion)
        for (const auto& [name, value] : target.conversion->attributes)
            out.push_back(attribute_line(name, value));
    if (!keep_direction && (had_direction || !options.original_sendrecv))
        out.push_back(attribute_line(sdp::direction_name(direction), std::nullopt));
    if (rtp && !options.no_rtcp_attribute && !relay) {
        const uint16_t port = target.rtcp_on_rtp_port ? target.rtp_port : target.rtcp_port;
        std::string value = std::to_string(port);
        if (options.full_rtcp_attribute)
            value += " IN " + addr_type_of(target.address) + " " + target.address.to_string();
        out.push_back(attribute_line("rtcp", value));
    }
    // rtcp-mux and ptime are RTP's: other media (udptl, BFCP) lose them.
    if (target.rtcp_mux && rtp && !relay)
        out.push_back(attribute_line("rtcp-mux", std::nullopt));
    for (const auto& crypto : target.crypto)
        out.push_back(attribute_line("crypto", crypto));
    if (target.dtls) {
        out.push_back(attribute_line("setup", target.dtls->setup));
        out.push_back(attribute_line("fingerprint", target.dtls->fingerprint));
    }
    if (ptime && rtp)
        out.push_back(attribute_line("ptime", ptime));
    if (target.ice)
        append_ice(out, target, ended_candidates);
    section.set_lines(std::move(out));
}

}  // namespace

bool is_rtp_protocol(std::string_view proto) {
    return proto.rfind("RTP/", 0) == 0 || proto.find("/RTP/") != std::string_view::npos;
}

sdp::Direction effective_direction(const sdp::Session& session, std::size_t index) {
    if (auto d = session.media()[index].direction())
        return *d;
    if (auto d = session.session().direction())
        return *d;
    auto c = session.connection(index);
    if (c && address_is_hold(*c))
        return sdp::Direction::sendonly;
    return sdp::Direction::sendrecv;
}

OfferedMedia offered_media(const sdp::MediaSection& section) {
    OfferedMedia o;
    const auto description = section.media();
    o.protocol = description.proto;
    o.formats = description.formats;
    if (auto mid = section.attribute("mid"))
        o.mid = mid->value;
    if (auto ptime = section.attribute("ptime"))
        o.ptime = ptime->value;
    o.rtcp_mux = section.attribute("rtcp-mux").has_value();
    o.codecs = sdp_codecs(section);
    for (const auto& a : section.attributes())
        if (a.name == "extmap" && a.value && a.value->find(kMidExtensionUri) != std::string::npos)
            o.mid_extmap = a.value;
    return o;
}

std::string rewrite_sdp(sdp::Session session, const std::vector<MediaTarget>& targets, const RewriteOptions& options) {
    const std::size_t count = std::min(session.media().size(), targets.size());

    // Decisions that need the SDP as it came in.
    std::vector<sdp::Direction> directions;
    std::vector<bool> had_direction;
    bool some_media_lacks_connection = false;
    for (std::size_t i = 0; i < count; ++i) {
        directions.push_back(effective_direction(session, i));
        had_direction.push_back(session.media()[i].direction() || session.session().direction());
        if (!session.media()[i].is_rejected() && !session.media()[i].connection())
            some_media_lacks_connection = true;
    }

    const MediaTarget* first = nullptr;
    std::optional<sdp::Connection> first_connection;  // its c=, own or the session's
    for (std::size_t i = 0; i < count && !first; ++i)
        if (!session.media()[i].is_rejected()) {
            first = &targets[i];
            first_connection = session.connection(i);
        }

    auto& top = session.session();
    // ICE=force-relay leaves o= and c= as the sender wrote them.
    if (first && first->ice && first->ice->relay)
        first = nullptr;
    if (first && options.replace_origin)
        session.set_origin_address(addr_type_of(first->address), first->address.to_string());
    // The session c= says what the first media's c= says: our address, or its hold address
    // (replace: session-connection rewrites it even when every media has its own c=).
    if (first && (some_media_lacks_connection || options.replace_session_connection))
        if (top.connection()) {
            if (first_connection && address_is_hold(*first_connection) && !first->address_overridden) {
                if (!(*top.connection() == *first_connection))
                    top.set_connection(*first_connection);
            } else
                top.set_connection(local_connection(*first));
        }
    // A session-level direction becomes each media's own (original-sendrecv leaves it).
    if (!options.original_sendrecv || options.direction)
        for (const char* name : {"sendrecv", "sendonly", "recvonly", "inactive"})
            top.remove_attributes(name);
    // A BUNDLE group is not passed on (as upstream 10.5): each media goes on its own ports.
    // Towards a participant whose bundle we took (bundle=accept), our own group names the
    // one transport.
    {
        auto lines = top.lines();
        std::erase_if(lines, [](const Line& l) { return l.type == 'a' && l.value.rfind("group:BUNDLE", 0) == 0; });
        if (options.bundle_group)
            lines.push_back(Line{'a', "group:" + *options.bundle_group, LineEnding::crlf});
        top.set_lines(std::move(lines));
    }
    const bool passthrough = std::any_of(targets.begin(), targets.begin() + static_cast<std::ptrdiff_t>(count),
                                         [](const MediaTarget& t) { return t.ice && t.ice->passthrough; });
    if (!passthrough)
        for (const char* name : {"ice-ufrag", "ice-pwd", "ice-options", "ice-lite"})
            top.remove_attributes(name);
    if (std::any_of(targets.begin(), targets.begin() + static_cast<std::ptrdiff_t>(count),
                    [](const MediaTarget& t) { return t.ice && t.ice->lite; })) {
        auto lines = top.lines();
        lines.push_back(Line{'a', "ice-lite", LineEnding::crlf});
        top.set_lines(std::move(lines));
    }
    if (options.loop_protect_token) {
        auto lines = top.lines();
        lines.push_back(Line{'a', std::string(kLoopProtectAttribute) + ":" + *options.loop_protect_token,
                             LineEnding::crlf});
        top.set_lines(std::move(lines));
    }

    for (std::size_t i = 0; i < count; ++i)
        rewrite_media(session.media()[i], i, targets[i], options.direction.value_or(directions[i]),
                      had_direction[i] || options.direction, options);
    return sdp::print(session);
}

std::vector<std::string> codec_attributes(const sdp::MediaSection& section, const std::vector<std::string>& formats) {
    std::vector<std::string> out;
    const auto attributes = section.attributes();
    for (const auto& pt : formats) {
        bool mapped = false;
        for (const auto& a : attributes)
            if (a.name == "rtpmap" && leading_token(a.value) == pt && !mapped) {
                out.push_back("rtpmap:" + normalized_rtpmap(*a.value));
                mapped = true;
            }
        if (!mapped)
            if (auto known = rtp::static_rtpmap(pt))
                out.push_back("rtpmap:" + pt + " " + std::string(*known));
        for (const auto& a : attributes)
            if (a.name == "fmtp" && leading_token(a.value) == pt)
                out.push_back("fmtp:" + *a.value);
    }
    return out;
}

std::string generate_sdp(const std::vector<GeneratedMedia>& media, sdp::Direction direction,
                         const std::string& session_name, uint64_t session_id) {
    const MediaTarget* first = nullptr;
    for (const auto& m : media)
        if (m.target.rtp_port && !first)
            first = &m.target;
    const std::string origin_address = first ? first->address.to_string() : "0.0.0.0";
    const std::string origin_type = first ? addr_type_of(first->address) : "IP4";
    std::string out = "v=0\r\no=- " + std::to_string(session_id) + " " + std::to_string(session_id) + " IN " +
                      origin_type + " " + origin_address + "\r\ns=" + session_name + "\r\nt=0 0\r\n";
    for (const auto& m : media) {
        std::string formats;
        for (const auto& f : m.formats)
            formats += " " + f;
        out += "m=" + m.type + " " + std::to_string(m.target.rtp_port) + " " + m.protocol + formats + "\r\n";
        if (!m.target.rtp_port)
            continue;  // rejected: the bare m= line
        out += "c=IN " + addr_type_of(m.target.address) + " " + m.target.address.to_string() + "\r\n";
        for (const auto& a : m.codec_attributes)
            out += "a=" + a + "\r\n";
        out += "a=" + std::string(sdp::direction_name(direction)) + "\r\n";
        out += "a=rtcp:" + std::to_string(m.target.rtcp_port) + "\r\n";
        if (m.ptime)
            out += "a=ptime:" + *m.ptime + "\r\n";
    }
    return out;
}

}  // namespace rtpe::call
