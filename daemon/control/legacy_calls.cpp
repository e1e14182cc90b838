#include "daemon/control/legacy_calls.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <mutex>
#include <optional>

#include "daemon/version.hpp"
#include "net/address.hpp"
#include "util/log.hpp"

namespace rtpe::control {

namespace {

// The capability dates (VF) upstream answers 1 to: the basic protocol, support for
// multiple streams ("num" after tags), and the Q command.
constexpr std::string_view kCapabilities[] = {"20040107", "20050322", "20060704"};
constexpr std::string_view kProtocolVersion = "20040107";
// The most streams (m= lines) one rtpproxy call side may have: the SDP made up for a
// command repeats every stream up to the one it names.
constexpr int kMaxStreams = 64;

std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
            ++i;
        const std::size_t start = i;
        while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])))
            ++i;
        if (i > start)
            words.push_back(text.substr(start, i - start));
    }
    return words;
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<uint16_t> parse_port(std::string_view s) {
    unsigned value = 0;
    if (!all_digits(s) || s.size() > 5)
        return std::nullopt;
    std::from_chars(s.data(), s.data() + s.size(), value);
    if (value > 65535)
        return std::nullopt;
    return static_cast<uint16_t>(value);
}

// What an rtpproxy address token looks like (dotted IPv4, or IPv6 hex and colons with an
// optional dotted tail); whether it is a valid address is checked separately.
bool looks_like_address(std::string_view s) {
    if (s.empty())
        return false;
    const bool dotted = std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
    const bool hex = std::all_of(s.begin(), s.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
    });
    return dotted || (hex && s.find(':') != std::string_view::npos);
}

// "tag;num": the tag and its stream number (1 when absent or 0).
std::pair<std::string_view, int> tag_and_number(std::string_view word) {
    const auto semicolon = word.rfind(';');
    if (semicolon == std::string_view::npos || !all_digits(word.substr(semicolon + 1)))
        return {word, 1};
    int n = 0;
    const auto digits = word.substr(semicolon + 1);
    if (digits.size() > 6)
        return {word.substr(0, semicolon), 1};
    std::from_chars(digits.data(), digits.data() + digits.size(), n);
    return {word.substr(0, semicolon), n > 0 ? n : 1};
}

// The port and address the rewritten SDP offers for its index-th m= line (1-based).
struct Offered {
    uint16_t port = 0;
    std::string address;
    bool v6 = false;
};

std::optional<Offered> offered_stream(const std::string& sdp, int index) {
    std::string session_address;
    bool session_v6 = false;
    std::optional<Offered> found;
    bool found_has_address = false;
    int current = 0;
    std::size_t pos = 0;
    while (pos < sdp.size()) {
        auto end = sdp.find('\n', pos);
        if (end == std::string::npos)
            end = sdp.size();
        std::string_view line(sdp.data() + pos, end - pos);
        pos = end + 1;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.size() < 2 || line[1] != '=')
            continue;
        const char type = line[0];
        const auto value = line.substr(2);
        if (type == 'm') {
            if (found)
                break;
            ++current;
            if (current == index) {
                const auto words = split_words(value);
                if (words.size() < 2)
                    return std::nullopt;
                auto port_word = words[1];
                if (auto slash = port_word.find('/'); slash != std::string_view::npos)
                    port_word = port_word.substr(0, slash);
                auto port = parse_port(port_word);
                if (!port)
                    return std::nullopt;
                found = Offered{*port, {}, false};
            }
        } else if (type == 'c') {
            const auto words = split_words(value);
            if (words.size() < 3)
                continue;
            auto address = std::string(words[2].substr(0, words[2].find('/')));
            const bool v6 = words[1] == "IP6";
            if (current == 0) {
                session_address = address;
                session_v6 = v6;
            } else if (found && current == index) {
                found->address = address;
                found->v6 = v6;
                found_has_address = true;
            }
        }
    }
    if (found && !found_has_address) {
        found->address = session_address;
        found->v6 = session_v6;
    }
    return found;
}

std::string format_offered(std::string_view cookie, const Offered& o) {
    std::string reply(cookie);
    reply += ' ';
    reply += std::to_string(o.port);
    reply += ' ';
    reply += o.address;
    reply += o.v6 ? " 6\n" : " 4\n";
    return reply;
}

std::string with_cookie(std::string_view cookie, std::string_view rest) {
    std::string reply(cookie);
    reply += ' ';
    reply += rest;
    reply += '\n';
    return reply;
}

}  // namespace

std::string LegacyCalls::make_sdp(const TagMedia& media, std::string_view payload_types) {
    // The first stream's address stands in for the whole session and for streams not
    // described yet (those go in with port 0: not offered).
    const Endpoint& first = media.begin()->second;
    const auto first_ip = net::IpAddress::parse(first.address);
    const char* family = first_ip && first_ip->is_v6() ? "IP6" : "IP4";
    std::string sdp;
    sdp.reserve(256);
    sdp += "v=0\r\no=- 1 1 IN ";
    sdp += family;
    sdp += ' ' + first.address + "\r\ns=-\r\nc=IN ";
    sdp += family;
    sdp += ' ' + first.address + "\r\nt=0 0\r\n";
    const int last = media.rbegin()->first;
    for (int i = 1; i <= last; ++i) {
        auto it = media.find(i);
        const Endpoint& e = it != media.end() ? it->second : first;
        const uint16_t port = it != media.end() ? e.port : 0;
        const auto ip = net::IpAddress::parse(e.address);
        sdp += "m=audio " + std::to_string(port) + " RTP/AVP ";
        sdp += payload_types;
        sdp += "\r\nc=IN ";
        sdp += ip && ip->is_v6() ? "IP6" : "IP4";
        sdp += ' ' + e.address + "\r\n";
    }
    return sdp;
}

void LegacyCalls::prune() {
    for (auto it = media_.begin(); it != media_.end();) {
        auto call = service_.registry().find(it->first);
        if (!call)
            it = media_.erase(it);
        else
            ++it;
    }
}

// ---------------------------------------------------------------------------------------
// rtpproxy over UDP

std::string LegacyCalls::rtpproxy(std::string_view datagram, const std::string& sender) {
    const auto words = split_words(datagram);
    if (words.empty())
        return {};
    const std::string_view cookie = words[0];
    if (words.size() < 2)
        return with_cookie(cookie, "E8");
    const std::string_view command = words[1];
    const char letter = static_cast<char>(std::toupper(static_cast<unsigned char>(command[0])));
    const std::string_view modifiers = command.substr(1);
    const std::vector<std::string_view> args(words.begin() + 2, words.end());

    // Keeps memory bounded when clients never delete: now and then forget what the
    // registry no longer has.
    if (media_.size() > 2 * service_.registry().size() + 256)
        prune();

    try {
        switch (letter) {
        case 'V':
            if (!modifiers.empty() && std::toupper(static_cast<unsigned char>(modifiers[0])) == 'F') {
                if (args.empty())
                    return with_cookie(cookie, "E8");  // upstream crashes here
                const bool known =
                    std::find(std::begin(kCapabilities), std::end(kCapabilities), args[0]) != std::end(kCapabilities);
                return with_cookie(cookie, known ? "1" : "0");
            }
            return with_cookie(cookie, kProtocolVersion);
        case 'U':
        case 'L':
            return rtpproxy_update(letter == 'L', cookie, modifiers, args, sender);
        case 'D':
            return rtpproxy_delete(cookie, args);
        case 'Q':
            return rtpproxy_query(cookie, args);
        default:
            return with_cookie(cookie, "E8");
        }
    } catch (const std::exception& e) {
        RTPE_LOG(control, log::kWarning, "rtpproxy command failed: %s", e.what());
        return with_cookie(cookie, "E8");
    }
}

std::string LegacyCalls::rtpproxy_update(bool lookup, std::string_view cookie, std::string_view modifiers,
                                         const std::vector<std::string_view>& args, const std::string& sender) {
    // callid[;via-branch] address port from-tag[;num] [to-tag[;num] [anything]]
    const bool well_formed = args.size() >= 4 && looks_like_address(args[1]) && all_digits(args[2]);
    if (!well_formed) {
        // As upstream: a U or L too garbled to parse gets its own port and address back
        // (the proxy then leaves the media alone), when it has that many words at all.
        if (args.size() >= 3)
            return std::string(cookie) + " " + std::string(args[2]) + " " + std::string(args[1]) + "\n";
        return with_cookie(cookie, "E8");
    }
    std::string_view call_word = args[0];
    std::string_view via_branch;
    if (auto semicolon = call_word.find(';'); semicolon != std::string_view::npos) {
        via_branch = call_word.substr(semicolon + 1);
        call_word = call_word.substr(0, semicolon);
    }
    if (call_word.empty())
        return with_cookie(cookie, "E8");
    const std::string call_id(call_word);
    log::ScopedPrefix prefix(call_id);

    const auto ip = net::IpAddress::parse(args[1]);
    const auto port = parse_port(args[2]);
    if (!ip || !port) {
        RTPE_LOG(control, log::kErr, "Failed to parse a media stream: %.*s:%.*s", static_cast<int>(args[1].size()),
                 args[1].data(), static_cast<int>(args[2].size()), args[2].data());
        return with_cookie(cookie, "E8");
    }
    auto [from_tag, index] = tag_and_number(args[3]);
    if (index > kMaxStreams || from_tag.empty()) {
        RTPE_LOG(control, log::kWarning, "Stream number %d out of range (1-%d) or empty tag", index, kMaxStreams);
        return with_cookie(cookie, "E8");
    }
    std::string_view to_tag;
    if (args.size() >= 5)
        to_tag = tag_and_number(args[4]).first;

    auto existing = service_.registry().find(call_id);
    if (lookup && !existing) {
        RTPE_LOG(control, log::kWarning, "Got UDP LOOKUP for unknown call-id");
        return with_cookie(cookie, "0 0.0.0.0");
    }
    if (!existing)
        media_.erase(call_id);  // left over from a call that has gone meanwhile

    call::CallRequest request;
    request.source = sender;
    request.call_id = call_id;
    request.from_tag = std::string(from_tag);
    request.to_tag = std::string(to_tag);
    request.via_branch = std::string(via_branch);
    // Modifiers: as upstream, only E and I (external/internal interface, in the order the
    // two sides appear) change anything; codec lists (c0,8,...) shape the made-up SDP.
    std::string payload_types = "0";
    int directions = 0;
    for (std::size_t i = 0; i < modifiers.size(); ++i) {
        const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(modifiers[i])));
        if ((c == 'E' || c == 'I') && directions < 2)
            request.direction[directions++] = c == 'E' ? "external" : "internal";
        else if (c == 'C') {
            std::size_t j = i + 1;
            std::string list;
            while (j < modifiers.size() &&
                   (std::isdigit(static_cast<unsigned char>(modifiers[j])) || modifiers[j] == ',')) {
                list += modifiers[j] == ',' ? ' ' : modifiers[j];
                ++j;
            }
            std::string cleaned;
            for (const auto& w : split_words(list)) {
                if (!cleaned.empty())
                    cleaned += ' ';
                cleaned += w;
            }
            if (!cleaned.empty())
                payload_types = cleaned;
            i = j - 1;
        }
    }

    // The SDP describes the sender of this command's media: the from-tag for U, the
    // to-tag (the answerer) for L.
    const std::string sdp_tag(lookup ? to_tag : from_tag);
    if (lookup && sdp_tag.empty()) {
        RTPE_LOG(control, log::kWarning, "LOOKUP without to-tag");
        return with_cookie(cookie, "E8");
    }
    TagMedia media = media_[call_id][sdp_tag];
    media[index] = Endpoint{ip->to_string(), *port};
    request.sdp = make_sdp(media, payload_types);

    std::string rewritten;
    try {
        rewritten = lookup ? service_.answer(request) : service_.offer(request);
    } catch (const std::exception& e) {
        RTPE_LOG(control, log::kWarning, "%s failed: %s", lookup ? "Lookup" : "Update", e.what());
        if (!service_.registry().find(call_id))
            media_.erase(call_id);
        return with_cookie(cookie, "E8");
    }
    media_[call_id][sdp_tag] = std::move(media);
    auto offered = offered_stream(rewritten, index);
    if (!offered)
        return with_cookie(cookie, "E8");
    auto reply = format_offered(cookie, *offered);
    RTPE_LOG(control, log::kInfo, "Returning to SIP proxy: %.*s", static_cast<int>(reply.size() - 1), reply.data());
    return reply;
}

std::string LegacyCalls::rtpproxy_delete(std::string_view cookie, const std::vector<std::string_view>& args) {
    // callid[;via-branch] from-tag[;num] [to-tag[;num]]
    if (args.size() < 2 || args.size() > 3)
        return with_cookie(cookie, "E8");
    call::CallRequest request;
    std::string_view call_word = args[0];
    if (auto semicolon = call_word.find(';'); semicolon != std::string_view::npos) {
        request.via_branch = std::string(call_word.substr(semicolon + 1));
        call_word = call_word.substr(0, semicolon);
    }
    request.call_id = std::string(call_word);
    request.from_tag = std::string(tag_and_number(args[1]).first);
    if (args.size() == 3)
        request.to_tag = std::string(tag_and_number(args[2]).first);
    log::ScopedPrefix prefix(request.call_id);
    const bool found = service_.remove(request, [](const call::Call&) {});
    bool gone = true;
    if (auto call = service_.registry().find(request.call_id)) {
        std::lock_guard lock(call->mutex());
        gone = call->delete_at.has_value();
    }
    if (gone)
        media_.erase(request.call_id);
    return with_cookie(cookie, found ? "0" : "E8");
}

std::string LegacyCalls::rtpproxy_query(std::string_view cookie, const std::vector<std::string_view>& args) {
    // callid[;via-branch] from-tag[;num] [to-tag[;num]]
    if (args.size() < 2 || args.size() > 3)
        return with_cookie(cookie, "E8");
    std::string_view call_word = args[0].substr(0, args[0].find(';'));
    const std::string from_tag(tag_and_number(args[1]).first);
    const std::string to_tag = args.size() == 3 ? std::string(tag_and_number(args[2]).first) : std::string();
    auto call = service_.registry().find(std::string(call_word));
    if (!call) {
        RTPE_LOG(control, log::kInfo, "Call-ID to query not found");
        return with_cookie(cookie, "E8");
    }
    // Packets from the from-tag's side (RTP, RTCP) and from the to-tag's side (RTP, RTCP).
    uint64_t totals[4] = {0, 0, 0, 0};
    int64_t last_packet = 0;
    {
        std::lock_guard lock(call->mutex());
        last_packet = call->created_s;
        for (const auto& p : call->participants()) {
            const int slot = p->tag == from_tag ? 0 : (!to_tag.empty() && p->tag == to_tag) ? 2 : -1;
            for (const auto& m : p->medias) {
                if (!m->rtp)
                    continue;
                const auto& rtp = m->rtp->counters();
                const auto& rtcp = m->rtcp->counters();
                last_packet = std::max({last_packet, rtp.last_packet(),
                                        rtcp.last_packet()});
                if (slot < 0)
                    continue;
                totals[slot] += rtp.packets();
                totals[slot + 1] += rtcp.packets();
            }
        }
    }
    const int64_t now = time(nullptr);
    std::string reply(cookie);
    reply += ' ' + std::to_string(static_cast<long long>(silent_timeout_) - (now - last_packet));
    for (uint64_t t : totals)
        reply += ' ' + std::to_string(t);
    reply += '\n';
    return reply;
}

// ---------------------------------------------------------------------------------------
// mediaproxy over TCP

LegacyCalls::LineReply LegacyCalls::mediaproxy(std::string_view line, const std::vector<std::string>& connected) {
    const auto tokens = split_words(line);
    // Every form is one line of single-space-separated words; anything else is not understood.
    if (tokens.empty())
        return {};
    const auto& command = tokens[0];
    try {
        if ((command == "request" || command == "lookup") && tokens.size() == 10 &&
            tokens[9].substr(0, 5) == "info=")
            return {mediaproxy_offer_answer(command == "lookup", tokens), true};
        if (command == "delete" && tokens.size() == 3 && tokens[2].substr(0, 5) == "info=") {
            call::CallRequest request;
            request.call_id = std::string(tokens[1]);
            log::ScopedPrefix prefix(request.call_id);
            service_.remove(request, [](const call::Call&) {});
            media_.erase(request.call_id);
            return {"", true};
        }
        if (tokens.size() != 1)
            return {};
        if (command == "status")
            return {mediaproxy_status(), true};
        if (command == "build" || command == "version")
            return {std::string("Version: ") + kVersion + "\n", true};
        if (command == "controls") {
            std::string text;
            for (const auto& peer : connected)
                text += peer + "\n";
            return {text + "End.\n", true};
        }
        if (command == "quit" || command == "exit")
            return {"", true};
    } catch (const std::exception& e) {
        RTPE_LOG(control, log::kWarning, "mediaproxy command failed: %s", e.what());
        return {"", true};
    }
    return {};
}

std::string LegacyCalls::mediaproxy_offer_answer(bool lookup, const std::vector<std::string_view>& tokens) {
    // request|lookup CALLID STREAMS IP FROMDOMAIN FROMTYPE TODOMAIN TOTYPE AGENT info=KEY:VALUE,...
    const std::string call_id(tokens[1]);
    log::ScopedPrefix prefix(call_id);
    std::map<std::string, std::string, std::less<>> info;
    for (std::string_view rest = tokens[9].substr(5); !rest.empty();) {
        const auto comma = rest.find(',');
        const auto item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (item.empty())
            continue;
        const auto colon = item.find(':');
        info[std::string(item.substr(0, colon))] =
            colon == std::string_view::npos ? std::string() : std::string(item.substr(colon + 1));
    }
    // Streams: IPv4:PORT[:anything], comma-separated; those that do not parse are skipped.
    TagMedia media;
    int index = 0;
    for (std::string_view rest = tokens[2]; !rest.empty();) {
        const auto comma = rest.find(',');
        const auto item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        const auto colon = item.find(':');
        if (colon == std::string_view::npos)
            continue;
        const auto address = item.substr(0, colon);
        auto port_text = item.substr(colon + 1);
        port_text = port_text.substr(0, port_text.find(':'));
        const auto ip = net::IpAddress::parse(address);
        const auto port = parse_port(port_text);
        if (!ip || ip->is_v6() || !port) {
            RTPE_LOG(control, log::kWarning, "Failed to parse a media stream: %.*s", static_cast<int>(item.size()),
                     item.data());
            continue;
        }
        media[++index] = Endpoint{ip->to_string(), *port};
    }
    auto from = info.find("fromtag");
    if (from == info.end() || from->second.empty()) {
        RTPE_LOG(control, log::kWarning, "No from-tag in message");
        return {};
    }
    auto to = info.find("totag");
    const std::string to_tag = to == info.end() ? std::string() : to->second;
    if (lookup) {
        if (to_tag.empty()) {
            RTPE_LOG(control, log::kWarning, "No to-tag in message");
            return {};
        }
        if (!service_.registry().find(call_id)) {
            RTPE_LOG(control, log::kWarning, "Got LOOKUP for unknown call-id");
            return {};
        }
    }
    if (media.empty())
        return {};
    call::CallRequest request;
    request.call_id = call_id;
    request.from_tag = from->second;
    request.to_tag = to_tag;
    request.sdp = make_sdp(media, "0");
    std::string rewritten;
    try {
        rewritten = lookup ? service_.answer(request) : service_.offer(request);
    } catch (const std::exception& e) {
        RTPE_LOG(control, log::kWarning, "%s failed: %s", lookup ? "lookup" : "request", e.what());
        return {};
    }
    std::string reply;
    for (int i = 1; i <= index; ++i) {
        auto offered = offered_stream(rewritten, i);
        if (!offered)
            break;
        if (!reply.empty())
            reply += ' ';
        reply += offered->address + " " + std::to_string(offered->port);
    }
    return reply + "\n";
}

std::string LegacyCalls::mediaproxy_status() {
    const auto calls = service_.registry().snapshot();
    const int64_t now = time(nullptr);
    uint64_t bytes = 0;
    std::string sessions;
    for (const auto& call : calls) {
        std::lock_guard lock(call->mutex());
        for (const auto& p : call->participants())
            for (const auto& m : p->medias)
                if (m->rtp)
                    bytes += m->rtp->counters().bytes() +
                             m->rtcp->counters().bytes();
        sessions += "session " + call->id() + " - - - - " + std::to_string(now - call->created_s) + "\n";
    }
    return "proxy " + std::to_string(calls.size()) + " " + std::to_string(bytes) + "/0/0\n" + sessions;
}

}  // namespace rtpe::control
