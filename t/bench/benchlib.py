"""What the benchmarks on the host share: the ng client, the two daemons side by side,
CPU time from /proc, peer sockets, alternating rounds and their medians.

relay_bench.py and transcode_bench.py import it; it is not a benchmark itself. Only the
processes a benchmark starts are ended, each by its PID. See t/bench/README.md.
"""

import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
CLK_TCK = os.sysconf("SC_CLK_TCK")

RTP_HEADER = 12
SOCKET_BUFFER = 1 << 20       # our peers' socket buffers (root may set up to rmem_max)


# ---------------------------------------------------------------- bencode / ng ------

def bencode(value):
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, (list, tuple)):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in value.items()) + b"e"
    raise TypeError(type(value))


def _bdecode(data, i):
    c = data[i:i + 1]
    if c == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1:end]), end + 1
    if c in (b"l", b"d"):
        i += 1
        items = []
        while data[i:i + 1] != b"e":
            v, i = _bdecode(data, i)
            items.append(v)
        if c == b"l":
            return items, i + 1
        return {items[k].decode(): items[k + 1] for k in range(0, len(items), 2)}, i + 1
    colon = data.index(b":", i)
    n = int(data[i:colon])
    return data[colon + 1:colon + 1 + n], colon + 1 + n


def bdecode(data):
    return _bdecode(data, 0)[0]


class Ng:
    """One ng-over-UDP client socket; a request lost on the way is resent with its cookie."""

    def __init__(self, port, timeout=2.0, tries=3):
        self.address = ("127.0.0.1", port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.timeout = timeout
        self.tries = tries
        self.counter = random.randrange(1, 1 << 30)

    def close(self):
        self.sock.close()

    def request(self, dictionary, timeout=None, tries=None):
        self.counter += 1
        cookie = b"b%d" % self.counter
        datagram = cookie + b" " + bencode(dictionary)
        self.sock.settimeout(timeout or self.timeout)
        for _ in range(tries or self.tries):
            self.sock.sendto(datagram, self.address)
            try:
                while True:
                    reply = self.sock.recv(65536)
                    got, _, body = reply.partition(b" ")
                    if got == cookie:
                        return bdecode(body)
            except socket.timeout:
                continue
        raise TimeoutError("no ng reply to %r" % dictionary.get("command"))


def sdp_port(sdp):
    for line in sdp.split(b"\n"):
        if line.startswith(b"m="):
            return int(line.split()[1])
    raise ValueError("no m= line")



# ---------------------------------------------------------------- daemons -----------

def proc_cpu_ticks(pid):
    """utime+stime of the whole process (all threads, living and ended), in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        data = f.read()
    fields = data[data.rindex(")") + 2:].split()   # fields[0] is field 3 (state)
    return int(fields[11]) + int(fields[12])        # fields 14 (utime) and 15 (stime)


def proc_cpu_ns(pid):
    """(run time of every thread now living, in ns, from /proc/PID/task/*/schedstat; their
    thread ids). The same clock as utime+stime but not rounded to ticks; a thread that ends
    takes its time with it, so compare the thread ids before trusting a difference."""
    total, tids = 0, []
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
            tids.append(tid)
        except (OSError, ValueError, IndexError):
            pass
    return total, frozenset(tids)


class BenchDaemon:
    def __init__(self, label, binary, ng_port, port_min, port_max, workdir):
        self.label = label
        self.binary = binary
        self.ng_port = ng_port
        self.port_min = port_min
        self.port_max = port_max
        self.log_path = os.path.join(workdir, "%s.log" % label)
        self.proc = None
        self.ng = None

    def command(self):
        return [self.binary, "--config-file=none", "-f", "-E", "-t", "-1", "-i", "127.0.0.1",
                "-n", "127.0.0.1:%d" % self.ng_port, "-m", str(self.port_min), "-M", str(self.port_max),
                "--num-threads=1", "-L", "4", "--delete-delay=0"]

    def start(self, timeout=15.0):
        self.log = open(self.log_path, "wb")
        # Own session: a Ctrl-C in the terminal reaches only this script, which then ends
        # the daemon itself, by PID.
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.ng = Ng(self.ng_port)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %d; log in %s" % (self.label, self.proc.returncode, self.log_path))
            try:
                self.ng.request({"command": "ping"}, timeout=0.2, tries=1)
                return
            except TimeoutError:
                pass
        raise RuntimeError("%s did not answer ng ping within %.0f s" % (self.label, timeout))

    def stop(self):
        if self.ng:
            self.ng.close()
            self.ng = None
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)   # Popen signals exactly its own PID
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        self.proc = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cpu_ticks(self):
        return proc_cpu_ticks(self.proc.pid)

    def cpu_ns(self):
        return proc_cpu_ns(self.proc.pid)

    def threads(self):
        return len(os.listdir("/proc/%d/task" % self.proc.pid))


class Measure:
    """Daemon CPU and wall time between start() and stop(). The CPU comes from the threads'
    schedstat run times (nanoseconds) when the same threads lived at both ends, else from
    utime+stime (clock ticks, which also count threads that ended): `precise` says which."""

    def __init__(self, daemon):
        self.daemon = daemon

    def __enter__(self):
        self.t0 = time.monotonic()
        self.c0 = self.daemon.cpu_ticks()
        self.ns0, self.tids0 = self.daemon.cpu_ns()
        return self

    def __exit__(self, *exc):
        ns1, tids1 = self.daemon.cpu_ns()
        self.c1 = self.daemon.cpu_ticks()
        self.t1 = time.monotonic()
        self.ticks = self.c1 - self.c0
        self.precise = tids1 == self.tids0
        self.cpu = (ns1 - self.ns0) / 1e9 if self.precise else self.ticks / CLK_TCK
        self.wall = self.t1 - self.t0
        return False


def make_peer_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for opt in (socket.SO_RCVBUF, socket.SO_SNDBUF):
        try:
            s.setsockopt(socket.SOL_SOCKET, opt, SOCKET_BUFFER)
        except OSError:
            pass
    s.bind(("127.0.0.1", 0))
    return s


def udp_rcvbuf_errors():
    """System-wide count of UDP datagrams dropped for a full receive buffer."""
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Udp:")]
    return int(dict(zip(rows[0][1:], rows[1][1:]))["RcvbufErrors"])


# ---------------------------------------------------------------- rounds / report ---

def median(values):
    return statistics.median(values) if values else float("nan")


def spread(values, fmt):
    if len(values) < 2:
        return ""
    return " (" + fmt.format(min(values)) + "-" + fmt.format(max(values)) + ")"


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def log_summary(daemon):
    """Lines a daemon logged (at -L 4: warnings and errors), grouped without timestamps and ports."""
    try:
        with open(daemon.log_path, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return
    groups = {}
    for line in lines:
        key = re.sub(r"\d+", "N", re.sub(r"^\[[\d.]+\]\s*", "", line))[:140]
        groups[key] = groups.get(key, 0) + 1
    if not groups:
        print("%s logged nothing" % daemon.label)
        return
    print("%s logged %d line(s):" % (daemon.label, len(lines)))
    for key, count in sorted(groups.items(), key=lambda kv: -kv[1])[:4]:
        print("  %6d x %s" % (count, key))




# ---------------------------------------------------------------- the run -----------

def add_common_args(parser, time_limit):
    """--ours, --reference, --rounds, --time-limit and --json, as every host benchmark has them."""
    parser.add_argument("--ours", default=os.path.join(os.environ.get("RTPE_BUILD_DIR", os.path.join(REPO_ROOT, "build")),
                                                      "bin", "rtpengine"),
                        help="our daemon (default $RTPE_BUILD_DIR/bin/rtpengine, else build/bin/rtpengine)")
    parser.add_argument("--reference", default="/usr/bin/rtpengine", help="upstream daemon (default /usr/bin/rtpengine)")
    parser.add_argument("--rounds", type=int, default=3, help="A/B rounds, medians taken (default 3)")
    parser.add_argument("--time-limit", type=float, default=time_limit,
                        help="start no new round after this many seconds (default %.0f)" % time_limit)
    parser.add_argument("--json", help="also write all per-round figures to this file")


def format_row(row):
    return ", ".join("%s=%s" % (k, ("%.3g" % v) if isinstance(v, float) else v) for k, v in row.items())


def run_side_by_side(args, name, t_start, warm_up, phases_of_round, describe=None):
    """Our daemon and the reference (args.ours, args.reference) started side by side, each
    with its own ng port and media port range; warm_up(daemon) for each, not measured;
    then args.rounds rounds, each running every phase of phases_of_round(round) as
    [(phase name, function(daemon) -> row dict)] for both daemons, the order flipping
    every round. No new round starts once args.time_limit would be passed. Ctrl-C or
    SIGTERM ends the rounds early. The daemons are stopped, each by its PID, before this
    returns ((ours, reference), {label: {phase: [row per round]}}, workdir with their logs).
    describe(daemons), if given, prints a line once both are up."""
    for binary in (args.ours, args.reference):
        if not os.access(binary, os.X_OK):
            raise SystemExit("not executable: %s" % binary)
    workdir = tempfile.mkdtemp(prefix="%s-" % name)
    base = random.randrange(20000, 50000, 2)
    ours = BenchDaemon("ours", args.ours, base - 4, base, base + 3999, workdir)
    ref = BenchDaemon("reference", args.reference, base - 2, base + 4000, base + 7999, workdir)
    daemons = (ours, ref)

    def on_signal(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)

    results = {d.label: {} for d in daemons}
    try:
        for d in daemons:
            d.start()
        print("daemons: ours pid %d (%d threads), reference pid %d (%d threads); logs in %s"
              % (ours.proc.pid, ours.threads(), ref.proc.pid, ref.threads(), workdir))
        if describe:
            describe(daemons)
        for d in daemons:
            warm_up(d)
        round_time = None
        for rnd in range(args.rounds):
            elapsed = time.monotonic() - t_start
            if rnd > 0 and elapsed + (round_time or 0) > args.time_limit:
                print("time limit: stopping after %d round(s)" % rnd)
                break
            r0 = time.monotonic()
            order = daemons if rnd % 2 == 0 else daemons[::-1]
            for phase, run in phases_of_round(rnd):
                for d in order:
                    if not d.alive():
                        raise RuntimeError("%s died; log in %s" % (d.label, d.log_path))
                    row = run(d)
                    results[d.label].setdefault(phase, []).append(row)
                    print("  round %d %-5s %-9s %s" % (rnd + 1, phase, d.label, format_row(row)), flush=True)
            round_time = time.monotonic() - r0
    except KeyboardInterrupt:
        print("interrupted")
    finally:
        for d in daemons:
            d.stop()
    return daemons, results, workdir


def run_and_report(args, name, t_start, warm_up, phases_of_round, required_phase, report, after=None):
    """run_side_by_side, then the benchmark's report (report(results, daemons, args)), the
    daemons' log summaries, after(results, daemons) when given (it may add figures of its
    own to results), and the per-round figures into --json; exits when not even
    required_phase completed once."""
    daemons, results, workdir = run_side_by_side(args, name, t_start, warm_up, phases_of_round)
    if not results[daemons[0].label].get(required_phase):
        sys.exit("no complete round; daemon logs in %s" % workdir)
    report(results, daemons, args)
    print()
    for d in daemons:
        log_summary(d)
    if after:
        after(results, daemons)
    shutil.rmtree(workdir, ignore_errors=True)
    print("load average now %s; total %.0f s" % (loadavg(), time.monotonic() - t_start))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "nproc": os.cpu_count(), "results": results}, f, indent=1)
