#include "daemon/control/http_server.hpp"

#include <libwebsockets.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <deque>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "util/log.hpp"
#include "util/thread.hpp"

namespace rtpe::control {

namespace {

// The WebSocket subprotocols, by their lws_protocols id.
enum ProtocolId : unsigned { kHttpOnly = 0, kNg = 1, kCli = 2, kEcho = 3 };

// What libwebsockets keeps per connection: only a key into the service's own table, so
// that nothing C++ lives in memory lws allocates and frees.
struct SessionData {
    uint64_t id;
};

int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);

const lws_protocols kProtocols[] = {
    {"http-only", callback, sizeof(SessionData), 0, kHttpOnly, nullptr, 0},
    {"ng.rtpengine.com", callback, sizeof(SessionData), 0, kNg, nullptr, 0},
    {"cli.rtpengine.com", callback, sizeof(SessionData), 0, kCli, nullptr, 0},
    {"echo.rtpengine.com", callback, sizeof(SessionData), 0, kEcho, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

void lws_log_line(int level, const char* line) {
    const int ours = (level & LLL_ERR) ? log::kErr : (level & LLL_WARN) ? log::kWarning : log::kNotice;
    std::string_view text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.remove_suffix(1);
    RTPE_LOG(http, ours, "libwebsockets: %.*s", static_cast<int>(text.size()), text.data());
}

struct ContextDeleter {
    void operator()(lws_context* c) const { lws_context_destroy(c); }
};
using ContextPtr = std::unique_ptr<lws_context, ContextDeleter>;

// The client's address. The port is left out: an HTTP client opens a new connection (and
// port) at will, and the ng cookie cache and per-client statistics key on the address.
net::SocketAddress peer_of(lws* wsi) {
    sockaddr_storage storage{};
    socklen_t length = sizeof(storage);
    const int fd = lws_get_socket_fd(lws_get_network_wsi(wsi));
    if (fd < 0 || getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0)
        return {};
    auto address = net::SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), length);
    if (!address)
        return {};
    return net::SocketAddress(address->ip(), 0);
}

std::string header(lws* wsi, lws_token_indexes token) {
    const int length = lws_hdr_total_length(wsi, token);
    if (length <= 0)
        return {};
    std::string value(static_cast<std::size_t>(length) + 1, '\0');
    const int copied = lws_hdr_copy(wsi, value.data(), length + 1, token);
    if (copied < 0)
        return {};
    value.resize(static_cast<std::size_t>(copied));
    return value;
}

// "application/json; charset=utf-8" -> "application/json", lower case.
std::string media_type(std::string_view content_type) {
    content_type = content_type.substr(0, content_type.find(';'));
    while (!content_type.empty() && content_type.back() == ' ')
        content_type.remove_suffix(1);
    std::string out(content_type);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Bytes lws may use in front of what it writes; buffers carry that much headroom.
std::string with_headroom(std::string_view body) {
    std::string out(LWS_PRE, '\0');
    out.append(body);
    return out;
}

}  // namespace

std::optional<std::string> decode_cli_path(std::string_view encoded) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(encoded.size());
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        const char c = encoded[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            if (i + 2 >= encoded.size())
                return std::nullopt;
            const int high = hex(encoded[i + 1]), low = hex(encoded[i + 2]);
            if (high < 0 || low < 0 || (high == 0 && low == 0))
                return std::nullopt;
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

// Shared by the server, its services and the jobs in flight on the control poller.
struct HttpServer::Shared {
    Executor executor;
    net::Poller& control;
    std::atomic<bool> gate_open{true};
    Shared(Executor e, net::Poller& p) : executor(std::move(e)), control(p) {}
};

// Replies coming back from the control thread to one service.
struct Inbox {
    std::mutex mutex;
    std::vector<std::pair<uint64_t, HttpResult>> results;
    lws_context* context = nullptr;  // null once the service is stopping

    void deliver(uint64_t connection, HttpResult result) {
        std::lock_guard lock(mutex);
        if (!context)
            return;
        results.emplace_back(connection, std::move(result));
        lws_cancel_service(context);
    }
};

class HttpServer::Service {
public:
    struct Listener {
        net::SocketAddress address;
        bool tls = false;
    };

    Service(const std::vector<Listener>& listeners, const HttpSettings& settings, std::shared_ptr<Shared> shared,
            int index)
        : shared_(std::move(shared)), inbox_(std::make_shared<Inbox>()) {
        lws_context_creation_info info{};
        info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
        if (!settings.https.empty())
            info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.user = this;
        info.timeout_secs = kHeaderTimeout;
        info.max_http_header_data = 4096;
        info.fd_limit_per_thread = kMaxFdsPerThread;
        info.port = CONTEXT_PORT_NO_LISTEN;
        context_.reset(lws_create_context(&info));
        if (!context_)
            throw std::runtime_error("cannot create the HTTP (libwebsockets) context");
        for (const auto& l : listeners)
            add_vhost(l.address, l.tls, settings, index);
        inbox_->context = context_.get();
    }

    ~Service() { stop(); }

    void start(std::size_t stack_bytes, int index) {
        thread_ = Thread("http" + std::to_string(index), stack_bytes, [this, index] {
            while (!stopping_.load(std::memory_order_acquire))
                if (lws_service(context_.get(), 0) < 0) {
                    RTPE_LOG(http, log::kErr, "HTTP service thread %d stopped on an error", index);
                    break;
                }
        });
    }

    void stop() {
        if (!context_)
            return;
        stopping_.store(true, std::memory_order_release);
        {
            std::lock_guard lock(inbox_->mutex);
            inbox_->context = nullptr;
        }
        lws_cancel_service(context_.get());
        thread_.join();
        context_.reset();  // closes the listeners and every connection
        connections_.clear();
    }

    int on_callback(lws* wsi, lws_callback_reasons reason, SessionData* session, void* in, size_t len);

private:
    struct Connection {
        uint64_t id = 0;
        lws* wsi = nullptr;
        bool reading_body = false; // HTTP: between the headers and the end of the body
        unsigned protocol = kHttpOnly;
        net::SocketAddress peer;
        // HTTP: the request being read and its reply.
        bool post = false;
        std::string path;
        std::string content_type;
        std::string body;
        int reject = 0;            // status to answer once the body is read; 0: none
        bool waiting = false;      // a job is on the control thread
        bool have_reply = false;
        HttpResult reply;
        std::string out;           // with LWS_PRE headroom
        std::size_t sent = 0;
        bool headers_sent = false;
        bool close_after = false;
        // WebSocket: the message being read and the replies to send, in order.
        std::string message;
        std::vector<std::string> queue;  // each with LWS_PRE headroom
        std::size_t queue_head = 0;
        unsigned in_flight = 0;
        bool rx_paused = false;
    };

    void add_vhost(const net::SocketAddress& address, bool tls, const HttpSettings& settings, int index) {
        lws_context_creation_info vi{};
        vi.port = address.port();
        auto& iface = ifaces_.emplace_back(address.ip().is_unspecified() ? "" : address.ip().to_string());
        auto& name = ifaces_.emplace_back((tls ? "https-" : "http-") + address.to_string() + "-" +
                                          std::to_string(index));
        vi.iface = iface.empty() ? nullptr : iface.c_str();
        vi.vhost_name = name.c_str();
        vi.protocols = kProtocols;
        vi.timeout_secs = kHeaderTimeout;
        if (address.family() == AF_INET)
            vi.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
        if (tls) {
            vi.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
            vi.ssl_cert_filepath = ifaces_.emplace_back(settings.cert).c_str();
            vi.ssl_private_key_filepath =
                ifaces_.emplace_back(settings.key.empty() ? settings.cert : settings.key).c_str();
        }
        if (!lws_create_vhost(context_.get(), &vi))
            throw std::runtime_error(std::string("cannot listen for ") + (tls ? "HTTPS" : "HTTP") + " on " +
                                     address.to_string() +
                                     (tls ? " (is the port free, are the certificate and key readable?)"
                                          : " (is the port free?)"));
    }

    Connection* find(SessionData* session) {
        if (!session || !session->id)
            return nullptr;
        auto it = connections_.find(session->id);
        return it == connections_.end() ? nullptr : &it->second;
    }

    Connection& open(lws* wsi, SessionData* session, unsigned protocol) {
        if (Connection* c = find(session))
            return *c;
        session->id = next_id_++;
        Connection& c = connections_[session->id];
        c.id = session->id;
        c.wsi = wsi;
        c.protocol = protocol;
        c.peer = peer_of(wsi);
        return c;
    }

    void close(SessionData* session) {
        if (session && session->id) {
            connections_.erase(session->id);
            session->id = 0;
        }
    }

    // Sends job to the control thread; the reply comes back through the inbox.
    void submit(uint64_t id, HttpJob job) {
        auto shared = shared_;
        auto inbox = inbox_;
        shared->control.post([shared, inbox, id, job = std::move(job)] {
            if (!shared->gate_open.load(std::memory_order_acquire))
                return;
            HttpResult result;
            try {
                result = shared->executor(job);
            } catch (const std::exception& e) {
                RTPE_LOG(http, log::kErr, "HTTP request failed: %s", e.what());
                result = {500, "text/plain", "internal error\n"};
            }
            inbox->deliver(id, std::move(result));
        });
    }

    void answer(Connection& c, int status, std::string body, bool close_after = false) {
        c.reply = {status, "text/plain", std::move(body)};
        c.have_reply = true;
        c.close_after = close_after;
        lws_callback_on_writable(c.wsi);
    }

    void take_results() {
        std::vector<std::pair<uint64_t, HttpResult>> results;
        {
            std::lock_guard lock(inbox_->mutex);
            results.swap(inbox_->results);
        }
        for (auto& [id, result] : results) {
            auto it = connections_.find(id);
            if (it == connections_.end())
                continue;  // the client went away meanwhile
            Connection& c = it->second;
            if (c.protocol == kHttpOnly) {
                c.waiting = false;
                c.reply = std::move(result);
                c.have_reply = true;
                lws_callback_on_writable(c.wsi);
                continue;
            }
            if (c.in_flight)
                --c.in_flight;
            if (!result.drop)
                c.queue.push_back(with_headroom(result.body));
            resume_if_drained(c);
            if (c.queue_head < c.queue.size())
                lws_callback_on_writable(c.wsi);
        }
    }

    // WebSocket: messages read but not yet answered to the client.
    static std::size_t backlog(const Connection& c) { return c.in_flight + (c.queue.size() - c.queue_head); }
    void resume_if_drained(Connection& c) {
        if (c.rx_paused && backlog(c) < kMaxInFlight) {
            c.rx_paused = false;
            lws_rx_flow_control(c.wsi, 1);
        }
    }

    int on_http(lws* wsi, SessionData* session, const char* uri);
    int on_http_body_done(Connection& c);
    int write_http(Connection& c);
    int on_ws_receive(Connection& c, const char* data, size_t len);
    int write_ws(Connection& c);

    std::shared_ptr<Shared> shared_;
    std::shared_ptr<Inbox> inbox_;
    std::deque<std::string> ifaces_;  // strings lws may keep pointers to: never moved
    ContextPtr context_;
    std::atomic<bool> stopping_{false};
    std::unordered_map<uint64_t, Connection> connections_;  // service thread only
    uint64_t next_id_ = 1;
    Thread thread_;
};

int HttpServer::Service::on_http(lws* wsi, SessionData* session, const char* uri) {
    Connection& c = open(wsi, session, kHttpOnly);
    c.post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
    const bool get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
    c.path = uri ? uri : "";
    c.body.clear();
    c.reject = 0;
    c.reading_body = false;
    RTPE_LOG(http, log::kInfo, "HTTP %s from %s: '%s'", get ? "GET" : c.post ? "POST" : "request",
             c.peer.ip().to_string().c_str(), c.path.c_str());

    const bool is_cli = c.path.rfind("/cli/", 0) == 0;
    const bool is_get_route = c.path == "/ping" || c.path == "/metrics" || is_cli;
    const bool is_post_route = c.path == "/ng";

    if (get) {
        if (c.path == "/ping") {
            answer(c, 200, "pong\n");
        } else if (c.path == "/metrics") {
            c.waiting = true;
            submit(session->id, {HttpJob::Kind::metrics, {}, {}, c.peer, false});
        } else if (is_cli) {
            auto line = decode_cli_path(std::string_view(c.path).substr(5));
            if (!line) {
                answer(c, 400, "bad request\n");
            } else {
                c.waiting = true;
                submit(session->id, {HttpJob::Kind::cli, std::move(*line), {}, c.peer, false});
            }
        } else {
            answer(c, is_post_route ? 405 : 404, is_post_route ? "method not allowed\n" : "not found\n");
        }
        return 0;
    }

    // POST, or a method served nowhere. A body is read (up to the limit) before answering,
    // so that the client sees the answer rather than a reset connection.
    const std::string length_text = header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    std::size_t length = 0;
    if (!length_text.empty()) {
        auto [end, error] = std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
        if (error != std::errc() || end != length_text.data() + length_text.size()) {
            answer(c, 400, "bad content-length\n", true);
            return 0;
        }
    }
    if (length > kMaxBody) {
        answer(c, 413, "request body too large\n", true);
        return 0;
    }
    if (!c.post)
        c.reject = (is_get_route || is_post_route) ? 405 : 404;
    else if (!is_post_route)
        c.reject = is_get_route ? 405 : 404;
    else if (length_text.empty())
        c.reject = 411;
    else {
        c.content_type = media_type(header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE));
        if (c.content_type != "application/x-rtpengine-ng" && c.content_type != "application/json")
            c.reject = 415;
    }
    c.reading_body = true;
    if (length_text.empty() || length == 0)
        return on_http_body_done(c);
    return 0;
}

int HttpServer::Service::on_http_body_done(Connection& c) {
    if (!c.reading_body)
        return 0;
    c.reading_body = false;
    switch (c.reject) {
    case 0:
        break;
    case 404:
        answer(c, 404, "not found\n");
        return 0;
    case 405:
        answer(c, 405, "method not allowed\n");
        return 0;
    case 411:
        answer(c, 411, "content-length required\n", true);
        return 0;
    case 415:
        answer(c, 415, "unsupported content type\n");
        return 0;
    default:
        answer(c, c.reject, "error\n");
        return 0;
    }
    c.waiting = true;
    submit(c.id, {HttpJob::Kind::ng, std::move(c.body), c.content_type, c.peer, false});
    c.body.clear();
    return 0;
}

int HttpServer::Service::write_http(Connection& c) {
    if (!c.have_reply)
        return 0;
    lws* wsi = c.wsi;
    if (!c.headers_sent) {
        unsigned char buffer[LWS_PRE + 1024];
        unsigned char* start = buffer + LWS_PRE;
        unsigned char* p = start;
        unsigned char* end = buffer + sizeof(buffer) - 1;
        const auto& ct = c.reply.content_type;
        if (lws_add_http_header_status(wsi, static_cast<unsigned>(c.reply.status), &p, end) ||
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                         reinterpret_cast<const unsigned char*>(ct.data()),
                                         static_cast<int>(ct.size()), &p, end) ||
            lws_add_http_header_content_length(wsi, c.reply.body.size(), &p, end))
            return -1;
        if (c.reply.status == 405) {
            static constexpr std::string_view allow = "GET, POST";
            if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>("allow:"),
                                            reinterpret_cast<const unsigned char*>(allow.data()),
                                            static_cast<int>(allow.size()), &p, end))
                return -1;
        }
        if (c.close_after) {
            if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>("connection:"),
                                            reinterpret_cast<const unsigned char*>("close"), 5, &p, end))
                return -1;
        }
        if (lws_finalize_http_header(wsi, &p, end))
            return -1;
        const auto header_length = static_cast<std::size_t>(p - start);
        if (lws_write(wsi, start, header_length, LWS_WRITE_HTTP_HEADERS) != static_cast<int>(header_length))
            return -1;
        c.headers_sent = true;
        c.out = with_headroom(c.reply.body);
        c.sent = 0;
    }
    // One chunk per writable event, so a big reply does not hold up other connections.
    constexpr std::size_t kChunk = 16384;
    const std::size_t total = c.out.size() - LWS_PRE;
    if (c.sent < total) {
        const std::size_t n = std::min(kChunk, total - c.sent);
        const bool last = c.sent + n == total;
        auto* data = reinterpret_cast<unsigned char*>(c.out.data()) + LWS_PRE + c.sent;
        if (lws_write(wsi, data, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < 0)
            return -1;
        c.sent += n;
        if (!last) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    }
    const bool close_after = c.close_after;
    c.have_reply = c.headers_sent = c.close_after = false;
    c.out.clear();
    c.reply = {};
    if (close_after)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int HttpServer::Service::on_ws_receive(Connection& c, const char* data, size_t len) {
    if (c.message.size() + len > kMaxBody) {
        RTPE_LOG(http, log::kWarning, "WebSocket message from %s over %zu bytes, closing",
                 c.peer.ip().to_string().c_str(), kMaxBody);
        static constexpr char why[] = "message too large";
        lws_close_reason(c.wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                         reinterpret_cast<unsigned char*>(const_cast<char*>(why)), sizeof(why) - 1);
        return -1;
    }
    c.message.append(data, len);
    if (!lws_is_final_fragment(c.wsi) || lws_remaining_packet_payload(c.wsi) > 0)
        return 0;
    std::string message = std::move(c.message);
    c.message.clear();
    if (c.protocol == kEcho) {
        c.queue.push_back(with_headroom(message));
        lws_callback_on_writable(c.wsi);
        if (backlog(c) >= kMaxInFlight && !c.rx_paused) {
            c.rx_paused = true;
            lws_rx_flow_control(c.wsi, 0);
        }
        return 0;
    }
    HttpJob job;
    job.kind = c.protocol == kNg ? HttpJob::Kind::ng : HttpJob::Kind::cli;
    job.body = std::move(message);
    job.peer = c.peer;
    job.websocket = true;
    ++c.in_flight;
    submit(c.id, std::move(job));
    if (backlog(c) >= kMaxInFlight && !c.rx_paused) {
        c.rx_paused = true;
        lws_rx_flow_control(c.wsi, 0);
    }
    return 0;
}

int HttpServer::Service::write_ws(Connection& c) {
    if (c.queue_head >= c.queue.size())
        return 0;
    std::string& message = c.queue[c.queue_head];
    const std::size_t n = message.size() - LWS_PRE;
    if (lws_write(c.wsi, reinterpret_cast<unsigned char*>(message.data()) + LWS_PRE, n, LWS_WRITE_BINARY) <
        static_cast<int>(n))
        return -1;
    if (++c.queue_head == c.queue.size()) {
        c.queue.clear();
        c.queue_head = 0;
    } else {
        lws_callback_on_writable(c.wsi);
    }
    resume_if_drained(c);
    return 0;
}

int HttpServer::Service::on_callback(lws* wsi, lws_callback_reasons reason, SessionData* session, void* in,
                                     size_t len) {
    const lws_protocols* protocol = lws_get_protocol(wsi);
    const unsigned id = protocol ? protocol->id : kHttpOnly;
    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        take_results();
        return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        // A WebSocket upgrade naming none of our subprotocols lands on http-only: refused.
        return id == kHttpOnly ? -1 : 0;
    case LWS_CALLBACK_HTTP:
        return on_http(wsi, session, static_cast<const char*>(in));
    case LWS_CALLBACK_HTTP_BODY: {
        Connection* c = find(session);
        if (!c)
            return -1;
        if (c->body.size() + len > kMaxBody)
            return -1;
        if (c->reading_body && !c->reject)
            c->body.append(static_cast<const char*>(in), len);
        return 0;
    }
    case LWS_CALLBACK_HTTP_BODY_COMPLETION: {
        Connection* c = find(session);
        return c ? on_http_body_done(*c) : -1;
    }
    case LWS_CALLBACK_HTTP_WRITEABLE: {
        Connection* c = find(session);
        return c ? write_http(*c) : 0;
    }
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (id == kHttpOnly)
            close(session);
        return 0;
    case LWS_CALLBACK_ESTABLISHED:
        if (id != kHttpOnly) {
            Connection& c = open(wsi, session, id);
            RTPE_LOG(http, log::kInfo, "WebSocket '%s' connection from %s", protocol->name,
                     c.peer.ip().to_string().c_str());
        }
        return 0;
    case LWS_CALLBACK_RECEIVE: {
        Connection* c = find(session);
        return c ? on_ws_receive(*c, static_cast<const char*>(in), len) : -1;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        Connection* c = find(session);
        return c ? write_ws(*c) : 0;
    }
    case LWS_CALLBACK_CLOSED:
        close(session);
        return 0;
    default:
        break;
    }
    if (id == kHttpOnly)
        return lws_callback_http_dummy(wsi, reason, session, in, len);
    return 0;
}

namespace {

int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
    lws_context* context = lws_get_context(wsi);
    auto* service = context ? static_cast<HttpServer::Service*>(lws_context_user(context)) : nullptr;
    if (!service)
        return 0;
    return service->on_callback(wsi, reason, static_cast<SessionData*>(user), in, len);
}

}  // namespace

HttpServer::HttpServer(const HttpSettings& settings, net::Poller& control, Executor executor)
    : shared_(std::make_shared<Shared>(std::move(executor), control)) {
    static std::once_flag log_setup;
    std::call_once(log_setup, [] { lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_line); });
    // A bare port asks for 0.0.0.0 and [::]: one dual-stack IPv6 socket serves both.
    std::vector<Service::Listener> listeners;
    auto add_all = [&](const std::vector<net::SocketAddress>& addresses, bool tls) {
        for (const auto& a : addresses) {
            if (a.family() == AF_INET && a.ip().is_unspecified()) {
                bool covered = false;
                for (const auto& b : addresses)
                    covered = covered || (b.family() == AF_INET6 && b.ip().is_unspecified() && b.port() == a.port());
                if (covered)
                    continue;
            }
            listeners.push_back({a, tls});
        }
    };
    add_all(settings.http, false);
    add_all(settings.https, true);
    // Debian's libwebsockets is built without SMP support and cannot share one listening
    // port between contexts, so each listener belongs to one thread: the listeners are
    // dealt out over at most --http-threads threads.
    std::size_t threads = settings.threads < 1 ? 1 : static_cast<std::size_t>(settings.threads);
    threads = std::min(threads, listeners.size());
    std::vector<std::vector<Service::Listener>> shares(threads);
    for (std::size_t i = 0; i < listeners.size(); ++i)
        shares[i % threads].push_back(listeners[i]);
    for (std::size_t i = 0; i < threads; ++i)
        services_.push_back(std::make_unique<Service>(shares[i], settings, shared_, static_cast<int>(i)));
}

HttpServer::~HttpServer() {
    stop();
}

void HttpServer::start(std::size_t stack_bytes) {
    for (std::size_t i = 0; i < services_.size(); ++i)
        services_[i]->start(stack_bytes, static_cast<int>(i));
}

void HttpServer::stop() {
    for (auto& s : services_)
        s->stop();
}

void HttpServer::close_gate() {
    shared_->gate_open.store(false, std::memory_order_release);
}

}  // namespace rtpe::control
