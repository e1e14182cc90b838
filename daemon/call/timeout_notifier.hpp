#pragma once
// Timeout notifications (--b2b-url, --xmlrpc-format): when a call is ended because its
// media stopped, the SIP side is told over XML-RPC so that it can tear the dialog down.
//
// The requests are HTTP or HTTPS POSTs (libcurl, lib/http) with an XML-RPC body (xmlrpc-c,
// lib/xmlrpc), sent from a thread of their own: a slow or dead B2BUA never holds up the
// control thread that ends the calls.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http/client.hpp"
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

// <?xml ...?><methodCall>...</methodCall> with every parameter a string. Throws
// xmlrpc::Error (a parameter that is not UTF-8).
std::string xmlrpc_request_body(const XmlrpcCall& call);

// The URLs --b2b-url takes: http:// or https://HOST[:PORT][/PATH], as curl reads them;
// nullopt for anything else.
std::optional<http::Url> parse_http_url(const std::string& url);

struct NotifierSettings {
    std::chrono::milliseconds timeout{5000};  // per attempt: connect, TLS, send and the reply
    int attempts = 4;                         // upstream gives up after the fourth failure
    std::chrono::milliseconds retry_pause{200};
    std::size_t max_queued = 10000;           // beyond this, new requests are dropped (logged)
    // Trusted certificates for https (a PEM file). Empty: $CURL_CA_BUNDLE when set, as the
    // curl tool does, else the system's.
    std::string ca_file;
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
    std::string send(const XmlrpcCall& call, const std::string& body);

    NotifierSettings settings_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<XmlrpcCall> queue_;
    bool stopping_ = false;
    http::Client client_;  // used by thread_ only; interrupted by the destructor
    Thread thread_;
};

}  // namespace rtpe::call
