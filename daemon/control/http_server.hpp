#pragma once
// HTTP, HTTPS and WebSocket control (--listen-http, --listen-https) over libwebsockets.
//
// Each of --http-threads service threads runs one libwebsockets context holding every
// listener (the ports are shared with SO_REUSEPORT, so the kernel spreads connections
// over the threads). A service thread only parses and writes: every complete request that
// touches call state or statistics becomes a job posted to the control thread's poller;
// the control thread runs it and drops the result into the service's inbox, then wakes
// the service with lws_cancel_service(), which writes the reply. A slow or hostile client
// therefore costs a service thread nothing but a parked connection.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/address.hpp"
#include "net/poller.hpp"

namespace rtpe::control {

// One request for the control thread.
struct HttpJob {
    enum class Kind { ng, cli, metrics };
    Kind kind = Kind::ng;
    std::string body;          // ng: "cookie message"; cli: the command line
    std::string content_type;  // ng: the request's, given back on the reply
    net::SocketAddress peer;   // the client's address, port 0 (see http_server.cpp)
    bool websocket = false;
};

struct HttpResult {
    int status = 200;
    std::string content_type = "text/plain";
    std::string body;
    bool drop = false;  // WebSocket: send nothing (an ng message without a cookie)
};

struct HttpSettings {
    std::vector<net::SocketAddress> http;
    std::vector<net::SocketAddress> https;
    std::string cert;
    std::string key;  // empty: in the certificate file
    int threads = 1;
};

class HttpServer {
public:
    // Runs on the control thread.
    using Executor = std::function<HttpResult(const HttpJob&)>;

    // Largest request body and largest WebSocket message taken.
    static constexpr std::size_t kMaxBody = 1024 * 1024;
    // WebSocket messages of one connection waiting for the control thread or for the
    // client to take their replies, before the service stops reading from it.
    static constexpr unsigned kMaxInFlight = 16;
    // Sockets one HTTP thread holds at most (listeners and connections); past that new
    // connections are closed at once, so HTTP cannot starve media of descriptors.
    static constexpr unsigned kMaxFdsPerThread = 1024;
    // Seconds a client has to complete a request's headers; libwebsockets enforces it.
    static constexpr unsigned kHeaderTimeout = 10;

    // Creates the contexts and binds every listener now, so that a bad certificate or a
    // taken port fails startup; throws std::runtime_error.
    HttpServer(const HttpSettings& settings, net::Poller& control, Executor executor);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    void start(std::size_t stack_bytes);
    // Stops and joins the service threads and frees the contexts; replies still coming
    // from the control thread are dropped.
    void stop();
    // Jobs still queued on the control poller after its loop ended are dropped rather than
    // run (what they would touch may be gone). Call once the control thread has stopped.
    void close_gate();

    class Service;  // one context and its thread; public only for the C callback

private:
    struct Shared;
    std::shared_ptr<Shared> shared_;
    std::vector<std::unique_ptr<Service>> services_;
};

// "/cli/list%20numsessions" -> "list numsessions": percent escapes decoded and '+' read as
// a space. nullopt for a broken escape or a decoded NUL.
std::optional<std::string> decode_cli_path(std::string_view encoded);

}  // namespace rtpe::control
