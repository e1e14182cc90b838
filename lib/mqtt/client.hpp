#pragma once
// One MQTT client connection over libmosquitto, owned by one thread: every call on a
// Client, and the callbacks it reports through, happen on the thread that drives loop().
// Connecting never waits for the broker (the TCP connect is non-blocking; only a host
// name lookup can block, on the calling thread), so a broker that is down or slow costs
// the caller at most one loop() timeout per call.

#include <string>

struct mosquitto;

namespace rtpe::mqtt {

struct ClientSettings {
    std::string host;
    int port = 1883;
    std::string id;      // empty: the broker assigns one (clean session)
    int keepalive = 30;  // seconds
    std::string user, pass;                          // user empty: no authentication
    std::string cafile, capath, certfile, keyfile;   // cafile or capath set: TLS
};

class Client {
public:
    // Throws std::runtime_error when libmosquitto cannot make a client or refuses the
    // credentials or TLS settings.
    explicit Client(const ClientSettings& settings);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Starts connecting (first time) or reconnecting; false with error set when it fails
    // at once (name lookup, refused connection, ...). loop() completes it.
    bool connect(std::string& error);
    // Network I/O for up to timeout_ms. False when the connection is gone or failed.
    bool loop(int timeout_ms, std::string& error);
    // The broker accepted us (CONNACK 0) and the connection has not dropped since.
    bool connected() const { return connected_; }
    // Queues one message; written by this call or the next loop(). False when libmosquitto
    // refused it (not connected, bad topic, out of memory).
    bool publish(const std::string& topic, const std::string& payload, int qos, std::string& error);
    // A clean DISCONNECT when connected; idempotent.
    void disconnect();

private:
    static void on_connect(mosquitto*, void* self, int rc);
    static void on_disconnect(mosquitto*, void* self, int rc);

    ClientSettings settings_;
    mosquitto* handle_ = nullptr;
    bool started_ = false;    // connect() was called once: later ones reconnect
    bool connected_ = false;
    int refused_ = 0;         // the broker's last CONNACK code when it refused us
};

// libmosquitto's text for one of its error codes.
std::string error_text(int code);

}  // namespace rtpe::mqtt
