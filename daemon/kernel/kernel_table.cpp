#include "daemon/kernel/kernel_table.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "util/log.hpp"

namespace rtpe::kernel {

namespace {

std::string errno_text(int error) {
    return std::strerror(error);
}

KernelStatus failed(int error, const std::string& what) {
    return KernelStatus::failure(error, what + ": " + errno_text(error));
}

// One whole write, or the errno of why not (a short write is EIO: the module takes all or nothing).
int write_all(int fd, const void* data, std::size_t len) {
    for (;;) {
        const ssize_t n = ::write(fd, data, len);
        if (n == static_cast<ssize_t>(len))
            return 0;
        if (n >= 0)
            return EIO;
        if (errno != EINTR)
            return errno;
    }
}

// The "Control PID:" line of root/N/status, 0 when unknown.
long owner_pid(const std::string& root, unsigned id) {
    std::ifstream status(root + "/" + std::to_string(id) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("Control PID:", 0) == 0)
            return std::strtol(line.c_str() + 12, nullptr, 10);
    return 0;
}

}  // namespace

KernelStatus table_command(const std::string& root, const char* verb, unsigned id) {
    const std::string path = root + "/control";
    net::Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    if (!fd.valid())
        return failed(errno, "open " + path);
    const std::string line = std::string(verb) + " " + std::to_string(id) + "\n";
    if (int e = write_all(fd.get(), line.data(), line.size()))
        return failed(e, "write '" + std::string(verb) + " " + std::to_string(id) + "' to " + path);
    return {};
}

KernelTable::Opened KernelTable::open(unsigned id, std::string root) {
    Opened result;
    // Reclaim what a dead daemon left; a live one still holding N/control makes this EBUSY.
    if (auto s = table_command(root, "del", id); !s && s.error() != ENOENT) {
        if (s.error() == EBUSY) {
            const long pid = owner_pid(root, id);
            result.status = KernelStatus::failure(
                EBUSY, "kernel table " + std::to_string(id) + " is in use by " +
                           (pid > 0 ? "process " + std::to_string(pid) : std::string("another process")) + " (" +
                           s.message() + ")");
        } else if (s.error() == EINVAL) {
            result.status = KernelStatus::failure(
                EINVAL, s.message() + " (the module numbers its tables 0 to max_tables-1, 0 to 63 by default)");
        } else {
            result.status = s;
        }
        return result;
    }
    if (auto s = table_command(root, "add", id); !s) {
        result.status = s;
        return result;
    }
    const std::string path = root + "/" + std::to_string(id) + "/control";
    // Read and written: a delete's last record is read back from it.
    net::Fd control(::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC));
    if (!control.valid()) {
        result.status = failed(errno, "open " + path);
        table_command(root, "del", id);
        return result;
    }
    // The probe: deleting a target in the fresh, empty table. A module that reads this
    // message layout answers ENOENT; one that does not (another magic, version or size)
    // answers EINVAL.
    KernelTarget probe;
    probe.local = net::SocketAddress(net::IpAddress::any(AF_INET), 9);
    const auto bytes = encode_message(KernelCommand::remove, probe);
    if (int e = write_all(control.get(), bytes.data(), bytes.size()); e != 0 && e != ENOENT) {
        if (e == EINVAL)
            result.status = KernelStatus::failure(
                EINVAL, "the xt_RTPENGINE module refuses this daemon's control messages (ABI version " +
                            std::to_string(kAbiVersion) + ", " + std::to_string(kMessageSize) + " bytes): write " +
                            path + ": " + errno_text(e) + "; load the xt_RTPENGINE module built with this daemon");
        else
            result.status = failed(e, "write " + path + " (ABI probe)");
        control.reset();
        table_command(root, "del", id);
        return result;
    }
    result.table.reset(new KernelTable(id, std::move(root), std::move(control)));
    return result;
}

std::unique_ptr<KernelTable> KernelTable::adopt(unsigned id, std::string root, net::Fd control) {
    return std::unique_ptr<KernelTable>(new KernelTable(id, std::move(root), std::move(control)));
}

KernelTable::KernelTable(unsigned id, std::string root, net::Fd control)
    : id_(id), root_(std::move(root)), control_(std::move(control)) {}

KernelTable::~KernelTable() {
    // The module refuses (EBUSY) to delete a table whose control file is open.
    control_.reset();
    if (auto s = table_command(root_, "del", id_); !s)
        RTPE_LOG(core, log::kWarning, "Cannot delete kernel table %u at exit: %s", id_, s.message().c_str());
}

KernelStatus KernelTable::send(KernelCommand cmd, const KernelTarget& target) const {
    if (auto s = validate(target); !s)
        return KernelStatus::failure(s.error(), describe(cmd, target) + ": " + s.message());
    const auto bytes = encode_message(cmd, target);
    std::lock_guard lock(control_mutex_);
    if (int e = write_all(control_.get(), bytes.data(), bytes.size()))
        return failed(e, "write " + root_ + "/" + std::to_string(id_) + "/control (" + describe(cmd, target) + ")");
    return {};
}

KernelStatus KernelTable::remove(const net::SocketAddress& local, std::optional<KernelTargetStats>* last) const {
    KernelTarget target;
    target.local = local;
    if (local.family() != AF_INET && local.family() != AF_INET6)
        return KernelStatus::failure(EINVAL, "delete target: no local address");
    const std::string path = root_ + "/" + std::to_string(id_) + "/control";
    const auto bytes = encode_message(KernelCommand::remove, target);
    // The delete and the read of its record belong together.
    std::lock_guard lock(control_mutex_);
    if (int e = write_all(control_.get(), bytes.data(), bytes.size()))
        return failed(e, "write " + path + " (" + describe(KernelCommand::remove, target) + ")");
    if (!last)
        return {};
    last->reset();
    std::vector<uint8_t> record(kRecordSize);
    ssize_t n;
    do
        n = ::read(control_.get(), record.data(), record.size());
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return failed(errno, "read " + path + " (the deleted target's record)");
    if (n == 0)
        return {};  // a module without the read-back, or a test's plain file: the counts stay as last read
    KernelTargetStats stats;
    if (auto s = decode_record({record.data(), static_cast<std::size_t>(n)}, stats); !s)
        return KernelStatus::failure(s.error(), path + ": " + s.message());
    *last = std::move(stats);
    return {};
}

KernelStatus KernelTable::read_stats(std::vector<KernelTargetStats>& out) const {
    const std::string path = root_ + "/" + std::to_string(id_) + "/blist";
    net::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return failed(errno, "open " + path);
    // Whole records per read (the module refuses a buffer shorter than one); 0 is the end.
    constexpr std::size_t kRecordsPerRead = 32;
    std::vector<uint8_t> bytes;
    std::vector<uint8_t> buffer(kRecordsPerRead * kRecordSize);
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return failed(errno, "read " + path);
        }
        if (n == 0)
            break;
        bytes.insert(bytes.end(), buffer.begin(), buffer.begin() + n);
    }
    if (auto s = decode_records(bytes, out); !s)
        return KernelStatus::failure(s.error(), path + ": " + s.message());
    return {};
}

}  // namespace rtpe::kernel
