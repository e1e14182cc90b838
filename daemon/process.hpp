#pragma once
// Process-level duties: detaching from the terminal, the pidfile, systemd readiness,
// and turning signals into events for the main thread.

#include <csignal>
#include <string>

namespace rtpe::process {

// Forks into the background and detaches; the parent exits 0. stderr stays open when
// keep_stderr (for --log-stderr without --foreground). Throws std::runtime_error.
void daemonize(bool keep_stderr);

// Writes the PID on construction and removes the file on destruction.
class PidFile {
public:
    explicit PidFile(std::string path);  // throws std::runtime_error
    ~PidFile();
    PidFile(const PidFile&) = delete;
    PidFile& operator=(const PidFile&) = delete;

private:
    std::string path_;
};

// Tells systemd (when it started us with Type=notify) about a state change.
void notify_systemd(const char* state);

// Blocks the signals handled by wait_for_signal in the calling thread and in every
// thread it creates afterwards, and ignores SIGPIPE. Call before starting threads.
void block_handled_signals();

// Keeps freed heap memory with the process instead of handing it back to the kernel
// after every call: signalling frees and allocates similar amounts all the time, and
// each give-back costs a system call now and page faults later.
void keep_heap_memory();

// Waits for SIGTERM, SIGINT, SIGHUP, SIGUSR1 or SIGUSR2 and returns its number.
int wait_for_signal();

}  // namespace rtpe::process
