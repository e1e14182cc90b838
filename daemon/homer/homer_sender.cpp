#include "daemon/homer/homer_sender.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "hep/hep3.hpp"
#include "rtp/rtcp_json.hpp"
#include "util/log.hpp"

namespace rtpe::homer {

namespace {

using Clock = std::chrono::steady_clock;

// Repeated failures (a Homer that is down, a full queue) are logged once, then at most
// once a minute with how often they happened meanwhile.
class LogLimiter {
public:
    // True when a line may be written now; *suppressed is how many were held back since.
    bool allow(Clock::time_point now, uint64_t* suppressed) {
        if (now < next_) {
            ++held_;
            return false;
        }
        *suppressed = held_;
        held_ = 0;
        next_ = now + std::chrono::seconds(60);
        return true;
    }
    void reset() {
        next_ = {};
        held_ = 0;
    }

private:
    Clock::time_point next_{};
    uint64_t held_ = 0;
};

}  // namespace

// ---- CaptureQueue ----

CaptureQueue::CaptureQueue(std::size_t slots) : slots_(std::max<std::size_t>(slots, 1)) {}

CaptureQueue::Push CaptureQueue::push(const media::RtcpCapture& capture) noexcept {
    if (capture.call_id.size() > CaptureSlot::kMaxCallId || capture.length > CaptureSlot::kMaxPacket)
        return Push::oversized;
    // Held for one bounded copy into a preallocated slot; no system call, no allocation.
    std::lock_guard lock(mutex_);
    if (count_ == slots_.size())
        return Push::full;
    CaptureSlot& s = slots_[(head_ + count_) % slots_.size()];
    s.source = capture.source;
    s.destination = capture.destination;
    s.wall_us = capture.wall_us;
    s.call_id_length = static_cast<uint16_t>(capture.call_id.size());
    std::memcpy(s.call_id, capture.call_id.data(), capture.call_id.size());
    s.length = static_cast<uint16_t>(capture.length);
    if (capture.length)
        std::memcpy(s.data, capture.data, capture.length);
    ++count_;
    return count_ == 1 ? Push::queued_was_empty : Push::queued;
}

const CaptureSlot* CaptureQueue::front() const noexcept {
    std::lock_guard lock(mutex_);
    return count_ ? &slots_[head_] : nullptr;
}

void CaptureQueue::pop() noexcept {
    std::lock_guard lock(mutex_);
    if (!count_)
        return;
    head_ = (head_ + 1) % slots_.size();
    --count_;
}

std::size_t CaptureQueue::size() const noexcept {
    std::lock_guard lock(mutex_);
    return count_;
}

// ---- the sender thread's state ----

struct HomerSender::Connection {
    enum class State { idle, connecting, established };
    State state = State::idle;
    net::Fd fd;
    Clock::time_point retry_at{};
    std::chrono::milliseconds backoff{};
    // TCP: whole HEP messages in order; the first may be partly written already.
    std::deque<std::string> pending;
    std::size_t pending_bytes = 0;
    std::size_t front_written = 0;
    LogLimiter connect_log, send_log, drop_log;
    uint64_t drops_logged = 0;
};

HomerSender::HomerSender(HomerSettings settings)
    : settings_(std::move(settings)), queue_(settings_.queue_slots) {
    wake_fd_.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!wake_fd_.valid())
        throw std::runtime_error(std::string("Homer: eventfd: ") + std::strerror(errno));
    if (settings_.reconnect_min.count() <= 0)
        settings_.reconnect_min = std::chrono::milliseconds(1);
    settings_.reconnect_max = std::max(settings_.reconnect_max, settings_.reconnect_min);
    // Started last: every member the thread touches exists by now.
    thread_ = Thread("homer", settings_.stack_bytes, [this] { run(); });
}

HomerSender::~HomerSender() {
    stop();
}

void HomerSender::stop() {
    if (stopped_)
        return;
    stopped_ = true;
    stopping_.store(true);
    wake();
    thread_.join();
}

void HomerSender::wake() noexcept {
    const uint64_t one = 1;
    // Non-blocking; EAGAIN only when the counter is already huge, i.e. a wake-up is pending.
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_.get(), &one, sizeof(one));
}

void HomerSender::on_rtcp(const media::RtcpCapture& capture) noexcept {
    switch (queue_.push(capture)) {
    case CaptureQueue::Push::queued_was_empty:
        captured_.fetch_add(1, std::memory_order_relaxed);
        wake();  // the sender drains until empty, so one wake-up per non-empty spell is enough
        break;
    case CaptureQueue::Push::queued:
        captured_.fetch_add(1, std::memory_order_relaxed);
        break;
    case CaptureQueue::Push::full:
        dropped_full_.fetch_add(1, std::memory_order_relaxed);
        break;
    case CaptureQueue::Push::oversized:
        dropped_oversized_.fetch_add(1, std::memory_order_relaxed);
        break;
    }
}

HomerCounters HomerSender::counters() const {
    HomerCounters c;
    c.captured = captured_.load(std::memory_order_relaxed);
    c.dropped_full = dropped_full_.load(std::memory_order_relaxed);
    c.dropped_oversized = dropped_oversized_.load(std::memory_order_relaxed);
    c.not_reportable = not_reportable_.load(std::memory_order_relaxed);
    c.sent = sent_.load(std::memory_order_relaxed);
    c.dropped_unsent = dropped_unsent_.load(std::memory_order_relaxed);
    c.send_errors = send_errors_.load(std::memory_order_relaxed);
    c.connects = connects_.load(std::memory_order_relaxed);
    return c;
}

// ---- sender thread ----

namespace {

const char* transport_name(Transport t) {
    return t == Transport::tcp ? "TCP" : "UDP";
}

}  // namespace

void HomerSender::run() {
    Connection c;
    c.backoff = settings_.reconnect_min;
    const bool tcp = settings_.transport == Transport::tcp;
    const std::string server = settings_.server.to_string();

    auto fail = [&](const char* what, int err) {
        c.fd.reset();
        c.state = Connection::State::idle;
        // A message cut in the middle cannot be resumed on a new connection.
        if (c.front_written) {
            c.pending_bytes -= c.pending.front().size();
            c.pending.pop_front();
            c.front_written = 0;
            dropped_unsent_.fetch_add(1, std::memory_order_relaxed);
        }
        const auto now = Clock::now();
        c.retry_at = now + c.backoff;
        uint64_t suppressed = 0;
        if (c.connect_log.allow(now, &suppressed))
            RTPE_LOG(core, log::kErr, "%s to Homer at %s (%s): %s; retrying in %lld ms%s", what, server.c_str(),
                     transport_name(settings_.transport), std::strerror(err),
                     static_cast<long long>(c.backoff.count()),
                     suppressed ? (", " + std::to_string(suppressed) + " similar failures not logged").c_str()
                                : "");
        c.backoff = std::min(c.backoff * 2, settings_.reconnect_max);
    };

    auto established = [&] {
        c.state = Connection::State::established;
        c.backoff = settings_.reconnect_min;
        c.connect_log.reset();
        if (tcp) {
            connects_.fetch_add(1, std::memory_order_relaxed);
            RTPE_LOG(core, log::kInfo, "Connected to Homer at %s (TCP)", server.c_str());
        }
    };

    auto open = [&] {
        net::Fd fd(::socket(settings_.server.family(),
                            (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!fd.valid())
            return fail("Cannot create a socket", errno);
        // For UDP this only fixes the destination; for TCP it starts the handshake.
        if (::connect(fd.get(), settings_.server.sockaddr_ptr(), settings_.server.length()) == 0) {
            c.fd = std::move(fd);
            return established();
        }
        const int err = errno;
        if (tcp && err == EINPROGRESS) {
            c.fd = std::move(fd);
            c.state = Connection::State::connecting;
            return;
        }
        fail("Cannot connect", err);
    };

    auto flush = [&] {
        while (c.state == Connection::State::established && !c.pending.empty()) {
            const std::string& m = c.pending.front();
            const ssize_t n = ::send(c.fd.get(), m.data() + c.front_written, m.size() - c.front_written,
                                     MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                if (errno != EAGAIN && errno != EWOULDBLOCK)
                    fail("Lost the connection", errno);
                return;
            }
            c.front_written += static_cast<std::size_t>(n);
            if (c.front_written < m.size())
                return;  // the kernel's buffer is full; POLLOUT resumes
            c.pending_bytes -= m.size();
            c.pending.pop_front();
            c.front_written = 0;
            sent_.fetch_add(1, std::memory_order_relaxed);
        }
    };

    auto on_socket = [&](short revents) {
        if (c.state == Connection::State::connecting) {
            if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
                return;
            int err = 0;
            socklen_t len = sizeof(err);
            if (getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0)
                err = errno;
            if (err)
                return fail("Cannot connect", err);
            return established();
        }
        if (revents & POLLIN) {
            // Homer has nothing to say; reading only tells whether it hung up.
            char buf[512];
            const ssize_t n = ::recv(c.fd.get(), buf, sizeof(buf), MSG_DONTWAIT);
            if (n == 0)
                return fail("Connection closed", ECONNRESET);
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                return fail("Lost the connection", errno);
        } else if (revents & (POLLERR | POLLHUP)) {
            int err = 0;
            socklen_t len = sizeof(err);
            getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
            return fail("Lost the connection", err ? err : ECONNRESET);
        }
    };

    c.retry_at = Clock::now();
    while (!stopping_.load()) {
        auto now = Clock::now();
        if (c.state == Connection::State::idle && now >= c.retry_at)
            open();

        pollfd fds[2] = {{wake_fd_.get(), POLLIN, 0}, {-1, 0, 0}};
        nfds_t n = 1;
        if (tcp && c.fd.valid()) {
            fds[1].fd = c.fd.get();
            fds[1].events = POLLIN;
            if (c.state == Connection::State::connecting || !c.pending.empty())
                fds[1].events |= POLLOUT;
            n = 2;
        }
        // At least once a second, for the drop report; sooner when a reconnect is due.
        int timeout_ms = 1000;
        if (c.state == Connection::State::idle) {
            const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(c.retry_at - now).count();
            timeout_ms = static_cast<int>(std::clamp<long long>(until, 0, 1000));
        }
        if (::poll(fds, n, timeout_ms) < 0 && errno != EINTR) {
            RTPE_LOG(core, log::kErr, "Homer sender: poll: %s", std::strerror(errno));
            break;
        }
        if (stopping_.load())
            break;
        if (fds[0].revents & POLLIN) {
            uint64_t count;
            [[maybe_unused]] const ssize_t r = ::read(wake_fd_.get(), &count, sizeof(count));
        }
        if (n == 2 && fds[1].revents)
            on_socket(fds[1].revents);
        process_queue(c);
        if (tcp)
            flush();

        const uint64_t drops = dropped_full_.load(std::memory_order_relaxed) +
                               dropped_unsent_.load(std::memory_order_relaxed) +
                               dropped_oversized_.load(std::memory_order_relaxed);
        if (drops != c.drops_logged) {
            uint64_t suppressed = 0;
            if (c.drop_log.allow(Clock::now(), &suppressed)) {
                RTPE_LOG(core, log::kWarning,
                         "Homer at %s cannot keep up: %llu RTCP reports dropped since %s", server.c_str(),
                         static_cast<unsigned long long>(drops - c.drops_logged),
                         c.drops_logged ? "the last report" : "startup");
                c.drops_logged = drops;
            }
        }
    }
    // Whatever is still queued or buffered is given up; closing does not wait for Homer.
}

void HomerSender::process_queue(Connection& c) {
    while (const CaptureSlot* s = queue_.front()) {
        if (stopping_.load(std::memory_order_relaxed))
            return;
        const std::string json = rtp::homer_rtcp_json(rtp::Bytes(s->data, s->length));
        if (json.empty()) {
            not_reportable_.fetch_add(1, std::memory_order_relaxed);
            queue_.pop();
            continue;
        }
        hep::Message m;
        m.source = s->source;
        m.destination = s->destination;
        m.timestamp_sec = static_cast<uint32_t>(s->wall_us / 1000000);
        m.timestamp_usec = static_cast<uint32_t>(s->wall_us % 1000000);
        m.capture_id = settings_.capture_id;
        m.correlation_id = std::string_view(s->call_id, s->call_id_length);
        m.payload = json;
        std::string message = hep::encode_hep3(m);
        queue_.pop();
        if (message.empty()) {  // mixed address families: nothing upstream could encode either
            dropped_unsent_.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        send_message(c, std::move(message));
    }
}

void HomerSender::send_message(Connection& c, std::string message) {
    if (settings_.transport == Transport::tcp) {
        // Kept while connecting or reconnecting too, as far as the buffer allows.
        if (c.pending_bytes + message.size() > settings_.tcp_buffer_bytes) {
            dropped_unsent_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        c.pending_bytes += message.size();
        c.pending.push_back(std::move(message));
        return;
    }
    if (c.state != Connection::State::established) {
        dropped_unsent_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    if (::send(c.fd.get(), message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT) ==
        static_cast<ssize_t>(message.size())) {
        sent_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    // A connected UDP socket reports an earlier ICMP "port unreachable" here; keep going.
    const int err = errno;
    send_errors_.fetch_add(1, std::memory_order_relaxed);
    uint64_t suppressed = 0;
    if (c.send_log.allow(Clock::now(), &suppressed))
        RTPE_LOG(core, log::kWarning, "Cannot send to Homer at %s (UDP): %s%s",
                 settings_.server.to_string().c_str(), std::strerror(err),
                 suppressed ? (", " + std::to_string(suppressed) + " similar failures not logged").c_str() : "");
}

}  // namespace rtpe::homer
