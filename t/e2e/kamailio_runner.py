"""Shared pieces of the Kamailio end-to-end tests: a foreground Kamailio started from a
config template in a temp dir of its own (cfg, runtime dir, pid file, ctl socket),
queried through kamcmd and ended by PID (its whole process group) at cleanup.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from rtpe_testlib import free_udp_port

HERE = os.path.dirname(os.path.abspath(__file__))
PING_CFG_TEMPLATE = os.path.join(HERE, "kamailio", "rtpengine-ping.cfg")

KAMAILIO = os.environ.get("KAMAILIO", shutil.which("kamailio") or "/usr/sbin/kamailio")
KAMCMD = os.environ.get("KAMCMD", shutil.which("kamcmd") or "/usr/sbin/kamcmd")
# Optional override of Kamailio's module directory (its built-in default is used otherwise).
KAMAILIO_MODULES = os.environ.get("KAMAILIO_MODULES_DIR")

KAMCMD_TIMEOUT = 5.0
KAMAILIO_START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


def require_kamailio():
    for path in (KAMAILIO, KAMCMD):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            pytest.fail("%s not found; scripts/install-deps.sh installs kamailio" % path)


def process_group_members(pgid):
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


def end_process(proc, timeout):
    """Ends a process we started, by its PID: SIGTERM, then SIGKILL after timeout seconds."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


def end_process_group_leftovers(pgid, timeout):
    """Ends, by PID, what is left of a process group we started once its leader is gone:
    SIGTERM, then SIGKILL for what is still there after timeout seconds."""
    deadline = time.monotonic() + timeout
    leftovers = process_group_members(pgid)
    for pid in leftovers:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    while leftovers and time.monotonic() < deadline:
        time.sleep(0.05)
        leftovers = process_group_members(pgid)
    for pid in leftovers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


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

    def __init__(self, ng_port, template=PING_CFG_TEMPLATE, extra=None):
        """template: the config template; extra: more placeholder values to substitute."""
        self.ng_port = ng_port
        self.template = template
        self.sip_port = free_udp_port()
        self.proxy_url = "udp:127.0.0.1:%d" % ng_port
        self.proc = None
        self.log_file = None
        with open(template) as f:
            template = f.read()
        # Short path: the ctl socket is a Unix socket (108-byte path limit).
        self.workdir = tempfile.mkdtemp(prefix="rtpe-kam-")
        self.ctl_sock = os.path.join(self.workdir, "ctl.sock")
        self.pid_file = os.path.join(self.workdir, "kamailio.pid")
        self.cfg_path = os.path.join(self.workdir, "kamailio.cfg")
        self.log_path = os.path.join(self.workdir, "kamailio.log")
        cfg = template
        for name, value in (("SIP_PORT", self.sip_port), ("NG_PORT", ng_port), ("CTL_SOCK", self.ctl_sock)) + tuple((extra or {}).items()):
            cfg = cfg.replace("@@%s@@" % name, str(value))
        left = re.findall(r"@@[A-Z_]+@@", cfg)
        if left:
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise AssertionError("unfilled placeholders %s in %s" % (left, template))
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
                end_process(self.proc, STOP_TIMEOUT)
            # Kamailio's main process normally takes its children down with it; kill by PID
            # any of its tree that outlived it.
            end_process_group_leftovers(pgid, STOP_TIMEOUT)
            self.proc = None
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
