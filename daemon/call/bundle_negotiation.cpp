#include "daemon/call/bundle_negotiation.hpp"

#include <algorithm>

#include "util/parse.hpp"

namespace rtpe::call {

bool BundleGroup::member(std::size_t index) const {
    return std::find(indices.begin(), indices.end(), index) != indices.end();
}

std::optional<BundleGroup> bundle_group_of(const sdp::Session& session) {
    for (const auto& a : session.session().attributes()) {
        if (a.name != "group" || !a.value)
            continue;
        const auto words = split_words(*a.value);
        if (words.empty() || words.front() != "BUNDLE")
            continue;
        BundleGroup group;
        for (std::size_t w = 1; w < words.size(); ++w)
            for (std::size_t i = 0; i < session.media().size(); ++i) {
                auto mid = session.media()[i].attribute("mid");
                if (mid && mid->value == words[w] && !group.member(i)) {
                    group.mids.push_back(std::string(words[w]));
                    group.indices.push_back(i);
                    break;
                }
            }
        if (group.indices.size() < 2)
            return std::nullopt;
        return group;
    }
    return std::nullopt;
}

bool is_bundle_only(const sdp::MediaSection& section) {
    return section.attribute("bundle-only").has_value();
}

}  // namespace rtpe::call
