#pragma once
// HTTP and HTTPS requests over libcurl, seen from C++: URLs checked by curl's own parser,
// and a blocking POST with a bounded duration that another thread can cut short.
//
// libcurl stays behind this header: no curl type appears in it.

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace rtpe::http {

// An absolute http:// or https:// URL, as curl reads it.
struct Url {
    std::string scheme;  // "http" or "https", lower case
    std::string host;    // without brackets for IPv6 literals
    std::string port;    // the scheme's default when the URL names none
    std::string path;    // with the query, if any; "/" at least
};

// nullopt for anything curl refuses, for other schemes, and for URLs with credentials.
std::optional<Url> parse_url(const std::string& url);

struct PostRequest {
    std::string url;
    std::string body;
    std::string content_type;
    std::string user_agent;
    std::chrono::milliseconds timeout{5000};  // the whole exchange: resolve, connect, TLS, send, reply
    std::string ca_file;                      // empty: the system's trusted certificates
};

struct Response {
    std::string error;  // empty when an HTTP reply came back, whatever its status
    long status = 0;
    std::string body;
};

// One client per thread that sends: post() runs in the calling thread. Connections may be
// kept open and reused between posts to the same server.
class Client {
public:
    Client();  // throws std::runtime_error if curl cannot be set up
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Blocks until the reply is in, the timeout passes or interrupt() is called. Peer
    // certificates and host names are verified for https. Redirects are not followed.
    Response post(const PostRequest& request);

    // Any thread: the running post() returns at once, and every later one fails.
    void interrupt();

private:
    struct Handles;
    std::unique_ptr<Handles> handles_;
    std::atomic<bool> interrupted_{false};
};

}  // namespace rtpe::http
