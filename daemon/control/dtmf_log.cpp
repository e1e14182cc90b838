#include "daemon/control/dtmf_log.hpp"

#include <sys/socket.h>

#include "bencode/codec.hpp"
#include "json/json_codec.hpp"
#include "util/log.hpp"
#include "util/random.hpp"

namespace rtpe::control {

namespace {

// Upstream's DTMF JSON object (source_label only when the participant has a label).
bencode::Value dtmf_document(const call::DtmfReport& r) {
    auto d = bencode::Value::dictionary();
    d.set("callid", r.call_id);
    d.set("source_tag", r.source_tag);
    if (!r.source_label.empty())
        d.set("source_label", r.source_label);
    auto tags = bencode::Value::list();
    for (const auto& tag : r.tags)
        tags.push_back(bencode::Value::string(tag));
    d.set("tags", std::move(tags));
    d.set("type", "DTMF");
    d.set("timestamp", bencode::Value::integer(r.timestamp));
    d.set("source_ip", r.source.ip().to_string());
    d.set("event", bencode::Value::integer(r.event));
    d.set("duration", bencode::Value::integer(r.duration_ms));
    d.set("volume", bencode::Value::integer(r.volume));
    return d;
}

}  // namespace

DtmfLog::DtmfLog(Settings settings, std::function<void(std::string_view)> ng_tcp_broadcast)
    : settings_(std::move(settings)), ng_tcp_broadcast_(std::move(ng_tcp_broadcast)) {}

void DtmfLog::report(const call::DtmfReport& r) {
    RTPE_LOG(core, log::kInfo, "DTMF event %d (%u ms, volume %d) from %s on call %s", r.event, r.duration_ms,
             r.volume, r.source_tag.c_str(), r.call_id.c_str());
    const auto destination = r.call_destination ? r.call_destination : settings_.destination;
    if (!settings_.syslog_facility && !destination && !settings_.ng_tcp)
        return;
    bencode::Value document = dtmf_document(r);
    const std::string json = json::encode(document);
    if (settings_.syslog_facility)
        log::write_syslog(*settings_.syslog_facility | log::kInfo, json);
    if (destination)
        send_udp(*destination, json);
    if (settings_.ng_tcp && ng_tcp_broadcast_) {
        auto message = bencode::Value::dictionary();
        message.set("notify", "onDTMF");
        message.set("data", std::move(document));
        // An ng notification's cookie: 16 hex digits, as upstream makes them.
        ng_tcp_broadcast_(random_hex(16) + " " + bencode::encode(message));
    }
}

void DtmfLog::send_udp(const net::SocketAddress& to, std::string_view json) {
    net::Fd& fd = to.family() == AF_INET6 ? udp6_ : udp4_;
    if (!fd.valid()) {
        auto made = net::bind_udp(net::SocketAddress(net::IpAddress::any(to.family()), 0));
        if (!made.fd.valid()) {
            RTPE_LOG(core, log::kWarning, "Cannot send DTMF events to %s: %s", to.to_string().c_str(),
                     made.error.c_str());
            return;
        }
        fd = std::move(made.fd);
    }
    if (sendto(fd.get(), json.data(), json.size(), 0, to.sockaddr_ptr(), to.length()) < 0)
        RTPE_LOG(core, log::kDebug, "Sending a DTMF event to %s failed", to.to_string().c_str());
}

}  // namespace rtpe::control
