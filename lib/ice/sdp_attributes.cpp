#include "ice/sdp_attributes.hpp"
#include "util/parse.hpp"

#include <algorithm>
#include <charconv>

namespace rtpe::ice {

std::optional<std::vector<RemoteCandidateRef>> parse_remote_candidates(std::string_view value) {
    const auto w = split_words(value);
    if (w.empty() || w.size() % 3)
        return std::nullopt;
    std::vector<RemoteCandidateRef> out;
    for (std::size_t i = 0; i < w.size(); i += 3) {
        RemoteCandidateRef r;
        const auto component = parse_number<unsigned>(w[i]);
        const auto port = parse_number<uint16_t>(w[i + 2]);
        if (!component || *component < 1 || *component > 256 || !port)
            return std::nullopt;
        r.component = *component;
        r.port = *port;
        r.address = w[i + 1];
        out.push_back(std::move(r));
    }
    return out;
}

std::string format_remote_candidates(const std::vector<RemoteCandidateRef>& refs) {
    std::string out;
    for (const auto& r : refs) {
        if (!out.empty())
            out += ' ';
        out += std::to_string(r.component) + ' ' + r.address + ' ' + std::to_string(r.port);
    }
    return out;
}

bool SdpIce::has_option(std::string_view option) const {
    return std::find(options.begin(), options.end(), option) != options.end();
}

bool SdpIce::absorb(std::string_view name, std::string_view value) {
    if (name == "candidate") {
        if (auto c = parse_candidate(value))
            candidates.push_back(std::move(*c));
        else
            ++malformed_candidates;
        return true;
    }
    if (name == "ice-ufrag") {
        credentials.ufrag = value;
        return true;
    }
    if (name == "ice-pwd") {
        credentials.pwd = value;
        return true;
    }
    if (name == "ice-options") {
        options.clear();
        for (auto w : split_words(value))
            options.emplace_back(w);
        return true;
    }
    if (name == "ice-lite") {
        lite = true;
        return true;
    }
    if (name == "end-of-candidates") {
        end_of_candidates = true;
        return true;
    }
    if (name == "remote-candidates") {
        if (auto refs = parse_remote_candidates(value))
            remote_candidates = std::move(*refs);
        return true;
    }
    return false;
}

std::vector<std::pair<std::string, std::string>> SdpIce::to_attributes() const {
    std::vector<std::pair<std::string, std::string>> out;
    if (lite)
        out.emplace_back("ice-lite", "");
    if (!credentials.ufrag.empty())
        out.emplace_back("ice-ufrag", credentials.ufrag);
    if (!credentials.pwd.empty())
        out.emplace_back("ice-pwd", credentials.pwd);
    if (!options.empty()) {
        std::string joined;
        for (const auto& o : options)
            joined += (joined.empty() ? "" : " ") + o;
        out.emplace_back("ice-options", joined);
    }
    for (const auto& c : candidates)
        out.emplace_back("candidate", format_candidate(c));
    if (!remote_candidates.empty())
        out.emplace_back("remote-candidates", format_remote_candidates(remote_candidates));
    if (end_of_candidates)
        out.emplace_back("end-of-candidates", "");
    return out;
}

}  // namespace rtpe::ice
