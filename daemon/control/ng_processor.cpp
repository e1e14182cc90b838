#include "daemon/control/ng_processor.hpp"

#include <chrono>
#include <exception>

#include "daemon/control/ng_message.hpp"
#include "json/json_codec.hpp"
#include "util/log.hpp"

namespace rtpe::control {

namespace {

bencode::Value error_reply(std::string_view reason) {
    bencode::Value reply = bencode::Value::dictionary();
    reply.set("result", "error");
    reply.set("error-reason", reason);
    return reply;
}

// Bounded excerpt of a raw message for log lines.
std::string excerpt(std::string_view data) {
    constexpr std::size_t kMax = 200;
    std::string out(data.substr(0, kMax));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            c = '.';
    if (data.size() > kMax)
        out += "...";
    return out;
}

}  // namespace

CookieCache::Reply NgProcessor::process(std::string_view message, const net::SocketAddress& sender) {
    // Formatted only when a log line needs it.
    struct LazyText {
        const net::SocketAddress& address;
        mutable std::string text;
        const char* c_str() const {
            if (text.empty())
                text = address.to_string();
            return text.c_str();
        }
    } from{sender, {}};

    auto frame = split_frame(message);
    if (!frame) {
        RTPE_LOG(control, log::kWarning, "Received invalid data on NG port (no cookie) from %s: %s", from.c_str(),
                 excerpt(message).c_str());
        return nullptr;
    }

    const auto now = CookieCache::Clock::now();
    if (auto cached = cache_.find(sender, frame->cookie, now)) {
        RTPE_LOG(control, log::kInfo, "Detected command from %s as a duplicate", from.c_str());
        return cached;
    }

    const WireFormat format = detect_format(frame->body);
    DecodedBody decoded = decode_body(frame->body, format);
    bencode::Value reply;
    if (!decoded.dictionary) {
        reply = error_reply(decoded.error);
    } else if (const std::string* command = decoded.dictionary->find_string("command"); !command) {
        reply = error_reply("Dictionary contains no key \"command\"");
    } else {
        const bencode::Value& dict = *decoded.dictionary;
        const std::string* call_id = dict.find_string("call-id");
        log::ScopedPrefix prefix(call_id ? std::string_view(*call_id) : std::string_view{});
        RTPE_LOG(control, log::kInfo, "Received command '%s' from %s", command->c_str(), from.c_str());
        RTPE_LOG(control, log::kDebug, "Dump for '%s' from %s: %s", command->c_str(), from.c_str(),
                 json::encode(dict).c_str());
        const auto started = std::chrono::steady_clock::now();
        reply = bencode::Value::dictionary();
        if (const auto* handler = commands_.find(*command)) {
            try {
                (*handler)(NgRequest{*command, dict, sender}, reply);
                if (!reply.find("result"))
                    reply.set("result", "ok");
            } catch (const NgError& e) {
                reply = error_reply(e.what());
            } catch (const std::exception& e) {
                // A bug in a handler must cost one reply, not the daemon.
                RTPE_LOG(control, log::kErr, "Internal error handling '%s': %s", command->c_str(), e.what());
                reply = error_reply("Internal error");
            }
        } else {
            reply = error_reply("Unrecognized command");
        }
        const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
        const bool failed = reply.find("error-reason") != nullptr;
        if (!failed)
            RTPE_LOG(control, log::kInfo, "Replying to '%s' from %s (elapsed time %.6f sec)", command->c_str(),
                     from.c_str(), elapsed.count());
        if (observer_)
            observer_(sender, *command, elapsed.count(), failed);
    }
    if (const std::string* reason = reply.find_string("error-reason"))
        RTPE_LOG(control, log::kWarning, "Protocol error in packet from %s: %s [%s]", from.c_str(), reason->c_str(),
                 excerpt(frame->body).c_str());

    auto out = std::make_shared<const std::string>(encode_reply(frame->cookie, reply, format));
    cache_.store(sender, frame->cookie, out, now);
    return out;
}

}  // namespace rtpe::control
