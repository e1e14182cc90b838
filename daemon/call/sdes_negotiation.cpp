#include "daemon/call/sdes_negotiation.hpp"

#include <algorithm>
#include <stdexcept>

#include "util/log.hpp"

namespace rtpe::call {

bool is_srtp_profile(std::string_view protocol) {
    return protocol == "RTP/SAVP" || protocol == "RTP/SAVPF" || protocol == "UDP/TLS/RTP/SAVP" ||
           protocol == "UDP/TLS/RTP/SAVPF";
}

bool is_plain_rtp_profile(std::string_view protocol) {
    return protocol == "RTP/AVP" || protocol == "RTP/AVPF";
}

std::vector<srtp::SdesCrypto> sdes_of(const sdp::MediaSection& section) {
    std::vector<srtp::SdesCrypto> out;
    for (const auto& a : section.attributes()) {
        if (a.name != "crypto" || !a.value)
            continue;
        std::string error;
        auto crypto = srtp::parse_sdes(*a.value, &error);
        if (!crypto) {
            RTPE_LOG(crypto, log::kWarning, "Failed to parse a=crypto attribute: %s", error.c_str());
            continue;
        }
        if (crypto->suite && !crypto->keys.empty())
            out.push_back(std::move(*crypto));
    }
    return out;
}

namespace {

bool excluded(const srtp::CryptoSuite& suite, const SdesRequest& options) {
    return std::any_of(options.excluded_suites.begin(), options.excluded_suites.end(),
                       [&](const std::string& name) { return srtp::find_suite(name) == &suite; });
}

// The SDES options' session parameters and key lifetime on one of our lines.
void apply_options(srtp::SdesCrypto& c, const SdesRequest& options) {
    for (auto& key : c.keys) {
        // Passed on as upstream writes them: a key lifetime only with the lifetime option.
        key.lifetime.reset();
        if (options.lifetime) {
            key.lifetime = uint64_t{1} << 31;
            key.lifetime_as_power = true;
        }
    }
    if (options.unencrypted_srtp)
        c.unencrypted_srtp = *options.unencrypted_srtp;
    if (options.unencrypted_srtcp)
        c.unencrypted_srtcp = *options.unencrypted_srtcp;
    if (options.unauthenticated_srtp)
        c.unauthenticated_srtp = *options.unauthenticated_srtp;
}

}  // namespace

std::vector<srtp::SdesCrypto> sdes_offer(const std::vector<srtp::SdesCrypto>& from_offerer,
                                         const SdesRequest& options) {
    std::vector<srtp::SdesCrypto> out;
    uint32_t last_tag = 0;
    for (srtp::SdesCrypto c : from_offerer) {
        if (excluded(*c.suite, options))
            continue;
        last_tag = std::max(last_tag, c.tag);
        apply_options(c, options);
        out.push_back(std::move(c));
    }
    for (const srtp::CryptoSuite& suite : srtp::crypto_suites()) {
        const bool offered = std::any_of(out.begin(), out.end(), [&](const srtp::SdesCrypto& c) {
            return c.suite == &suite;
        });
        if (offered || excluded(suite, options))
            continue;
        srtp::SdesCrypto c = srtp::make_sdes(++last_tag, suite);
        apply_options(c, options);
        out.push_back(std::move(c));
    }
    return out;
}

std::string format_sdes_line(const srtp::SdesCrypto& crypto, const SdesRequest& options) {
    return srtp::format_sdes(crypto, options.pad);
}

std::unique_ptr<SideSrtp> make_side_srtp(const SdesSide& side) {
    if (!side.active())
        return nullptr;
    const srtp::SdesCrypto& in = *side.in;
    const srtp::SdesCrypto& out = *side.out;
    try {
        return std::unique_ptr<SideSrtp>(new SideSrtp{
            srtp::Context(*in.suite, in.keys.front().key, in.keys.front().salt, in.context_options()),
            srtp::Context(*out.suite, out.keys.front().key, out.keys.front().salt, out.context_options()), in, out});
    } catch (const std::invalid_argument& e) {
        RTPE_LOG(crypto, log::kWarning, "Unusable SRTP key parameters (%s): no SRTP with this peer", e.what());
        return nullptr;
    }
}

namespace {
bool same_params(const srtp::SdesCrypto& a, const srtp::SdesCrypto& b) {
    return a.suite == b.suite && a.keys == b.keys && a.unencrypted_srtp == b.unencrypted_srtp &&
           a.unencrypted_srtcp == b.unencrypted_srtcp && a.unauthenticated_srtp == b.unauthenticated_srtp &&
           a.kdr == b.kdr;
}
}  // namespace

bool same_keys(const SideSrtp& contexts, const SdesSide& side) {
    return side.active() && same_params(contexts.in_params, *side.in) && same_params(contexts.out_params, *side.out);
}

bool srtp_passes_through(const SideSrtp& from, const SideSrtp& to) {
    return same_params(from.in_params, to.out_params);
}

}  // namespace rtpe::call
