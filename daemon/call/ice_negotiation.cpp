#include "daemon/call/ice_negotiation.hpp"

namespace rtpe::call {

ice::SdpIce ice_of(const sdp::Session& session, std::size_t index) {
    ice::SdpIce ice;
    for (const sdp::Section* section : {static_cast<const sdp::Section*>(&session.session()), static_cast<const sdp::Section*>(&session.media()[index])})
        for (const auto& a : section->attributes())
            ice.absorb(a.name, a.value.value_or(""));
    return ice;
}

bool speaks_ice(const ice::SdpIce& sdp) {
    return !sdp.credentials.ufrag.empty() || !sdp.candidates.empty() || sdp.malformed_candidates;
}

void IceSide::take(const ice::SdpIce& sdp) {
    enabled = speaks_ice(sdp);
    trickle = sdp.trickle();
    lite_peer = sdp.lite;
    if (!remote.ufrag.empty() && !(remote == sdp.credentials))
        local = {};  // a restart: both sides start over with new credentials
    remote = sdp.credentials;
    remote_candidates = sdp.candidates;
    remote_done = !trickle || sdp.end_of_candidates;
}

const ice::Credentials& IceSide::local_credentials() {
    if (local.ufrag.empty())
        local = ice::generate_credentials();
    return local;
}

}  // namespace rtpe::call
