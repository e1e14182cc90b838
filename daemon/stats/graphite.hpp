#pragma once
// --graphite: every --graphite-interval seconds, upstream's plaintext lines
// ("<prefix><name> <value> <timestamp>\n") over a fresh TCP connection. Everything runs on
// the control thread without blocking it: the connect and the sending are driven by the
// control poller, a round still under way when the next is due makes that one skipped,
// and a round older than --graphite-timeout is abandoned.

#include <ctime>
#include <memory>
#include <string>

#include "daemon/media/local_interfaces.hpp"
#include "daemon/stats/statistics.hpp"
#include "net/address.hpp"
#include "net/poller.hpp"
#include "net/socket.hpp"

namespace rtpe::stats {

struct GraphiteSettings {
    net::SocketAddress server;
    int interval = 0;  // seconds
    int timeout = 0;   // seconds; 0: the interval
    std::string prefix;
};

// The lines of one round: closes the statistics' interval and reports it.
std::string graphite_lines(Statistics& stats, const media::LocalInterfaces& interfaces, const std::string& prefix,
                           std::time_t timestamp);

class GraphiteSender {
public:
    GraphiteSender(net::Poller& poller, Statistics& stats, const media::LocalInterfaces& interfaces,
                   GraphiteSettings settings);
    ~GraphiteSender();
    GraphiteSender(const GraphiteSender&) = delete;
    GraphiteSender& operator=(const GraphiteSender&) = delete;

    // The control thread's 1 s timer, after Statistics::tick().
    void tick();

private:
    void start_round();
    void on_ready(uint32_t events);
    void finish(const char* failure);

    net::Poller& poller_;
    Statistics& stats_;
    const media::LocalInterfaces& interfaces_;
    GraphiteSettings settings_;
    int seconds_ = 0;
    net::Fd socket_;
    std::unique_ptr<net::FunctionHandler> handler_;
    std::string pending_;
    std::size_t sent_ = 0;
    std::time_t round_started_ = 0;
};

}  // namespace rtpe::stats
