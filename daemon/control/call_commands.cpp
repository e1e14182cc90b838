#include "daemon/control/call_commands.hpp"

#include <algorithm>
#include <tuple>

#include "codec/telephone_event.hpp"

#include "daemon/call/call_error.hpp"
#include "daemon/control/call_request_parser.hpp"
#include "daemon/control/call_report.hpp"
#include "daemon/control/ng_values.hpp"

namespace rtpe::control {

namespace {

// The call model's refusals are answered as ng errors with their reasons.
void add_call_command(NgCommandTable& table, std::string name, NgCommandTable::Handler handler) {
    table.add(std::move(name), [handler = std::move(handler)](const NgRequest& r, bencode::Value& reply) {
        try {
            handler(r, reply);
        } catch (const call::CallError& e) {
            throw NgError(e.what());
        }
    });
}

// A request that may create a call, which remembers the ng client that sent it (for
// list and for --b2b-url's %%: its IP, IPv6 in brackets).
call::CallRequest request_creating_calls(const NgRequest& r) {
    auto request = parse_call_request(r.dictionary);
    request.source = r.sender.to_string();
    const auto ip = r.sender.ip();
    request.source_ip = ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string();
    return request;
}

// play DTMF's keys as upstream reads them: code (or digit) 0-15 or one of 0-9*#A-D;
// duration and pause in ms (100-5000), volume in dB below full scale (a positive number
// counts as negative).
media::DtmfInjector::Digit dtmf_digit_of(const bencode::Value& d) {
    media::DtmfInjector::Digit digit;
    const char* key = d.find("code") ? "code" : "digit";
    int event = -1;
    if (auto n = integer_of(d, key); n && *n >= 0 && *n <= 15)
        event = static_cast<int>(*n);
    else if (const std::string text = string_of(d, key); text.size() == 1)
        event = codec::dtmf_digit_to_event(text[0]);
    if (event < 0)
        throw NgError("Out of range 'code' specified");
    digit.event = static_cast<uint8_t>(event);
    auto ms = [&](const char* name, int64_t fallback) {
        return static_cast<uint16_t>(std::clamp<int64_t>(integer_of(d, name).value_or(fallback), 100, 5000));
    };
    digit.duration_ms = ms("duration", 250);
    digit.pause_ms = ms("pause", 100);
    if (auto volume = integer_of(d, "volume"))
        digit.volume = static_cast<uint8_t>(std::min<int64_t>(*volume < 0 ? -*volume : *volume, 63));
    return digit;
}

}  // namespace

void add_call_commands(NgCommandTable& table, call::CallService& service) {
    add_call_command(table, "offer", [&service](const NgRequest& r, bencode::Value& reply) {
        auto request = request_creating_calls(r);
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
    add_call_command(table, "answer", [&service](const NgRequest& r, bencode::Value& reply) {
        reply.set("sdp", bencode::Value::adopt_string(service.answer(parse_call_request(r.dictionary))));
    });
    add_call_command(table, "publish", [&service](const NgRequest& r, bencode::Value& reply) {
        auto request = request_creating_calls(r);
        try {
            reply.set("sdp", bencode::Value::adopt_string(service.publish(request)));
        } catch (const call::LimitReached&) {
            throw NgError("Parallel session limit reached");
        }
    });
    add_call_command(table, "subscribe request", [&service](const NgRequest& r, bencode::Value& reply) {
        auto subscription = service.subscribe_request(parse_call_request(r.dictionary));
        reply.set("sdp", bencode::Value::adopt_string(std::move(subscription.sdp)));
        // Upstream names a single publisher on its own as well.
        if (subscription.from_tags.size() == 1)
            reply.set("from-tag", subscription.from_tags.front());
        auto tags = bencode::Value::list();
        for (auto& tag : subscription.from_tags)
            tags.push_back(bencode::Value::string(tag));
        reply.set("from-tags", std::move(tags));
        reply.set("to-tag", std::move(subscription.to_tag));
    });
    add_call_command(table, "subscribe answer", [&service](const NgRequest& r, bencode::Value&) {
        service.subscribe_answer(parse_call_request(r.dictionary));
    });
    add_call_command(table, "unsubscribe", [&service](const NgRequest& r, bencode::Value&) {
        service.unsubscribe(parse_call_request(r.dictionary));
    });
    // The media commands: block DTMF, block media, silence media and their reverses.
    using Block = call::CallService::MediaBlock;
    for (auto [name, what, on] : {std::tuple{"block DTMF", Block::dtmf, true}, {"unblock DTMF", Block::dtmf, false},
                                  {"block media", Block::media, true}, {"unblock media", Block::media, false},
                                  {"silence media", Block::silence, true}, {"unsilence media", Block::silence, false}})
        add_call_command(table, name, [&service, what, on](const NgRequest& r, bencode::Value&) {
            service.set_media_block(parse_call_request(r.dictionary), what, on);
        });
    add_call_command(table, "play DTMF", [&service](const NgRequest& r, bencode::Value&) {
        service.play_dtmf(parse_call_request(r.dictionary), dtmf_digit_of(r.dictionary));
    });
    add_call_command(table, "play media", [&service](const NgRequest& r, bencode::Value& reply) {
        reply.set("duration", bencode::Value::integer(service.play_media(parse_call_request(r.dictionary))));
    });
    add_call_command(table, "stop media", [&service](const NgRequest& r, bencode::Value& reply) {
        const uint64_t played = service.stop_media(parse_call_request(r.dictionary));
        reply.set("last-frame-pos", bencode::Value::integer(static_cast<int64_t>(played)));
    });
    for (const char* name : {"start forwarding", "stop forwarding"})
        add_call_command(table, name, [&service](const NgRequest& r, bencode::Value&) {
            service.check_media_selection(parse_call_request(r.dictionary));
        });
    add_call_command(table, "delete", [&service](const NgRequest& r, bencode::Value& reply) {
        const auto request = parse_call_request(r.dictionary);
        // Upstream reports statistics only to a delete that names the from-tag.
        const bool found = service.remove(request, [&](const call::Call& call) {
            if (!request.from_tag.empty())
                report_call(call, reply);
        });
        if (!found)
            reply.set("warning", "Call-ID not found or tags didn't match");
    });
    add_call_command(table, "query", [&service](const NgRequest& r, bencode::Value& reply) {
        const std::string* id = r.dictionary.find_string("call-id");
        auto call = id ? service.registry().find(*id) : nullptr;
        if (!call)
            throw NgError("Unknown call-id");
        service.apply_media_events();
        std::lock_guard lock(call->mutex());
        report_call(*call, reply, ReportDetail::diagnostics);
    });
    add_call_command(table, "list", [&service](const NgRequest& r, bencode::Value& reply) {
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
