#pragma once
// The daemon's forwarding table in xt_RTPENGINE, behind /proc/rtpengine (docs/kernel.md).
//
// open() does what upstream's daemon does at start: "del N" (a table a dead daemon left is
// reclaimed; one that does not exist is fine), "add N", and keeps N/control open, which
// makes this process the table's owner. It then writes a probe (a delete of a target that
// cannot exist) to learn whether the module speaks this daemon's ABI. The destructor closes
// N/control and deletes the table, so the daemon's own table is cleared at start and at exit.
//
// Nothing here throws: every failure is a KernelStatus with the errno and a message naming
// the file and the operation. Threads: the object is not changed after open(); add, update,
// remove and read_stats may be called from any thread (each write is one message, each
// read_stats opens blist on its own), the destructor once nothing else uses it.
//
// `root` is /proc/rtpengine; a test points it at a directory of regular files and reads
// back what was written (the control files are opened with O_APPEND, so a regular file
// collects every command and message in order, while /proc ignores the offset).

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daemon/kernel/kernel_message.hpp"
#include "daemon/kernel/kernel_target.hpp"
#include "net/socket.hpp"

namespace rtpe::kernel {

inline constexpr const char* kProcRoot = "/proc/rtpengine";

class KernelTable {
public:
    struct Opened {
        std::unique_ptr<KernelTable> table;  // null on failure
        KernelStatus status;
    };
    static Opened open(unsigned id, std::string root = kProcRoot);
    // A table over a control file opened elsewhere (tests: a file that fails writes); it
    // is deleted through root/control like one open() set up.
    static std::unique_ptr<KernelTable> adopt(unsigned id, std::string root, net::Fd control);

    ~KernelTable();
    KernelTable(const KernelTable&) = delete;
    KernelTable& operator=(const KernelTable&) = delete;

    unsigned id() const { return id_; }
    const std::string& root() const { return root_; }

    KernelStatus add(const KernelTarget& target) const { return send(KernelCommand::add, target); }
    KernelStatus update(const KernelTarget& target) const { return send(KernelCommand::update, target); }
    // With last: the target's final record (counters, SRTP state), as the module hands it
    // back after the delete; left empty when it does not.
    KernelStatus remove(const net::SocketAddress& local, std::optional<KernelTargetStats>* last = nullptr) const;

    // Every target's counters from N/blist, appended to out.
    KernelStatus read_stats(std::vector<KernelTargetStats>& out) const;

private:
    KernelTable(unsigned id, std::string root, net::Fd control);
    KernelStatus send(KernelCommand cmd, const KernelTarget& target) const;

    unsigned id_;
    std::string root_;
    net::Fd control_;  // root/N/control, held open for the daemon's lifetime
    mutable std::mutex control_mutex_;  // one message (and its read-back) at a time
};

// Writes "add N" or "del N" to root/control. For the table's lifecycle outside KernelTable
// (and its tests).
KernelStatus table_command(const std::string& root, const char* verb, unsigned id);

}  // namespace rtpe::kernel
