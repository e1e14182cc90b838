"""Shared helpers for the pytest suites: start our daemon on loopback, speak ng to it.

Every daemon a test starts is ended by PID when the test finishes; ports are picked
free at random so that two runs never collide.
"""

import atexit
import collections
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Every daemon's config and log go below one directory that disappears with the test run.
_SESSION_DIR = tempfile.mkdtemp(prefix="rtpe-tests-")
atexit.register(shutil.rmtree, _SESSION_DIR, True)


def daemon_binary():
    build_dir = os.environ.get("RTPE_BUILD_DIR", os.path.join(REPO_ROOT, "build"))
    return os.path.join(build_dir, "bin", "rtpengine")


# Ports free_udp_port() handed out lately: a caller binds its port only later (a sipp, a
# Kamailio started after the next pick), so a second pick must not give the same one.
_RECENT_UDP_PORTS = collections.deque(maxlen=256)


def free_udp_port(host="127.0.0.1", family=socket.AF_INET):
    """A port that is free for UDP now (and its neighbour, for callers needing pairs), and
    none of those this process was given lately."""
    for _ in range(200):
        port = random.randrange(20000, 60000, 2)
        if port in _RECENT_UDP_PORTS:
            continue
        try:
            for p in (port, port + 1):
                s = socket.socket(family, socket.SOCK_DGRAM)
                try:
                    s.bind((host, p))
                finally:
                    s.close()
            _RECENT_UDP_PORTS.append(port)
            return port
        except OSError:
            continue
    raise RuntimeError("no free UDP port found")


def free_tcp_port(host="127.0.0.1", family=socket.AF_INET):
    """A TCP port that is free now (the kernel's pick)."""
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def tcp_request(address, data, family=socket.AF_INET, timeout=5.0):
    """Sends data (bytes) on a new TCP connection; returns all bytes received until the peer closes."""
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(address)
        s.sendall(data)
        reply = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return reply
            reply += chunk


# --- bencode, written here independently of the daemon's codec so tests check it ---

def bencode(value):
    if isinstance(value, bool):
        raise TypeError("bencode has no booleans")
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, (bytes, bytearray)):
        return b"%d:%s" % (len(value), bytes(value))
    if isinstance(value, (list, tuple)):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        out = b"d"
        for k, v in value.items():
            out += bencode(k) + bencode(v)
        return out + b"e"
    raise TypeError(type(value))


def bdecode(data):
    value, rest = _bdecode(data, 0)
    if rest != len(data):
        raise ValueError("trailing data")
    return value


def bdecode_first(data):
    """The first bencoded value of a stream (TCP coalesces messages), and what follows it."""
    value, end = _bdecode(data, 0)
    return value, data[end:]


def _bdecode(data, i):
    c = data[i:i + 1]
    if c == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1:end]), end + 1
    if c == b"l":
        i += 1
        out = []
        while data[i:i + 1] != b"e":
            v, i = _bdecode(data, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        i += 1
        out = {}
        while data[i:i + 1] != b"e":
            k, i = _bdecode(data, i)
            v, i = _bdecode(data, i)
            out[k.decode()] = v
        return out, i + 1
    colon = data.index(b":", i)
    n = int(data[i:colon])
    start = colon + 1
    if start + n > len(data):
        raise ValueError("truncated string")
    return data[start:start + n], start + n


class NgClient:
    """ng over UDP from one local socket; replies are matched by cookie."""

    def __init__(self, address, family=socket.AF_INET, timeout=2.0):
        self.address = address
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.settimeout(timeout)
        self.counter = random.randrange(1, 1 << 30)

    def close(self):
        self.sock.close()

    def send_raw(self, datagram):
        self.sock.sendto(datagram, self.address)

    def recv_raw(self):
        data, _ = self.sock.recvfrom(65536)
        return data

    def request_raw(self, datagram):
        self.send_raw(datagram)
        return self.recv_raw()

    def request(self, dictionary, cookie=None):
        """Sends a bencode dictionary, returns (cookie, decoded reply dictionary)."""
        if cookie is None:
            self.counter += 1
            cookie = "c%d" % self.counter
        reply = self.request_raw(cookie.encode() + b" " + bencode(dictionary))
        got_cookie, _, body = reply.partition(b" ")
        assert got_cookie == cookie.encode(), (got_cookie, cookie)
        return bdecode(body)


class Daemon:
    """Our rtpengine in the foreground, logging to a file, with a config file of its own."""

    def __init__(self, config=None, args=(), section="rtpengine", binary=None, env=None):
        # binary: another rtpengine-compatible executable to run instead of ours
        # (e.g. Debian's /usr/bin/rtpengine for developing a test harness).
        self.binary = binary
        self.env = dict(os.environ, **(env or {}))
        self.workdir = tempfile.mkdtemp(prefix="daemon-", dir=_SESSION_DIR)
        self.log_path = os.path.join(self.workdir, "daemon.log")
        self.config_path = None
        if config is not None:
            self.config_path = os.path.join(self.workdir, "rtpengine.conf")
            with open(self.config_path, "w") as f:
                f.write("[%s]\n" % section)
                for key, value in config.items():
                    f.write("%s = %s\n" % (key, value))
        self.args = list(args)
        self.proc = None

    def command_line(self):
        cmd = [self.binary or daemon_binary(), "--foreground", "--log-stderr"]
        cmd.append("--config-file=%s" % (self.config_path or "none"))
        return cmd + self.args

    def start(self, wait_for="Startup complete", timeout=10.0):
        self.log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.command_line(), stdout=self.log_file, stderr=subprocess.STDOUT,
                                     env=self.env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if wait_for in self.log():
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("daemon exited with %d:\n%s" % (self.proc.returncode, self.log()))
            time.sleep(0.02)
        raise RuntimeError("daemon did not start:\n" + self.log())

    def log(self):
        with open(self.log_path, "r", errors="replace") as f:
            return f.read()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Signals the daemon and returns its exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.log_file.close()
                return None
        self.log_file.close()
        return self.proc.returncode


def start_ng_daemon(args=(), cli=False, binary=None, env=None):
    """A started daemon on 127.0.0.1 ("-i 127.0.0.1 -t -1") with an ng port (d.ng_port, and
    d.ng, an NgClient to it) and, with cli=True, a CLI port (d.cli_port, --listen-cli);
    args follow those. Stop it with stop_ng_daemon()."""
    ng_port = free_udp_port()
    base = ["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % ng_port, "-t", "-1"]
    cli_port = None
    if cli:
        cli_port = free_tcp_port()
        base.append("--listen-cli=127.0.0.1:%d" % cli_port)
    d = Daemon(args=base + list(args), binary=binary, env=env)
    d.start()
    d.ng_port = ng_port
    d.cli_port = cli_port
    d.ng = NgClient(("127.0.0.1", ng_port))
    return d


def stop_ng_daemon(d):
    """Closes d.ng and stops the daemon, which must exit cleanly."""
    d.ng.close()
    assert d.stop() == 0, d.log()


def run_daemon_once(args, timeout=10.0):
    """Runs the binary to completion (for --version, --help, bad options)."""
    return subprocess.run([daemon_binary()] + list(args), capture_output=True, timeout=timeout, text=True)


# What our query adds to upstream's per-stream keys (docs/ng.md): left out when comparing.
OUR_STREAM_ADDITIONS = ("learning", "classified", "playout")

# Debian's daemon, the oracle some tests compare with; the product never uses it.
UPSTREAM_DAEMON = "/usr/bin/rtpengine"


def start_with_oracle(args):
    """Our daemon and Debian's, started alike (start_ng_daemon); without the oracle the
    calling test fails. Stop both with stop_with_oracle()."""
    assert os.path.exists(UPSTREAM_DAEMON), "needs Debian's rtpengine as the oracle"
    ours = start_ng_daemon(args)
    try:
        return ours, start_ng_daemon(args, binary=UPSTREAM_DAEMON)
    except Exception:
        stop_ng_daemon(ours)
        raise


def stop_with_oracle(pair):
    ours, theirs = pair
    stop_ng_daemon(ours)
    theirs.ng.close()
    theirs.stop()


def decoded(value):
    """A decoded ng reply with every byte string made text, for comparing and printing."""
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, list):
        return [decoded(x) for x in value]
    if isinstance(value, dict):
        return {k: decoded(x) for k, x in value.items()}
    return value
