#include "daemon/control/control_thread.hpp"

#include "util/log.hpp"

namespace rtpe::control {

ControlThread::ControlThread(const DaemonOptions& options, NgCommandTable commands)
    : commands_(std::move(commands)), processor_(commands_, cookies_) {
    for (const auto& spec : options.listen_ng) {
        for (const auto& address : spec.addresses) {
            ng_udp_.push_back(std::make_unique<NgUdpListener>(address, processor_));
            ng_udp_.back()->attach(poller_);
            RTPE_LOG(control, log::kInfo, "Listening for ng commands on UDP %s", address.to_string().c_str());
        }
    }
}

ControlThread::~ControlThread() {
    stop();
}

void ControlThread::start(std::size_t stack_bytes) {
    thread_ = Thread("control", stack_bytes, [this] { poller_.run(); });
}

void ControlThread::stop() {
    poller_.stop();
    thread_.join();
}

}  // namespace rtpe::control
