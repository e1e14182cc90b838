#include "daemon/kernel/firewall_chain.hpp"

// libiptc's headers declare C functions without saying so.
extern "C" {
#include <libiptc/libip6tc.h>
#include <libiptc/libiptc.h>
}
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "util/log.hpp"

namespace rtpe::kernel {

namespace {

// The matches (udp --dport PORT, comment) and the ACCEPT target every rule has, laid out
// after an entry header of the family's type; what libiptc takes as one entry.
template <typename Entry>
std::vector<unsigned char> rule_bytes(uint16_t port, const std::string& comment, Entry*& entry) {
    const std::size_t udp_size = XT_ALIGN(sizeof(xt_entry_match)) + XT_ALIGN(sizeof(xt_udp));
    const std::size_t comment_size = XT_ALIGN(sizeof(xt_entry_match)) + XT_ALIGN(sizeof(xt_comment_info));
    const std::size_t target_size = XT_ALIGN(sizeof(xt_standard_target));
    const std::size_t header = XT_ALIGN(sizeof(Entry));
    std::vector<unsigned char> bytes(header + udp_size + comment_size + target_size, 0);
    entry = reinterpret_cast<Entry*>(bytes.data());
    entry->target_offset = static_cast<uint16_t>(header + udp_size + comment_size);
    entry->next_offset = static_cast<uint16_t>(bytes.size());

    auto* udp = reinterpret_cast<xt_entry_match*>(bytes.data() + header);
    udp->u.user.match_size = static_cast<uint16_t>(udp_size);
    std::strcpy(udp->u.user.name, "udp");
    auto* ports = reinterpret_cast<xt_udp*>(udp->data);
    ports->spts[0] = 0;
    ports->spts[1] = 0xffff;
    ports->dpts[0] = ports->dpts[1] = port;

    auto* note = reinterpret_cast<xt_entry_match*>(bytes.data() + header + udp_size);
    note->u.user.match_size = static_cast<uint16_t>(comment_size);
    std::strcpy(note->u.user.name, "comment");
    auto* text = reinterpret_cast<xt_comment_info*>(note->data);
    std::strncpy(text->comment, comment.c_str(), XT_MAX_COMMENT_LEN - 1);

    auto* target = reinterpret_cast<xt_standard_target*>(bytes.data() + entry->target_offset);
    target->target.u.user.target_size = static_cast<uint16_t>(target_size);
    std::strcpy(target->target.u.user.name, IPTC_LABEL_ACCEPT);
    return bytes;
}

// One transaction on the filter table of one family: init, change, commit, free.
struct V4 {
    using Entry = ipt_entry;
    static xtc_handle* init() { return iptc_init("filter"); }
    static void free(xtc_handle* h) { iptc_free(h); }
    static int is_chain(const char* c, xtc_handle* h) { return iptc_is_chain(c, h); }
    static int flush(const char* c, xtc_handle* h) { return iptc_flush_entries(c, h); }
    static int append(const char* c, const Entry* e, xtc_handle* h) { return iptc_append_entry(c, e, h); }
    static int remove(const char* c, const Entry* e, unsigned char* mask, xtc_handle* h) {
        return iptc_delete_entry(c, e, mask, h);
    }
    static int commit(xtc_handle* h) { return iptc_commit(h); }
    static const char* error(int e) { return iptc_strerror(e); }
    static void address(Entry& e, const net::SocketAddress& a) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(a.sockaddr_ptr());
        e.ip.dst = in->sin_addr;
        e.ip.dmsk.s_addr = 0xffffffff;
        e.ip.proto = IPPROTO_UDP;
    }
};

struct V6 {
    using Entry = ip6t_entry;
    static xtc_handle* init() { return ip6tc_init("filter"); }
    static void free(xtc_handle* h) { ip6tc_free(h); }
    static int is_chain(const char* c, xtc_handle* h) { return ip6tc_is_chain(c, h); }
    static int flush(const char* c, xtc_handle* h) { return ip6tc_flush_entries(c, h); }
    static int append(const char* c, const Entry* e, xtc_handle* h) { return ip6tc_append_entry(c, e, h); }
    static int remove(const char* c, const Entry* e, unsigned char* mask, xtc_handle* h) {
        return ip6tc_delete_entry(c, e, mask, h);
    }
    static int commit(xtc_handle* h) { return ip6tc_commit(h); }
    static const char* error(int e) { return ip6tc_strerror(e); }
    static void address(Entry& e, const net::SocketAddress& a) {
        const auto* in = reinterpret_cast<const sockaddr_in6*>(a.sockaddr_ptr());
        e.ipv6.dst = in->sin6_addr;
        std::memset(&e.ipv6.dmsk, 0xff, sizeof(e.ipv6.dmsk));
        e.ipv6.proto = IPPROTO_UDP;
        e.ipv6.flags |= IP6T_F_PROTO;
    }
};

// Runs change(handle) in a transaction; "" or what failed.
template <typename Family, typename Change>
std::string transaction(const char* what, const std::string& chain, Change change) {
    xtc_handle* h = Family::init();
    if (!h)
        return std::string(what) + ": cannot read the filter table: " + Family::error(errno);
    std::string failure;
    if (!Family::is_chain(chain.c_str(), h))
        failure = std::string(what) + ": no chain '" + chain + "' in the filter table";
    else if (!change(h) || !Family::commit(h))
        failure = std::string(what) + " in chain '" + chain + "': " + Family::error(errno);
    Family::free(h);
    return failure;
}

template <typename Family>
std::string change_rule(bool add, const std::string& chain, const net::SocketAddress& local,
                        const std::string& comment) {
    typename Family::Entry* entry = nullptr;
    auto bytes = rule_bytes(local.port(), comment, entry);
    Family::address(*entry, local);
    const std::string what = std::string(add ? "add" : "delete") + " the rule for " + local.to_string();
    return transaction<Family>(what.c_str(), chain, [&](xtc_handle* h) {
        if (add)
            return Family::append(chain.c_str(), entry, h) != 0;
        std::vector<unsigned char> mask(bytes.size(), 0xff);
        return Family::remove(chain.c_str(), entry, mask.data(), h) != 0;
    });
}

}  // namespace

FirewallChain::Opened FirewallChain::open(const std::string& name) {
    Opened out;
    for (auto error : {transaction<V4>("flush (IPv4)", name, [&](xtc_handle* h) { return V4::flush(name.c_str(), h) != 0; }),
                       transaction<V6>("flush (IPv6)", name, [&](xtc_handle* h) { return V6::flush(name.c_str(), h) != 0; })})
        if (!error.empty()) {
            out.error = "--iptables-chain=" + name + ": " + error;
            return out;
        }
    out.chain.reset(new FirewallChain(name));
    return out;
}

std::string FirewallChain::accept(const net::SocketAddress& local, const std::string& comment) const {
    return local.family() == AF_INET6 ? change_rule<V6>(true, name_, local, comment) : change_rule<V4>(true, name_, local, comment);
}

std::string FirewallChain::remove(const net::SocketAddress& local, const std::string& comment) const {
    return local.family() == AF_INET6 ? change_rule<V6>(false, name_, local, comment) : change_rule<V4>(false, name_, local, comment);
}

FirewallHole::FirewallHole(const FirewallChain& chain, net::SocketAddress local, std::string comment)
    : chain_(chain), local_(local), comment_(std::move(comment)) {
    const std::string error = chain_.accept(local_, comment_);
    added_ = error.empty();
    if (!added_)
        RTPE_LOG(core, log::kWarning, "iptables: %s", error.c_str());
}

FirewallHole::~FirewallHole() {
    if (!added_)
        return;
    if (const std::string error = chain_.remove(local_, comment_); !error.empty())
        RTPE_LOG(core, log::kWarning, "iptables: %s", error.c_str());
}

}  // namespace rtpe::kernel
