#pragma once
// What the daemon does about --table and --no-fallback at start, as upstream: a negative
// table means userspace only; otherwise the table is set up (KernelTable::open) and, when
// that fails, the daemon goes on in userspace with one warning saying what to do, or with
// --no-fallback refuses to start.

#include <memory>
#include <string>

#include "daemon/kernel/kernel_table.hpp"
#include "util/log.hpp"

namespace rtpe::kernel {

struct KernelStartup {
    std::unique_ptr<KernelTable> table;  // set: kernel forwarding is available
    bool refuse_start = false;           // --no-fallback and no table
    int log_level = log::kInfo;          // of message
    std::string message;                 // the one line to log; empty: nothing to say

    bool kernel_forwarding() const { return table != nullptr; }
};

KernelStartup start_kernel(int table, bool no_fallback, const std::string& root = kProcRoot);

}  // namespace rtpe::kernel
