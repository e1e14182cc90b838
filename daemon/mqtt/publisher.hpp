#pragma once
// MQTT publishing (--mqtt-*): a thread of its own holds the broker connection (connects,
// reconnects once a second while the broker is away, keeps the session alive) and turns
// the snapshots the control thread hands it into upstream's documents.
//
// The control thread only takes a snapshot on its timer and hands it over (a move under a
// mutex nobody holds for long); it never waits for the broker. A snapshot not yet taken
// when the next arrives is replaced, so a slow broker costs memory for one snapshot at
// most. Nothing here touches the media path. While the broker is away, documents are
// dropped, as upstream drops them.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "daemon/mqtt/documents.hpp"
#include "mqtt/client.hpp"
#include "util/thread.hpp"

namespace rtpe::mqtt {

struct PublisherSettings {
    ClientSettings client;
    std::string topic;   // empty: connect, publish nothing (upstream 10.5 has no default)
    int qos = 0;
    int interval_ms = 5000;
    Scope scope = Scope::global;
};

class Publisher {
public:
    // Starts the thread; throws std::runtime_error when libmosquitto refuses the settings.
    Publisher(PublisherSettings settings, std::size_t stack_bytes);
    ~Publisher();
    Publisher(const Publisher&) = delete;
    Publisher& operator=(const Publisher&) = delete;

    // Control thread: this round's snapshot.
    void submit(Snapshot snapshot);
    // Ends the thread within about 100 ms (a clean DISCONNECT when connected).
    void stop();

    uint64_t published() const { return published_.load(std::memory_order_relaxed); }
    uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

private:
    void run();
    void publish_pending();

    PublisherSettings settings_;
    Client client_;
    DocumentBuilder builder_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::optional<Snapshot> pending_;
    bool stopping_ = false;
    std::atomic<uint64_t> published_{0}, dropped_{0};
    Thread thread_;
};

}  // namespace rtpe::mqtt
