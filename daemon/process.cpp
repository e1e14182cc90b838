#include "daemon/process.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace rtpe::process {

namespace {

sigset_t handled_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2})
        sigaddset(&set, sig);
    return set;
}

void redirect_to_null(int target) {
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0)
        return;
    dup2(fd, target);
    if (fd != target)
        close(fd);
}

}  // namespace

void daemonize(bool keep_stderr) {
    const pid_t pid = fork();
    if (pid < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid > 0)
        _exit(0);
    if (setsid() < 0)
        throw std::runtime_error(std::string("setsid: ") + std::strerror(errno));
    if (chdir("/") != 0)
        throw std::runtime_error(std::string("chdir: ") + std::strerror(errno));
    redirect_to_null(STDIN_FILENO);
    redirect_to_null(STDOUT_FILENO);
    if (!keep_stderr)
        redirect_to_null(STDERR_FILENO);
}

PidFile::PidFile(std::string path) : path_(std::move(path)) {
    // Written aside and renamed so that a reader never sees an empty or partial file.
    const std::string temporary = path_ + ".tmp";
    FILE* f = std::fopen(temporary.c_str(), "w");
    if (!f)
        throw std::runtime_error("cannot write pidfile '" + path_ + "': " + std::strerror(errno));
    std::fprintf(f, "%d\n", static_cast<int>(getpid()));
    const bool written = std::fclose(f) == 0;
    if (!written || std::rename(temporary.c_str(), path_.c_str()) != 0) {
        unlink(temporary.c_str());
        throw std::runtime_error("cannot write pidfile '" + path_ + "': " + std::strerror(errno));
    }
}

PidFile::~PidFile() {
    unlink(path_.c_str());
}

void notify_systemd(const char* state) {
    sd_notify(0, state);
}

void keep_heap_memory() {
    constexpr int kTrimThreshold = 64 << 20;
    constexpr int kTopPad = 1 << 20;
    mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
    mallopt(M_TOP_PAD, kTopPad);
    // Per-thread arenas grow a page per system call and ignore the padding; allocation
    // happens on the control thread, so one arena costs no contention worth having.
    mallopt(M_ARENA_MAX, 1);

    // Fault the first part of the heap in now, in huge pages where the kernel allows them,
    // rather than a page at a time while offers arrive: it stays with the process (see the
    // trim threshold) and serves the signalling's allocations from then on.
    constexpr std::size_t kWarmHeap = 16 << 20;
    constexpr std::size_t kHugePage = 2 << 20;
    mallopt(M_MMAP_THRESHOLD, static_cast<int>(2 * kWarmHeap));  // from the heap, not mmap
    if (void* block = std::malloc(kWarmHeap)) {
        const auto start = (reinterpret_cast<uintptr_t>(block) + kHugePage - 1) & ~(kHugePage - 1);
        const auto end = (reinterpret_cast<uintptr_t>(block) + kWarmHeap) & ~(kHugePage - 1);
        if (end > start)
            madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
        std::memset(block, 0, kWarmHeap);
        std::free(block);
    }
    constexpr int kDefaultMmapThreshold = 128 << 10;
    mallopt(M_MMAP_THRESHOLD, kDefaultMmapThreshold);
}

void block_handled_signals() {
    signal(SIGPIPE, SIG_IGN);
    sigset_t set = handled_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_signal() {
    sigset_t set = handled_signals();
    for (;;) {
        const int sig = sigwaitinfo(&set, nullptr);
        if (sig > 0)
            return sig;
    }
}

}  // namespace rtpe::process
