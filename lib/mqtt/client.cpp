#include "mqtt/client.hpp"

#include <mosquitto.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace rtpe::mqtt {

namespace {

void init_library() {
    // Once per process; libmosquitto's global state (OpenSSL setup) lives as long as it.
    static std::once_flag once;
    std::call_once(once, [] { mosquitto_lib_init(); });
}

const char* or_null(const std::string& s) {
    return s.empty() ? nullptr : s.c_str();
}

}  // namespace

std::string error_text(int code) {
    if (code == MOSQ_ERR_ERRNO)
        return std::strerror(errno);
    return mosquitto_strerror(code);
}

Client::Client(const ClientSettings& settings) : settings_(settings) {
    init_library();
    handle_ = mosquitto_new(or_null(settings_.id), true, this);
    if (!handle_)
        throw std::runtime_error(std::string("cannot create an MQTT client: ") + std::strerror(errno));
    mosquitto_connect_callback_set(handle_, &Client::on_connect);
    mosquitto_disconnect_callback_set(handle_, &Client::on_disconnect);
    int rc = MOSQ_ERR_SUCCESS;
    if (!settings_.user.empty())
        rc = mosquitto_username_pw_set(handle_, settings_.user.c_str(), or_null(settings_.pass));
    if (rc != MOSQ_ERR_SUCCESS) {
        mosquitto_destroy(handle_);
        throw std::runtime_error("MQTT user/password refused: " + error_text(rc));
    }
    if (!settings_.cafile.empty() || !settings_.capath.empty()) {
        rc = mosquitto_tls_set(handle_, or_null(settings_.cafile), or_null(settings_.capath),
                               or_null(settings_.certfile), or_null(settings_.keyfile), nullptr);
        if (rc != MOSQ_ERR_SUCCESS) {
            mosquitto_destroy(handle_);
            throw std::runtime_error("MQTT TLS settings refused (check the CA, certificate and key files): " +
                                     error_text(rc));
        }
    }
}

Client::~Client() {
    disconnect();
    mosquitto_destroy(handle_);
}

bool Client::connect(std::string& error) {
    connected_ = false;
    refused_ = 0;
    const int rc = started_ ? mosquitto_reconnect_async(handle_)
                            : mosquitto_connect_async(handle_, settings_.host.c_str(), settings_.port,
                                                      settings_.keepalive);
    if (rc != MOSQ_ERR_SUCCESS) {
        // A first attempt that failed before it got anywhere has to start over as a first one.
        error = error_text(rc);
        return false;
    }
    started_ = true;
    return true;
}

bool Client::loop(int timeout_ms, std::string& error) {
    const int rc = mosquitto_loop(handle_, timeout_ms, 1);
    if (refused_) {
        error = std::string("broker refused the connection: ") + mosquitto_connack_string(refused_);
        return false;
    }
    if (rc != MOSQ_ERR_SUCCESS) {
        connected_ = false;
        error = error_text(rc);
        return false;
    }
    return true;
}

bool Client::publish(const std::string& topic, const std::string& payload, int qos, std::string& error) {
    const int rc = mosquitto_publish(handle_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                                     payload.data(), qos, false);
    if (rc != MOSQ_ERR_SUCCESS) {
        error = error_text(rc);
        return false;
    }
    return true;
}

void Client::disconnect() {
    if (connected_)
        mosquitto_disconnect(handle_);
    connected_ = false;
}

void Client::on_connect(mosquitto*, void* self, int rc) {
    auto* client = static_cast<Client*>(self);
    client->connected_ = (rc == 0);
    client->refused_ = rc;
}

void Client::on_disconnect(mosquitto*, void* self, int) {
    static_cast<Client*>(self)->connected_ = false;
}

}  // namespace rtpe::mqtt
