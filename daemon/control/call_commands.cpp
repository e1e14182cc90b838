#include "daemon/control/call_commands.hpp"

#include "daemon/call/call_request.hpp"
#include "daemon/control/call_report.hpp"
#include "daemon/control/ng_values.hpp"

namespace rtpe::control {

void add_call_commands(NgCommandTable& table, call::CallService& service) {
    table.add("offer", [&service](const NgRequest& r, bencode::Value& reply) {
        auto request = call::parse_call_request(r.dictionary);
        request.source = r.sender.to_string();
        const auto ip = r.sender.ip();
        request.source_ip = ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string();
        try {
            reply.set("sdp", bencode::Value::adopt_string(service.offer(request)));
        } catch (const call::LimitReached& e) {
            // Clients that announce "load limit" get the specific reason in a result they
            // can act on (Kamailio tries another rtpengine); the others get upstream's one
            // reason for every limit.
            if (!request.supports_load_limit)
                throw NgError("Parallel session limit reached");
            reply.set("result", "load limit");
            reply.set("message", e.what());
        }
    });
    table.add("answer", [&service](const NgRequest& r, bencode::Value& reply) {
        reply.set("sdp", bencode::Value::adopt_string(service.answer(call::parse_call_request(r.dictionary))));
    });
    table.add("delete", [&service](const NgRequest& r, bencode::Value& reply) {
        const auto request = call::parse_call_request(r.dictionary);
        // Upstream reports statistics only to a delete that names the from-tag.
        const bool found = service.remove(request, [&](const call::Call& call) {
            if (!request.from_tag.empty())
                report_call(call, reply);
        });
        if (!found)
            reply.set("warning", "Call-ID not found or tags didn't match");
    });
    table.add("query", [&service](const NgRequest& r, bencode::Value& reply) {
        const std::string* id = r.dictionary.find_string("call-id");
        auto call = id ? service.registry().find(*id) : nullptr;
        if (!call)
            throw NgError("Unknown call-id");
        service.apply_media_events();
        std::lock_guard lock(call->mutex());
        report_call(*call, reply);
    });
    table.add("list", [&service](const NgRequest& r, bencode::Value& reply) {
        int64_t limit = 32;
        if (auto n = integer_of(r.dictionary, "limit"); n && *n >= 0)
            limit = *n;
        bencode::Value calls = bencode::Value::list();
        for (const auto& call : service.registry().snapshot()) {
            if (static_cast<int64_t>(calls.as_list().size()) >= limit)
                break;
            calls.push_back(bencode::Value::string(call->id()));
        }
        reply.set("calls", std::move(calls));
    });
}

}  // namespace rtpe::control
