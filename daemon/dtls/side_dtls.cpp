#include "daemon/dtls/side_dtls.hpp"

#include <sys/socket.h>

#include <chrono>

#include "daemon/media/srtp_logging.hpp"
#include "daemon/media/worker_context.hpp"
#include "util/log.hpp"

namespace rtpe::dtls {

namespace {

// The endpoint's clock and the worker timers' are both CLOCK_MONOTONIC.
TimePoint from_ms(int64_t ms) {
    return TimePoint(std::chrono::milliseconds(ms));
}

int64_t to_ms(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

bool same_association(const SideSetup& a, const SideSetup& b) {
    return a.enabled == b.enabled && a.role == b.role && a.remote_fingerprint == b.remote_fingerprint &&
           a.keys_sibling == b.keys_sibling;
}

}  // namespace

SideDtls::SideDtls(Context context, media::PacketStream& own, media::PacketStream& sibling)
    : context_(std::move(context)), own_(own), sibling_(sibling) {}

SideDtls::~SideDtls() = default;

void SideDtls::configure(const SideSetup& setup) {
    if (endpoint_ && same_association(setup, setup_))
        return;
    setup_ = setup;
    stop();
    endpoint_.reset();
    use_srtp(nullptr);
    own_.srtp_required = setup.enabled;
    if (setup.keys_sibling)
        sibling_.srtp_required = setup.enabled;
    if (!setup.enabled)
        return;
    EndpointConfig config;
    config.role = setup.role;
    config.mtu = setup.mtu;
    try {
        endpoint_ = std::make_unique<Endpoint>(context_, config, *this);
    } catch (const std::exception& e) {
        RTPE_LOG(crypto, log::kErr, "DTLS setup failed: %s", e.what());
        return;
    }
    if (setup.remote_fingerprint)
        endpoint_->set_remote_fingerprint(*setup.remote_fingerprint);
    // An active endpoint sends its ClientHello now (towards where media goes; until ICE
    // has a pair that may go nowhere, and the retransmission gets there); a passive one
    // waits for the peer's.
    endpoint_->start(from_ms(media::WorkerTimers::now_ms()));
    settle();
}

void SideDtls::on_dtls(media::PacketStream& stream, const uint8_t* data, std::size_t length,
                       const net::SocketAddress& source) {
    if (!endpoint_)
        return;
    // Only from where media is known to come from, once that is settled (ICE or learning),
    // so that a third party cannot take over the handshake.
    if (stream.endpoint_confirmed && !(source == stream.endpoint)) {
        media::bump(stream.counters().refused_sources);
        return;
    }
    peer_ = source;
    endpoint_->on_datagram(from_ms(media::WorkerTimers::now_ms()), {data, length});
    settle();
}

void SideDtls::stop() {
    if (media::WorkerTimers* timers = media::this_worker().timers)
        timers->cancel(*this);
}

void SideDtls::send(std::span<const uint8_t> datagram) {
    const net::SocketAddress& to = peer_.port() ? peer_ : own_.endpoint;
    if (!to.port() || to.ip().is_unspecified())
        return;  // nowhere yet: the retransmission will try again
    if (::sendto(own_.fd(), datagram.data(), datagram.size(), MSG_DONTWAIT, to.sockaddr_ptr(), to.length()) < 0)
        media::bump(own_.counters().user_errors);
}

void SideDtls::on_event(const EndpointEvent& event) {
    events_.push_back(event);
}

void SideDtls::on_timer(int64_t now_ms) {
    if (!endpoint_)
        return;
    endpoint_->on_timer(from_ms(now_ms));
    settle();
}

void SideDtls::use_srtp(const SrtpKeys* keys) {
    // Only what this association gave: a component without one leaves its stream alone.
    if (srtp_in_) {
        for (media::PacketStream* s : {&own_, &sibling_})
            if (s->srtp_in == &*srtp_in_) {
                s->srtp_in = nullptr;
                s->srtp_out = nullptr;
            }
    }
    srtp_in_.reset();
    srtp_out_.reset();
    if (!keys)
        return;
    if (keys->suite) {
        media::log_srtp_key("DTLS", own_.local_address(), *keys->suite, keys->receive_key, keys->receive_salt, true);
        media::log_srtp_key("DTLS", own_.local_address(), *keys->suite, keys->send_key, keys->send_salt, false);
    }
    try {
        srtp_in_.emplace(keys->receive_context());
        srtp_out_.emplace(keys->send_context());
    } catch (const std::exception& e) {
        RTPE_LOG(crypto, log::kWarning, "DTLS-SRTP keys unusable: %s", e.what());
        srtp_in_.reset();
        srtp_out_.reset();
        return;
    }
    own_.srtp_in = &*srtp_in_;
    own_.srtp_out = &*srtp_out_;
    if (setup_.keys_sibling) {
        sibling_.srtp_in = &*srtp_in_;
        sibling_.srtp_out = &*srtp_out_;
    }
}

void SideDtls::settle() {
    for (const EndpointEvent& e : events_) {
        switch (e.kind) {
        case EndpointEvent::Kind::connected:
            RTPE_LOG(crypto, log::kInfo, "DTLS-SRTP connected on %s (%s)", own_.local_address().to_string().c_str(),
                     e.keys && e.keys->suite ? std::string(e.keys->suite->name).c_str() : "?");
            use_srtp(e.keys);
            if (media::EventOutbox* events = media::this_worker().events)
                for (media::PacketStream* s : {&own_, &sibling_}) {
                    if (s == &sibling_ && !setup_.keys_sibling)
                        continue;
                    media::MediaEvent verified;
                    verified.kind = media::MediaEvent::Kind::dtls_verified;
                    verified.stream = s;
                    events->post(verified);
                }
            break;
        case EndpointEvent::Kind::failed:
            RTPE_LOG(crypto, log::kWarning, "DTLS failed on %s: %.*s", own_.local_address().to_string().c_str(),
                     static_cast<int>(e.reason.size()), e.reason.data());
            break;
        case EndpointEvent::Kind::closed:
            break;
        }
    }
    events_.clear();
    media::WorkerTimers* timers = media::this_worker().timers;
    if (!timers)
        return;
    const TimePoint next = endpoint_ ? endpoint_->next_deadline() : Endpoint::kNever;
    if (next == Endpoint::kNever)
        timers->cancel(*this);
    else
        timers->schedule(*this, to_ms(next));
}

}  // namespace rtpe::dtls
