#include "daemon/call/timeout_notifier.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <utility>

#include "daemon/call/call.hpp"
#include "daemon/version.hpp"
#include "util/log.hpp"

namespace rtpe::call {

namespace {

std::string expand_url(const std::string& url_template, const std::string& ip) {
    const auto at = url_template.find("%%");
    if (at == std::string::npos)
        return url_template;
    return url_template.substr(0, at) + ip + url_template.substr(at + 2);
}

void append_escaped(std::string& out, const std::string& text) {
    for (char c : text) {
        switch (c) {
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
}

bool contains_nocase(const std::string& haystack, std::string_view needle) {
    auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                          [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                                      std::tolower(static_cast<unsigned char>(b)); });
    return it != haystack.end();
}

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// Waits for events on fd until the deadline; false on timeout, error or when stop_fd
// becomes readable (the daemon shuts down).
bool wait_for(int fd, short events, Clock::time_point deadline, int stop_fd) {
    for (;;) {
        pollfd p[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
        const int n = poll(p, 2, remaining_ms(deadline));
        if (n > 0)
            return p[1].revents == 0;
        if (n == 0)
            return false;
        if (errno != EINTR)
            return false;
    }
}

struct FdCloser {
    int fd = -1;
    ~FdCloser() {
        if (fd >= 0)
            close(fd);
    }
};

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
    std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<methodCall>\r\n<methodName>";
    append_escaped(body, call.method);
    body += "</methodName>\r\n<params>\r\n";
    for (const auto& p : call.params) {
        body += "<param><value><string>";
        append_escaped(body, p);
        body += "</string></value></param>\r\n";
    }
    body += "</params>\r\n</methodCall>\r\n";
    return body;
}

std::optional<HttpUrl> parse_http_url(const std::string& url) {
    constexpr std::string_view scheme = "http://";
    if (url.size() <= scheme.size() || !contains_nocase(url.substr(0, scheme.size()), scheme))
        return std::nullopt;
    std::string rest = url.substr(scheme.size());
    HttpUrl out;
    const auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    if (slash != std::string::npos)
        out.path = rest.substr(slash);
    if (const auto at = authority.rfind('@'); at != std::string::npos)
        return std::nullopt;  // credentials are not supported
    if (!authority.empty() && authority[0] == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos)
            return std::nullopt;
        out.host = authority.substr(1, close - 1);
        const std::string after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':' || after.size() == 1)
                return std::nullopt;
            out.port = after.substr(1);
        }
    } else {
        const auto colon = authority.find(':');
        out.host = authority.substr(0, colon);
        if (colon != std::string::npos) {
            out.port = authority.substr(colon + 1);
            if (out.port.empty())
                return std::nullopt;
        }
    }
    if (out.host.empty())
        return std::nullopt;
    for (char c : out.port)
        if (c < '0' || c > '9')
            return std::nullopt;
    return out;
}

TimeoutNotifier::TimeoutNotifier(NotifierSettings settings, std::size_t stack_bytes)
    : settings_(settings),
      stop_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      thread_("xmlrpc", stack_bytes, [this] { run(); }) {}

TimeoutNotifier::~TimeoutNotifier() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    const uint64_t one = 1;
    ssize_t ignored = write(stop_fd_.get(), &one, sizeof(one));
    (void)ignored;
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
        for (int attempt = 1; attempt <= settings_.attempts; ++attempt) {
            RTPE_LOG(core, log::kInfo, "Sending XMLRPC '%s' (%s) to %s", next.method.c_str(), what.c_str(),
                     next.url.c_str());
            const std::string error = send(next);
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

std::string TimeoutNotifier::send(const XmlrpcCall& call) {
    const auto url = parse_http_url(call.url);
    if (!url)
        return "not an http:// URL";
    const auto deadline = Clock::now() + settings_.timeout;

    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = getaddrinfo(url->host.c_str(), url->port.c_str(), &hints, &found); rc != 0)
        return std::string("cannot resolve ") + url->host + ": " + gai_strerror(rc);
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, &freeaddrinfo);

    FdCloser sock;
    std::string connect_error = "no address";
    for (addrinfo* ai = found; ai && sock.fd < 0; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            connect_error = std::strerror(errno);
            continue;
        }
        FdCloser candidate{fd};
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            if (errno != EINPROGRESS) {
                connect_error = std::string("connect: ") + std::strerror(errno);
                continue;
            }
            if (!wait_for(fd, POLLOUT, deadline, stop_fd_.get())) {
                connect_error = "connect: timed out";
                continue;
            }
            int err = 0;
            socklen_t len = sizeof(err);
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0) {
                connect_error = std::string("connect: ") + std::strerror(err);
                continue;
            }
        }
        sock.fd = fd;
        candidate.fd = -1;
    }
    if (sock.fd < 0)
        return connect_error;

    const std::string body = xmlrpc_request_body(call);
    const bool v6_literal = url->host.find(':') != std::string::npos;
    std::string request = "POST " + url->path + " HTTP/1.0\r\nHost: " + (v6_literal ? "[" + url->host + "]" : url->host);
    if (url->port != "80")
        request += ":" + url->port;
    request += "\r\nUser-Agent: ngcp-rtpengine/" + std::string(kVersion) +
               "\r\nContent-Type: text/xml\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\nConnection: close\r\n\r\n" + body;
    std::size_t sent = 0;
    while (sent < request.size()) {
        const ssize_t n = ::send(sock.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!wait_for(sock.fd, POLLOUT, deadline, stop_fd_.get()))
                return "sending: timed out";
            continue;
        }
        return std::string("sending: ") + std::strerror(errno);
    }

    // The reply: until the server closes, or the headers and Content-Length bytes are in.
    std::string reply;
    char buf[4096];
    for (;;) {
        const auto header_end = reply.find("\r\n\r\n");
        if (header_end != std::string::npos) {
            const std::string headers = reply.substr(0, header_end);
            const auto cl = headers.find("\r\nContent-Length:");
            const auto cl_nocase = cl != std::string::npos ? cl : [&] {
                std::string lower = headers;
                std::transform(lower.begin(), lower.end(), lower.begin(),
                               [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                return lower.find("\r\ncontent-length:");
            }();
            if (cl_nocase != std::string::npos) {
                const std::size_t length = std::strtoul(headers.c_str() + cl_nocase + 17, nullptr, 10);
                if (reply.size() - header_end - 4 >= length)
                    break;
            }
        }
        if (reply.size() > 1 << 20)
            return "reply too long";
        const ssize_t n = recv(sock.fd, buf, sizeof(buf), 0);
        if (n > 0) {
            reply.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!wait_for(sock.fd, POLLIN, deadline, stop_fd_.get()))
                return "waiting for the reply: timed out";
            continue;
        }
        return std::string("receiving: ") + std::strerror(errno);
    }

    // "HTTP/1.x 200 ..."
    const auto space = reply.find(' ');
    if (reply.compare(0, 5, "HTTP/") != 0 || space == std::string::npos)
        return "no HTTP reply";
    const int status = std::atoi(reply.c_str() + space + 1);
    if (status != 200)
        return "HTTP status " + std::to_string(status);
    if (reply.find("<fault>") != std::string::npos) {
        // The dialogue is gone already: what the notification was for.
        if (contains_nocase(reply, "dialog not found"))
            return {};
        const auto body_at = reply.find("\r\n\r\n");
        std::string fault = reply.substr(body_at == std::string::npos ? 0 : body_at + 4, 200);
        std::replace(fault.begin(), fault.end(), '\n', ' ');
        std::replace(fault.begin(), fault.end(), '\r', ' ');
        return "XMLRPC fault: " + fault;
    }
    return {};
}

}  // namespace rtpe::call
