#include "daemon/kernel/kernel_startup.hpp"

namespace rtpe::kernel {

KernelStartup start_kernel(int table, bool no_fallback, const std::string& root) {
    KernelStartup r;
    if (table < 0) {
        r.message = "Kernel forwarding off (--table=" + std::to_string(table) + "), forwarding in userspace only";
        return r;
    }
    const unsigned id = static_cast<unsigned>(table);
    auto opened = KernelTable::open(id, root);
    if (opened.table) {
        r.table = std::move(opened.table);
        r.message = "Kernel forwarding table " + std::to_string(id) + " set up in " + root +
                    " (xt_RTPENGINE ABI version " + std::to_string(kAbiVersion) + ")";
        return r;
    }
    const std::string hint = "to forward in the kernel, load the xt_RTPENGINE module (modprobe xt_RTPENGINE) and "
                             "add its rule (iptables -I INPUT -p udp -j RTPENGINE --id " + std::to_string(id) +
                             ", and the same with ip6tables)";
    if (no_fallback) {
        r.refuse_start = true;
        r.log_level = log::kErr;
        r.message = "Cannot set up kernel table " + std::to_string(id) + ": " + opened.status.message() +
                    "; userspace fallback disallowed (--no-fallback), exiting; " + hint;
    } else {
        r.log_level = log::kWarning;
        r.message = "Kernel forwarding disabled, continuing in userspace only: cannot set up kernel table " +
                    std::to_string(id) + ": " + opened.status.message() + "; " + hint +
                    ", or set --table=-1 to run in userspace on purpose";
    }
    return r;
}

}  // namespace rtpe::kernel
