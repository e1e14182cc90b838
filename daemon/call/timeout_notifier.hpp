#pragma once
// Timeout notifications (--b2b-url, --xmlrpc-format): when a call is ended because its
// media stopped, the SIP side is told over XML-RPC so that it can tear the dialog down.
//
// The requests are plain HTTP/1.0 POSTs with an XML-RPC body, sent from a thread of their
// own: a slow or dead B2BUA never holds up the control thread that ends the calls.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/socket.hpp"
#include "util/thread.hpp"

namespace rtpe::call {

class Call;

// Upstream's payload styles, by their --xmlrpc-format number.
enum class XmlrpcFormat {
    sems = 0,      // di("sbc", "postControlCmd", TAG, "teardown"), once per tagged participant
    call_id = 1,   // teardown(CALLID)
    kamailio = 2,  // dlg.terminate_dlg(CALLID, FROM-TAG, TO-TAG), once per dialogue
};

// One XML-RPC request: where to, the method, and its string parameters.
struct XmlrpcCall {
    std::string url;
    std::string method;
    std::vector<std::string> params;
};

// The requests a timed-out call is worth, given the URL template ("%%" stands for the IP
// address of the ng client that created the call) and the format. Call with its mutex held.
std::vector<XmlrpcCall> timeout_notifications(const Call& call, const std::string& url_template,
                                              XmlrpcFormat format);

// <?xml ...?><methodCall>...</methodCall> with every parameter a string.
std::string xmlrpc_request_body(const XmlrpcCall& call);

// http://HOST[:PORT][/PATH]; nullopt for anything else (https is not spoken).
struct HttpUrl {
    std::string host;  // without brackets for IPv6 literals
    std::string port = "80";
    std::string path = "/";
};
std::optional<HttpUrl> parse_http_url(const std::string& url);

struct NotifierSettings {
    std::chrono::milliseconds timeout{5000};  // per attempt: connect, send and the reply
    int attempts = 4;                         // upstream gives up after the fourth failure
    std::chrono::milliseconds retry_pause{200};
    std::size_t max_queued = 10000;           // beyond this, new requests are dropped (logged)
};

class TimeoutNotifier {
public:
    TimeoutNotifier(NotifierSettings settings, std::size_t stack_bytes);
    ~TimeoutNotifier();  // stops the thread; what is still queued is dropped
    TimeoutNotifier(const TimeoutNotifier&) = delete;
    TimeoutNotifier& operator=(const TimeoutNotifier&) = delete;

    // Never blocks on the network; any thread.
    void enqueue(std::vector<XmlrpcCall> calls);

private:
    void run();
    // Empty on success, else what went wrong.
    std::string send(const XmlrpcCall& call);

    NotifierSettings settings_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<XmlrpcCall> queue_;
    bool stopping_ = false;
    net::Fd stop_fd_;  // readable once the destructor runs: cuts a request short
    Thread thread_;
};

}  // namespace rtpe::call
