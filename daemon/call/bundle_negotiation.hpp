#pragma once
// BUNDLE (RFC 9143) in the signalling, with the `bundle` key's `accept` as upstream has it
// (after 10.5, which ignores bundling): a bundled offer is answered bundled, every member
// on the transport of the group's first m= line, while the offer passed on is not bundled
// (each m= line its own ports; a=bundle-only media get ports of their own). Without
// `accept` a bundled offer is treated as if it were not bundled, as upstream 10.5 does.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "sdp/session.hpp"

namespace rtpe::call {

struct BundleGroup {
    std::vector<std::string> mids;     // as the group lists them, of m= lines that exist
    std::vector<std::size_t> indices;  // those m= lines, in the same order
    std::size_t primary() const { return indices.front(); }
    bool member(std::size_t index) const;
    // A member riding the primary's transport.
    bool secondary(std::size_t index) const { return member(index) && index != primary(); }
};

// The first a=group:BUNDLE of an SDP, resolved to its m= lines by a=mid; nullopt without
// one, or when fewer than two of its mids name an m= line.
std::optional<BundleGroup> bundle_group_of(const sdp::Session& session);

// a=bundle-only: offered only as part of the bundle (its port 0 is not a rejection).
bool is_bundle_only(const sdp::MediaSection& section);

}  // namespace rtpe::call
