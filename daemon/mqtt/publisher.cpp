#include "daemon/mqtt/publisher.hpp"

#include <chrono>

#include "util/log.hpp"

namespace rtpe::mqtt {

namespace {

constexpr int kLoopMs = 100;                       // longest the thread stays in libmosquitto
constexpr auto kRetry = std::chrono::seconds(1);   // between connection attempts, as upstream

}  // namespace

Publisher::Publisher(PublisherSettings settings, std::size_t stack_bytes)
    : settings_(std::move(settings)),
      client_(settings_.client),
      builder_(static_cast<double>(settings_.interval_ms) / 1000.0) {
    if (settings_.topic.empty())
        RTPE_LOG(core, log::kWarning, "No --mqtt-publish-topic given, nothing will be published to MQTT");
    thread_ = Thread("mqtt", stack_bytes, [this] { run(); });
}

Publisher::~Publisher() {
    stop();
}

void Publisher::submit(Snapshot snapshot) {
    std::lock_guard lock(mutex_);
    if (pending_)
        dropped_.fetch_add(1, std::memory_order_relaxed);
    pending_ = std::move(snapshot);
}

void Publisher::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_)
            return;
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void Publisher::publish_pending() {
    std::optional<Snapshot> snapshot;
    {
        std::lock_guard lock(mutex_);
        snapshot.swap(pending_);
    }
    if (!snapshot)
        return;
    if (!client_.connected() || settings_.topic.empty()) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    for (const auto& doc : builder_.build(*snapshot, settings_.scope)) {
        std::string error;
        if (client_.publish(settings_.topic, doc, settings_.qos, error)) {
            published_.fetch_add(1, std::memory_order_relaxed);
        } else {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            RTPE_LOG(core, log::kWarning, "Error publishing message to MQTT broker: %s", error.c_str());
            break;
        }
    }
}

void Publisher::run() {
    const std::string where = settings_.client.host + ":" + std::to_string(settings_.client.port);
    bool was_connected = false;
    bool reported_failure = false;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_)
                break;
        }
        std::string error;
        bool ok = client_.connect(error);
        // Serve the connection until it fails.
        while (ok) {
            ok = client_.loop(kLoopMs, error);
            if (client_.connected() && !was_connected) {
                RTPE_LOG(core, log::kInfo, "Connected to MQTT broker %s", where.c_str());
                was_connected = true;
                reported_failure = false;
            }
            publish_pending();
            std::lock_guard lock(mutex_);
            if (stopping_)
                break;
        }
        {
            std::lock_guard lock(mutex_);
            if (stopping_)
                break;
        }
        // Failures repeat every second while the broker is away: log the first only.
        if (was_connected)
            RTPE_LOG(core, log::kWarning, "Lost connection to MQTT broker %s: %s; reconnecting", where.c_str(),
                     error.c_str());
        else if (!reported_failure)
            RTPE_LOG(core, log::kWarning, "Cannot connect to MQTT broker %s: %s; retrying every second",
                     where.c_str(), error.c_str());
        reported_failure = true;
        was_connected = false;
        client_.disconnect();
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, kRetry, [this] { return stopping_; });
        if (pending_) {
            pending_.reset();
            dropped_.fetch_add(1, std::memory_order_relaxed);
        }
    }
    client_.disconnect();
    // One last round of I/O so the DISCONNECT leaves before the socket closes.
    std::string ignored;
    client_.loop(0, ignored);
}

}  // namespace rtpe::mqtt
