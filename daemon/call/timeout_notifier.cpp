#include "daemon/call/timeout_notifier.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>
#include <string_view>
#include <utility>

#include "daemon/call/call.hpp"
#include "daemon/version.hpp"
#include "util/log.hpp"
#include "xmlrpc/document.hpp"

namespace rtpe::call {

namespace {

std::string expand_url(const std::string& url_template, const std::string& ip) {
    const auto at = url_template.find("%%");
    if (at == std::string::npos)
        return url_template;
    return url_template.substr(0, at) + ip + url_template.substr(at + 2);
}

bool contains_nocase(const std::string& haystack, std::string_view needle) {
    auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                          [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                                      std::tolower(static_cast<unsigned char>(b)); });
    return it != haystack.end();
}

std::string one_line(std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    std::replace(text.begin(), text.end(), '\r', ' ');
    return text;
}

NotifierSettings with_ca_file_from_environment(NotifierSettings settings) {
    if (settings.ca_file.empty())
        if (const char* bundle = std::getenv("CURL_CA_BUNDLE"); bundle && *bundle)
            settings.ca_file = bundle;
    return settings;
}

}  // namespace

std::vector<XmlrpcCall> timeout_notifications(const Call& call, const std::string& url_template,
                                              XmlrpcFormat format) {
    std::vector<XmlrpcCall> out;
    const std::string url = expand_url(url_template, call.callback_ip);
    switch (format) {
        case XmlrpcFormat::sems:
            for (const auto& p : call.participants())
                if (!p->tag.empty())
                    out.push_back({url, "di", {"sbc", "postControlCmd", p->tag, "teardown"}});
            break;
        case XmlrpcFormat::call_id:
            out.push_back({url, "teardown", {call.id()}});
            break;
        case XmlrpcFormat::kamailio: {
            // One request per dialogue: A->B and B->A are the same one.
            std::set<std::pair<std::string, std::string>> sent;
            for (const auto& p : call.participants()) {
                if (p->tag.empty() || !p->peer || p->peer->tag.empty())
                    continue;
                if (sent.count({p->peer->tag, p->tag}) || sent.count({p->tag, p->peer->tag}))
                    continue;
                sent.insert({p->tag, p->peer->tag});
                out.push_back({url, "dlg.terminate_dlg", {call.id(), p->tag, p->peer->tag}});
            }
            break;
        }
    }
    return out;
}

std::string xmlrpc_request_body(const XmlrpcCall& call) {
    return xmlrpc::method_call(call.method, call.params);
}

std::optional<http::Url> parse_http_url(const std::string& url) {
    return http::parse_url(url);
}

TimeoutNotifier::TimeoutNotifier(NotifierSettings settings, std::size_t stack_bytes)
    : settings_(with_ca_file_from_environment(std::move(settings))),
      thread_("xmlrpc", stack_bytes, [this] { run(); }) {}

TimeoutNotifier::~TimeoutNotifier() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    client_.interrupt();
    thread_.join();
}

void TimeoutNotifier::enqueue(std::vector<XmlrpcCall> calls) {
    if (calls.empty())
        return;
    std::size_t dropped = 0;
    {
        std::lock_guard lock(mutex_);
        for (auto& c : calls) {
            if (queue_.size() >= settings_.max_queued) {
                ++dropped;
                continue;
            }
            queue_.push_back(std::move(c));
        }
    }
    if (dropped)
        RTPE_LOG(core, log::kWarning, "Dropping %zu XMLRPC timeout notifications: too many are pending", dropped);
    wake_.notify_one();
}

void TimeoutNotifier::run() {
    for (;;) {
        XmlrpcCall next;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_)
                return;
            next = std::move(queue_.front());
            queue_.pop_front();
        }
        const std::string what = next.params.empty() ? std::string() : next.params.front();
        std::string body;
        try {
            body = xmlrpc_request_body(next);
        } catch (const xmlrpc::Error& e) {
            RTPE_LOG(core, log::kWarning, "Not sending XMLRPC '%s' (%s) to %s: %s", next.method.c_str(),
                     what.c_str(), next.url.c_str(), e.what());
            continue;
        }
        for (int attempt = 1; attempt <= settings_.attempts; ++attempt) {
            RTPE_LOG(core, log::kInfo, "Sending XMLRPC '%s' (%s) to %s", next.method.c_str(), what.c_str(),
                     next.url.c_str());
            const std::string error = send(next, body);
            if (error.empty())
                break;
            RTPE_LOG(core, log::kWarning, "XMLRPC '%s' to %s failed (attempt %d of %d): %s", next.method.c_str(),
                     next.url.c_str(), attempt, settings_.attempts, error.c_str());
            std::unique_lock lock(mutex_);
            if (wake_.wait_for(lock, settings_.retry_pause, [this] { return stopping_; }))
                return;
        }
    }
}

std::string TimeoutNotifier::send(const XmlrpcCall& call, const std::string& body) {
    if (!parse_http_url(call.url))
        return "not an http:// or https:// URL";
    const http::Response reply = client_.post({call.url, body, "text/xml",
                                               "ngcp-rtpengine/" + std::string(kVersion), settings_.timeout,
                                               settings_.ca_file});
    if (!reply.error.empty())
        return reply.error;
    if (reply.status != 200)
        return "HTTP status " + std::to_string(reply.status);
    std::optional<xmlrpc::Fault> fault;
    try {
        fault = xmlrpc::read_response(reply.body);
    } catch (const xmlrpc::Error& e) {
        return one_line(e.what());
    }
    // The dialogue is gone already: what the notification was for.
    if (!fault || contains_nocase(fault->text, "dialog not found"))
        return {};
    return "XMLRPC fault " + std::to_string(fault->code) + ": " + one_line(fault->text);
}

}  // namespace rtpe::call
