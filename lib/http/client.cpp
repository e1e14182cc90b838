#include "http/client.hpp"

#include <curl/curl.h>

#include <cstring>
#include <mutex>
#include <stdexcept>

namespace rtpe::http {

namespace {

void init_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            throw std::runtime_error("curl_global_init failed");
    });
}

struct UrlDeleter {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct EasyDeleter {
    void operator()(CURL* e) const { curl_easy_cleanup(e); }
};
struct MultiDeleter {
    void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
struct SlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// One part of a parsed URL; nullopt when it is absent.
std::optional<std::string> url_part(CURLU* u, CURLUPart part, unsigned flags = 0) {
    char* text = nullptr;
    if (curl_url_get(u, part, &text, flags) != CURLUE_OK || !text)
        return std::nullopt;
    std::string out(text);
    curl_free(text);
    return out;
}

constexpr std::size_t kMaxReplyBytes = 1 << 20;

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
    auto* body = static_cast<std::string*>(user);
    const std::size_t n = size * count;
    if (body->size() + n > kMaxReplyBytes)
        return 0;  // curl fails the transfer with CURLE_WRITE_ERROR
    body->append(data, n);
    return n;
}

bool add_header(SlistPtr& list, const std::string& line) {
    curl_slist* grown = curl_slist_append(list.get(), line.c_str());
    if (!grown)
        return false;
    (void)list.release();
    list.reset(grown);
    return true;
}

}  // namespace

std::optional<Url> parse_url(const std::string& text) {
    init_curl_once();
    std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
    if (!u || curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK)
        return std::nullopt;
    Url out;
    auto scheme = url_part(u.get(), CURLUPART_SCHEME);
    auto host = url_part(u.get(), CURLUPART_HOST);
    auto port = url_part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
    auto path = url_part(u.get(), CURLUPART_PATH);
    if (!scheme || (*scheme != "http" && *scheme != "https") || !host || host->empty() || !port)
        return std::nullopt;
    if (url_part(u.get(), CURLUPART_USER) || url_part(u.get(), CURLUPART_PASSWORD))
        return std::nullopt;  // credentials would end up in the logs
    out.scheme = *scheme;
    out.host = *host;
    if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']')
        out.host = out.host.substr(1, out.host.size() - 2);
    out.port = *port;
    out.path = path && !path->empty() ? *path : "/";
    if (auto query = url_part(u.get(), CURLUPART_QUERY))
        out.path += "?" + *query;
    return out;
}

struct Client::Handles {
    std::unique_ptr<CURLM, MultiDeleter> multi;
    std::unique_ptr<CURL, EasyDeleter> easy;
};

Client::Client() : handles_(std::make_unique<Handles>()) {
    init_curl_once();
    handles_->multi.reset(curl_multi_init());
    handles_->easy.reset(curl_easy_init());
    if (!handles_->multi || !handles_->easy)
        throw std::runtime_error("cannot create curl handles");
}

Client::~Client() = default;

void Client::interrupt() {
    interrupted_ = true;
    curl_multi_wakeup(handles_->multi.get());
}

Response Client::post(const PostRequest& request) {
    Response out;
    if (interrupted_) {
        out.error = "interrupted";
        return out;
    }
    CURLM* multi = handles_->multi.get();
    CURL* easy = handles_->easy.get();
    curl_easy_reset(easy);

    SlistPtr headers;
    if (!add_header(headers, "Content-Type: " + request.content_type) || !add_header(headers, "Expect:")) {
        out.error = "out of memory";
        return out;
    }
    char error_text[CURL_ERROR_SIZE] = {};
    const long timeout_ms = static_cast<long>(request.timeout.count());
    curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));  // no h2 over TLS
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(easy, CURLOPT_USERAGENT, request.user_agent.c_str());
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!request.ca_file.empty())
        curl_easy_setopt(easy, CURLOPT_CAINFO, request.ca_file.c_str());
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &collect);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &out.body);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_text);

    if (curl_multi_add_handle(multi, easy) != CURLM_OK) {
        out.error = "cannot start the transfer";
        return out;
    }
    CURLcode result = CURLE_OK;
    bool done = false;
    while (!done) {
        int running = 0;
        if (const CURLMcode rc = curl_multi_perform(multi, &running); rc != CURLM_OK) {
            out.error = curl_multi_strerror(rc);
            break;
        }
        int left = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) {
                result = msg->data.result;
                done = true;
            }
        }
        if (done)
            break;
        if (interrupted_) {
            out.error = "interrupted";
            break;
        }
        // curl shortens the wait to its own next deadline (the timeouts above).
        if (const CURLMcode rc = curl_multi_poll(multi, nullptr, 0, 1000, nullptr); rc != CURLM_OK) {
            out.error = curl_multi_strerror(rc);
            break;
        }
        if (interrupted_) {
            out.error = "interrupted";
            break;
        }
    }
    if (done && result != CURLE_OK) {
        out.error = error_text[0] ? error_text : curl_easy_strerror(result);
        long os_errno = 0;
        if (curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK && os_errno != 0) {
            const std::string detail = std::strerror(static_cast<int>(os_errno));
            if (out.error.find(detail) == std::string::npos)
                out.error += " (" + detail + ")";
        }
    } else if (done) {
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &out.status);
    }
    curl_multi_remove_handle(multi, easy);
    if (!out.error.empty())
        out.body.clear();
    return out;
}

}  // namespace rtpe::http
