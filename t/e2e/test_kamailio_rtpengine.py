"""End to end: a real Kamailio with its rtpengine module talking ng to our daemon.

Kamailio pings every configured rtpengine when its worker processes start and keeps
a per-proxy "disabled" flag that its RPC interface exposes. These tests start our
daemon and a Kamailio pointed at it, then ask Kamailio (through the ctl module and
kamcmd) whether it considers the proxy usable. The negative tests point Kamailio at a
port nobody answers on, or stop our daemon under it, and expect the opposite, so a
daemon that stops answering ping the way Kamailio expects makes this file fail.

Everything runs on 127.0.0.1; every process is ended by PID; every wait is bounded.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from rtpe_testlib import Daemon, daemon_binary, free_udp_port

HERE = os.path.dirname(os.path.abspath(__file__))
CFG_TEMPLATE = os.path.join(HERE, "kamailio", "rtpengine-ping.cfg")

KAMAILIO = os.environ.get("KAMAILIO", shutil.which("kamailio") or "/usr/sbin/kamailio")
KAMCMD = os.environ.get("KAMCMD", shutil.which("kamcmd") or "/usr/sbin/kamcmd")
# Optional override of Kamailio's module directory (its built-in default is used otherwise).
KAMAILIO_MODULES = os.environ.get("KAMAILIO_MODULES_DIR")

KAMCMD_TIMEOUT = 5.0
KAMAILIO_START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0

PING_RECEIVED = re.compile(r"Received command 'ping' from 127\.0\.0\.1:\d+")


def _require_tools():
    for path in (KAMAILIO, KAMCMD):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            pytest.fail("%s not found; scripts/install-deps.sh installs kamailio" % path)
    if not os.access(daemon_binary(), os.X_OK):
        pytest.fail("daemon binary %s not found; set RTPE_BUILD_DIR" % daemon_binary())


def _process_group_members(pgid):
    """PIDs whose process group is pgid (the Kamailio tree we started in its own session)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        # Fields after the parenthesised command name: state ppid pgrp ...
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) >= 3 and int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry))
    return members


def parse_kamcmd_structs(text):
    """kamcmd prints each RPC struct as '{', 'key: value' lines, '}'. Returns a list of dicts."""
    structs = []
    current = None
    for line in text.splitlines():
        line = line.strip()
        if line == "{":
            current = {}
        elif line == "}":
            if current is not None:
                structs.append(current)
            current = None
        elif current is not None and ":" in line:
            key, _, value = line.partition(":")
            current[key.strip()] = value.strip()
    return structs


class Kamailio:
    """A foreground Kamailio with its own temp dir (cfg, runtime dir, pid file, ctl socket)."""

    def __init__(self, ng_port):
        self.ng_port = ng_port
        self.sip_port = free_udp_port()
        self.proxy_url = "udp:127.0.0.1:%d" % ng_port
        self.proc = None
        self.log_file = None
        with open(CFG_TEMPLATE) as f:
            template = f.read()
        # Short path: the ctl socket is a Unix socket (108-byte path limit).
        self.workdir = tempfile.mkdtemp(prefix="rtpe-kam-")
        self.ctl_sock = os.path.join(self.workdir, "ctl.sock")
        self.pid_file = os.path.join(self.workdir, "kamailio.pid")
        self.cfg_path = os.path.join(self.workdir, "kamailio.cfg")
        self.log_path = os.path.join(self.workdir, "kamailio.log")
        cfg = template
        for name, value in (("SIP_PORT", self.sip_port), ("NG_PORT", ng_port), ("CTL_SOCK", self.ctl_sock)):
            cfg = cfg.replace("@@%s@@" % name, str(value))
        left = re.findall(r"@@[A-Z_]+@@", cfg)
        if left:
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise AssertionError("unfilled placeholders %s in %s" % (left, CFG_TEMPLATE))
        with open(self.cfg_path, "w") as f:
            f.write(cfg)

    def command_line(self):
        cmd = [KAMAILIO, "-DD", "-E", "-f", self.cfg_path, "-P", self.pid_file,
               "-Y", self.workdir, "-w", self.workdir, "-m", "32", "-M", "4"]
        if KAMAILIO_MODULES:
            cmd += ["-L", KAMAILIO_MODULES]
        return cmd

    def log(self):
        with open(self.log_path, "r", errors="replace") as f:
            return f.read()

    def start(self):
        """Starts Kamailio and waits until its startup ping of the proxy has concluded
        (either way) and the ctl socket answers RPCs."""
        self.log_file = open(self.log_path, "wb")
        # Own session, so the whole Kamailio tree can be found by process group on cleanup.
        self.proc = subprocess.Popen(self.command_line(), stdout=self.log_file, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.workdir, start_new_session=True)
        startup_ping = ("rtpengine instance <%s> found" % self.proxy_url, "proxy did not respond to ping")
        deadline = time.time() + KAMAILIO_START_TIMEOUT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("kamailio exited with %d:\n%s" % (self.proc.returncode, self.log()))
            if os.path.exists(self.ctl_sock) and any(s in self.log() for s in startup_ping):
                try:
                    self.rpc("core.version")
                except (subprocess.SubprocessError, AssertionError):
                    pass
                else:
                    # -DD keeps the main process in the foreground: it is the PID we hold.
                    with open(self.pid_file) as f:
                        assert int(f.read().strip()) == self.proc.pid, "pid file mismatch"
                    return self
            time.sleep(0.05)
        raise RuntimeError("kamailio did not become ready:\n" + self.log())

    def rpc(self, *args):
        """Runs one kamcmd RPC against our ctl socket; returns its stdout."""
        res = subprocess.run([KAMCMD, "-s", "unixs:" + self.ctl_sock] + list(args),
                             capture_output=True, text=True, timeout=KAMCMD_TIMEOUT,
                             stdin=subprocess.DEVNULL)
        assert res.returncode == 0, "kamcmd %s failed (%d): %s%s" % (
            " ".join(args), res.returncode, res.stdout, res.stderr)
        return res.stdout

    def show(self):
        """rtpengine.show for our proxy: its single struct (url, set, index, weight, disabled, ...)."""
        structs = [s for s in parse_kamcmd_structs(self.rpc("rtpengine.show", "all"))
                   if s.get("url") == self.proxy_url]
        assert len(structs) == 1, structs
        return structs[0]

    def ping(self):
        """rtpengine.ping all: returns Kamailio's status string ('success' or 'fail')."""
        structs = parse_kamcmd_structs(self.rpc("rtpengine.ping", "all"))
        assert len(structs) == 1 and structs[0].get("url") == "all", structs
        return structs[0].get("status")

    def enable(self):
        """rtpengine.enable all 1 (Kamailio pings before enabling); returns its status string,
        'enable' on success, 'fail' otherwise."""
        structs = parse_kamcmd_structs(self.rpc("rtpengine.enable", "all", "1"))
        assert len(structs) == 1, structs
        return structs[0].get("status")

    def stop(self):
        if self.proc is not None:
            pgid = self.proc.pid
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(STOP_TIMEOUT)
            # Kamailio's main process normally takes its children down with it; kill by PID
            # any of its tree that outlived it.
            deadline = time.time() + STOP_TIMEOUT
            leftovers = _process_group_members(pgid)
            for pid in leftovers:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            while leftovers and time.time() < deadline:
                time.sleep(0.05)
                leftovers = _process_group_members(pgid)
            for pid in leftovers:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc = None
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _ng_port_nobody_answers():
    """A UDP port that is free now, so nothing will reply to Kamailio's pings there."""
    port = free_udp_port()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", port))  # proves it is free at this instant
    finally:
        s.close()
    return port


def _start_daemon(cleanup_stack, ng_port):
    """Our daemon with ng on 127.0.0.1:ng_port, registered for cleanup before it starts."""
    daemon = Daemon(args=["--interface=127.0.0.1", "--listen-ng=127.0.0.1:%d" % ng_port, "--table=-1"])
    cleanup_stack.append(daemon)
    return daemon.start()


def _start_kamailio(cleanup_stack, ng_port):
    kam = Kamailio(ng_port)
    cleanup_stack.append(kam)
    return kam.start()


FILE_BUDGET = 60.0


@pytest.fixture(scope="module", autouse=True)
def whole_file_budget():
    """Every wait is bounded individually; this holds the file as a whole to its budget."""
    started = time.monotonic()
    yield
    elapsed = time.monotonic() - started
    assert elapsed < FILE_BUDGET, "Kamailio e2e tests took %.1f s (budget %.0f s)" % (elapsed, FILE_BUDGET)


@pytest.fixture
def cleanup_stack():
    """Things to stop at teardown (Daemons and Kamailios), ended in reverse start order."""
    items = []
    yield items
    errors = []
    for item in reversed(items):
        try:
            if isinstance(item, Kamailio):
                item.cleanup()
            else:
                item.stop()
                shutil.rmtree(item.workdir, ignore_errors=True)
        except Exception as e:  # keep cleaning up the rest
            errors.append(e)
    if errors:
        raise errors[0]


def _count_pings(daemon):
    return len(PING_RECEIVED.findall(daemon.log()))


def _wait_for(predicate, timeout=3.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_kamailio_enables_our_daemon(cleanup_stack):
    _require_tools()
    ng_port = free_udp_port()
    daemon = _start_daemon(cleanup_stack, ng_port)
    kam = _start_kamailio(cleanup_stack, ng_port)

    log = kam.log()
    assert "rtpengine instance <%s> found, support for it enabled" % kam.proxy_url in log, log
    assert "did not respond" not in log, log

    # Kamailio's startup ping reached our daemon and was answered.
    assert _wait_for(lambda: _count_pings(daemon) >= 1), daemon.log()
    assert "Replying to 'ping'" in daemon.log(), daemon.log()

    state = kam.show()
    assert state["disabled"] == "0", state
    assert state["set"] == "0" and state["weight"] == "1", state

    # An explicit RPC ping goes to our daemon too and succeeds.
    before = _count_pings(daemon)
    assert kam.ping() == "success", kam.log()
    assert _wait_for(lambda: _count_pings(daemon) > before), daemon.log()
    assert kam.show()["disabled"] == "0"

    assert daemon.alive(), daemon.log()


def test_kamailio_disables_proxy_nobody_answers(cleanup_stack):
    """Negative control: with nothing on the ng port, Kamailio must mark the proxy disabled."""
    _require_tools()
    kam = _start_kamailio(cleanup_stack, _ng_port_nobody_answers())

    log = kam.log()
    assert "proxy did not respond to ping" in log, log
    assert "support for it enabled" not in log, log
    assert kam.show()["disabled"] == "1"
    assert kam.ping() == "fail"
    assert kam.show()["disabled"] == "1"


def test_kamailio_notices_daemon_stopping_and_returning(cleanup_stack):
    """Enabled while our daemon runs, disabled once it is stopped, enabled again after a restart."""
    _require_tools()
    ng_port = free_udp_port()
    daemon = _start_daemon(cleanup_stack, ng_port)
    kam = _start_kamailio(cleanup_stack, ng_port)
    assert kam.show()["disabled"] == "0", kam.log()
    assert kam.ping() == "success"

    assert daemon.stop() == 0, daemon.log()
    assert kam.ping() == "fail", kam.log()
    state = kam.show()
    assert state["disabled"] == "1", state
    assert int(state["recheck_ticks"]) > 0, state

    # Same port again: Kamailio's enable RPC pings first and only enables on a pong.
    # Kamailio keeps one connected UDP socket per proxy; the ICMP port-unreachable from
    # the pings while nothing listened is queued on it and fails the next send() with
    # ECONNREFUSED before anything reaches our daemon ("can't send command"), so the
    # first enable may fail without our daemon seeing a packet. Allow a few attempts.
    daemon2 = _start_daemon(cleanup_stack, ng_port)
    statuses = []
    for _ in range(3):
        statuses.append(kam.enable())
        if statuses[-1] == "enable":
            break
    assert statuses[-1] == "enable", (statuses, kam.log())
    assert kam.show()["disabled"] == "0"
    assert _count_pings(daemon2) >= 1, daemon2.log()
    assert kam.ping() == "success"
