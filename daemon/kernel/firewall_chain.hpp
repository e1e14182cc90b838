#pragma once
// --iptables-chain, as upstream has it: the daemon takes over an iptables chain that must
// exist already (in the filter table, for IPv4 and IPv6), flushes it at start, and keeps
// one ACCEPT rule per media port it has open: UDP to exactly that local address and port,
// the call id as the rule's comment. A rule goes when its port closes. Nothing else is
// touched: no other chain, no policy. (Operators point INPUT at the chain from a ruleset
// that drops the rest of the port range.)
//
// Through libiptc/libip6tc (the legacy x_tables interface iptables-legacy uses), the one
// place in the daemon that includes them. Control thread only; nothing throws: failures
// come back as text.

#include <memory>
#include <string>

#include "net/address.hpp"

namespace rtpe::kernel {

class FirewallChain {
public:
    struct Opened {
        std::unique_ptr<FirewallChain> chain;  // null on failure
        std::string error;
    };
    // Checks the chain exists (IPv4 and IPv6) and flushes it.
    static Opened open(const std::string& name);

    // The rule for local (UDP), with comment; "" or the reason it failed.
    std::string accept(const net::SocketAddress& local, const std::string& comment) const;
    std::string remove(const net::SocketAddress& local, const std::string& comment) const;

    const std::string& name() const { return name_; }

private:
    explicit FirewallChain(std::string name) : name_(std::move(name)) {}
    std::string name_;
};

// An open port's rule, removed when this goes (with the port's sockets).
class FirewallHole {
public:
    FirewallHole(const FirewallChain& chain, net::SocketAddress local, std::string comment);
    ~FirewallHole();
    FirewallHole(const FirewallHole&) = delete;
    FirewallHole& operator=(const FirewallHole&) = delete;

private:
    const FirewallChain& chain_;
    net::SocketAddress local_;
    std::string comment_;
    bool added_ = false;
};

}  // namespace rtpe::kernel
