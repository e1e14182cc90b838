#include "daemon/media/bundle_routes.hpp"

#include "daemon/media/sink.hpp"

namespace rtpe::media {

namespace {
uint32_t be32(const uint8_t* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
}  // namespace

const BundleRoute* BundleRoutes::by_ssrc(uint32_t ssrc) const {
    for (const Known& k : known_)
        if (k.used && k.ssrc == ssrc)
            return &routes_[k.route];
    return nullptr;
}

void BundleRoutes::remember(uint32_t ssrc, std::size_t route) {
    known_[next_] = {ssrc, static_cast<uint32_t>(route), true};
    next_ = (next_ + 1) % known_.size();
}

const BundleRoute* BundleRoutes::route(const Packet& packet) {
    if (routes_.empty())
        return nullptr;
    if (packet.is_rtp) {
        if (mid_extension_)
            if (auto mid = rtp::header_extension(packet.data, packet.length, mid_extension_))
                for (std::size_t i = 0; i < routes_.size(); ++i)
                    if (std::string_view(reinterpret_cast<const char*>(mid->data()), mid->size()) == routes_[i].mid) {
                        if (!by_ssrc(packet.header.ssrc))
                            remember(packet.header.ssrc, i);
                        return &routes_[i];
                    }
        if (const BundleRoute* r = by_ssrc(packet.header.ssrc))
            return r;
        for (std::size_t i = 0; i < routes_.size(); ++i)
            if (routes_[i].payload_types.test(packet.header.payload_type)) {
                remember(packet.header.ssrc, i);
                return &routes_[i];
            }
        return &routes_.front();
    }
    if (packet.length >= 8 && rtp::has_rtcp_header(packet.data, packet.length))
        if (const BundleRoute* r = by_ssrc(be32(packet.data + 4)))
            return r;
    return &routes_.front();
}

}  // namespace rtpe::media
