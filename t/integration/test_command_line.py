"""The command line and config file, as an operator's init script would use them."""

import os
import re
import signal
import socket
import subprocess
import time

import pytest

from rtpe_testlib import UPSTREAM_DAEMON, Daemon, NgClient, daemon_binary, free_udp_port, run_daemon_once


def ping(address, family=socket.AF_INET):
    c = NgClient(address, family=family, timeout=1)
    try:
        return c.request_raw(b"1 d7:command4:pinge") == b"1 d6:result4:ponge"
    except socket.timeout:
        return False
    finally:
        c.close()


def upstream_option_names():
    """Every long option of upstream rtpengine 10.5 (from its --help), kept in the repo."""
    with open(os.path.join(os.path.dirname(__file__), "data", "upstream-10.5-options.txt")) as f:
        return [line.split()[0] for line in f if line.strip() and not line.startswith("#")]


def test_version():
    r = run_daemon_once(["--version"])
    assert r.returncode == 0
    assert r.stdout.startswith("Version: ")


def test_codecs_lists_what_upstream_lists():
    """--codecs prints each codec and what this build does with it, line for line as
    Debian's rtpengine prints it (the same ffmpeg underneath), and exits; but AMR and
    AMR-WB, which we also encode (opencore-amrnb, vo-amrwbenc) and it only decodes."""
    assert os.path.exists(UPSTREAM_DAEMON), "needs Debian's rtpengine as the oracle"
    ours = run_daemon_once(["--config-file=none", "--codecs"])
    theirs = subprocess.run([UPSTREAM_DAEMON, "--config-file=none", "--codecs"], capture_output=True, text=True,
                            timeout=30)
    assert ours.returncode == 0 and theirs.returncode == 0, (ours.stderr, theirs.stderr)
    assert "PCMA" in ours.stdout and "opus" in ours.stdout
    encoded_here = {"AMR", "AMR-WB"}
    theirs_expected = [line.replace("supported for decoding only", "fully supported")
                       if line.split(":")[0].strip() in encoded_here else line for line in theirs.stdout.splitlines()]
    assert sum(line != expected for line, expected in zip(theirs.stdout.splitlines(), theirs_expected)) == 2
    assert ours.stdout.splitlines() == theirs_expected
    assert len(ours.stdout.splitlines()) >= 20


def test_help_lists_every_upstream_option():
    r = run_daemon_once(["--help"])
    assert r.returncode == 0
    listed = set(re.findall(r"--([a-z0-9-]+)", r.stdout))
    missing = [name for name in upstream_option_names() if name not in listed]
    assert missing == []


def documented_options():
    """(name, takes_argument, supported) for every row of docs/options.md."""
    rows = []
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "options.md")) as f:
        for line in f:
            m = re.match(r"^\| `--([a-z0-9-]+)` \|[^|]*\| (.*?) \| .* \| (.*) \|$", line)
            if m:
                rows.append((m.group(1), m.group(2) != "", m.group(3) != "not supported yet"))
    return rows


def test_docs_cover_every_upstream_option():
    assert sorted(r[0] for r in documented_options()) == sorted(upstream_option_names())


@pytest.mark.parametrize("name, takes_argument, supported", documented_options(), ids=lambda v: str(v))
def test_option_status_matches_docs(name, takes_argument, supported):
    if name in ("version", "config-file"):
        return  # exercised by their own tests
    option = "--%s=1" % name if takes_argument else "--%s" % name
    # The bad interface makes every run stop before binding anything.
    r = run_daemon_once(["--config-file=none", option, "--interface=bad!"], timeout=5)
    assert "Unknown option" not in r.stderr
    assert ("option --%s is not supported yet" % name in r.stderr) == (not supported), r.stderr


def test_unsupported_option_on_command_line_stops_startup():
    r = run_daemon_once(["--config-file=none", "-i", "127.0.0.1", "-n", "2223", "--max-log-line-length=10"])
    assert r.returncode != 0
    assert "option --max-log-line-length is not supported yet" in r.stderr


def test_unsupported_option_in_config_file_stops_startup():
    d = Daemon(config={"interface": "127.0.0.1", "listen-ng": "2223", "recording-dir": "/var/spool/x"})
    r = subprocess.run(d.command_line(), capture_output=True, text=True, timeout=5)
    assert r.returncode != 0
    assert "option --recording-dir is not supported yet" in r.stderr


def test_unsupported_flag_set_to_false_in_file_is_accepted():
    port = free_udp_port()
    d = Daemon(config={"interface": "127.0.0.1", "listen-ng": "127.0.0.1:%d" % port, "save-interface-ports": "false",
                       "table": "-1"})
    d.start()
    assert ping(("127.0.0.1", port))
    assert d.stop() == 0


def test_unknown_option_is_an_error():
    r = run_daemon_once(["--config-file=none", "--no-such-option"])
    assert r.returncode != 0
    assert "no-such-option" in r.stderr


@pytest.mark.parametrize("args, words", [
    (["--port-min=abc"], ["port-min", "abc"]),
    (["--port-min=70000"], ["port-min", "70000"]),
    (["--log-level=9"], ["log-level", "9"]),
    (["--log-level-control=x"], ["log-level-control", "x"]),
    (["--num-threads=0"], ["num-threads", "0"]),
    (["--timeout=-5"], ["timeout", "-5"]),
    (["--log-facility=nope"], ["log-facility", "nope"]),
    (["--log-format=fancy"], ["log-format", "fancy"]),
    (["--listen-ng=127.0.0.1:99999"], ["listen-ng", "127.0.0.1:99999"]),
    (["--listen-ng=::1:2223"], ["listen-ng", "::1:2223"]),
    (["--listen-ng=no.such.host.invalid:2223"], ["listen-ng", "no.such.host.invalid"]),
    (["--interface=300.1.1.1"], ["interface", "300.1.1.1"]),
    (["--interface=pub/127.0.0.1!nonsense"], ["interface", "nonsense"]),
    (["--interface=127.0.0.1!::1"], ["interface", "127.0.0.1!::1"]),
    (["--port-min=40000", "--port-max=30000"], ["port-min", "port-max"]),
])
def test_invalid_values_name_option_and_value(args, words):
    base = ["--config-file=none", "-i", "127.0.0.1", "-n", "127.0.0.1:2223", "-f", "-E"]
    r = run_daemon_once(base + args)
    assert r.returncode != 0
    for w in words:
        assert w in r.stderr


def test_missing_interface_or_listener():
    r = run_daemon_once(["--config-file=none", "-n", "2223"])
    assert r.returncode != 0 and "--interface" in r.stderr
    r = run_daemon_once(["--config-file=none", "-i", "127.0.0.1"])
    assert r.returncode != 0 and "--listen-ng" in r.stderr


def test_missing_explicit_config_file_is_an_error():
    r = run_daemon_once(["--config-file=/nonexistent/rtpengine.conf", "-i", "127.0.0.1", "-n", "2223"])
    assert r.returncode != 0
    assert "/nonexistent/rtpengine.conf" in r.stderr


def test_missing_config_section_is_an_error():
    d = Daemon(config={"interface": "127.0.0.1"}, section="other")
    r = subprocess.run(d.command_line(), capture_output=True, text=True, timeout=5)
    assert r.returncode != 0
    assert "[rtpengine]" in r.stderr


def test_config_section_selects_the_section():
    port = free_udp_port()
    d = Daemon(config={"interface": "127.0.0.1", "listen-ng": "127.0.0.1:%d" % port, "table": "-1"},
               section="testing", args=["--config-section=testing"])
    d.start()
    assert ping(("127.0.0.1", port))
    assert d.stop() == 0


def test_command_line_wins_over_config_file():
    file_port, cli_port = free_udp_port(), free_udp_port()
    d = Daemon(config={"interface": "127.0.0.1", "listen-ng": "127.0.0.1:%d" % file_port, "table": "-1",
                       "log-level": "3"},
               args=["--listen-ng=127.0.0.1:%d" % cli_port, "--log-level=6"])
    d.start()
    assert ping(("127.0.0.1", cli_port))
    assert not ping(("127.0.0.1", file_port))
    assert "Received command 'ping'" in d.log()  # INFO shows: level 6 from the command line won
    assert d.stop() == 0


def test_lists_in_config_file_and_repeated_options():
    a, b, c = free_udp_port(), free_udp_port(), free_udp_port()
    d = Daemon(config={"interface": "internal/127.0.0.1;external/127.0.0.2!192.0.2.1",
                       "listen-ng": "127.0.0.1:%d;127.0.0.1:%d" % (a, b), "table": "-1"})
    d.start()
    assert ping(("127.0.0.1", a)) and ping(("127.0.0.1", b))
    assert d.stop() == 0
    d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % a, "-n", "127.0.0.1:%d" % c, "-t", "-1"])
    d.start()
    assert ping(("127.0.0.1", a)) and ping(("127.0.0.1", c))
    assert d.stop() == 0


def test_bare_port_listens_on_ipv4_and_ipv6():
    port = free_udp_port("0.0.0.0")
    d = Daemon(args=["-i", "127.0.0.1", "-n", str(port), "-t", "-1"])
    d.start()
    assert ping(("127.0.0.1", port))
    if socket.has_ipv6:
        assert ping(("::1", port), socket.AF_INET6)
    assert d.stop() == 0


def test_hostname_listen_address():
    port = free_udp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-n", "localhost:%d" % port, "-t", "-1"])
    d.start()
    assert ping(("127.0.0.1", port))
    assert d.stop() == 0


def test_interfaces_need_not_exist_and_take_ipv6():
    port = free_udp_port()
    d = Daemon(args=["-i", "pub/203.0.113.7!198.51.100.1", "-i", "v6/2001:db8::1", "-i", "[2001:db8::2]",
                     "-n", "127.0.0.1:%d" % port, "-t", "-1"])
    d.start()
    assert ping(("127.0.0.1", port))
    assert d.stop() == 0


def test_taken_port_fails_startup():
    port = free_udp_port()
    blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    blocker.bind(("127.0.0.1", port))
    try:
        r = run_daemon_once(["--config-file=none", "-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "-f", "-E"])
        assert r.returncode != 0
        assert "127.0.0.1:%d" % port in r.stderr
    finally:
        blocker.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_shuts_down_cleanly_within_two_seconds(sig):
    port = free_udp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "-t", "-1"]).start()
    assert ping(("127.0.0.1", port))
    started = time.monotonic()
    assert d.stop(sig=sig, timeout=2) == 0
    assert time.monotonic() - started < 2
    assert "shutting down" in d.log()


def test_pidfile_written_and_removed(tmp_path):
    port, pidfile = free_udp_port(), tmp_path / "rtpengine.pid"
    d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "-p", str(pidfile), "-t", "-1"]).start()
    assert int(pidfile.read_text()) == d.proc.pid
    assert d.stop() == 0
    assert not pidfile.exists()


def test_daemonizes_without_foreground(tmp_path):
    port, pidfile = free_udp_port(), tmp_path / "rtpengine.pid"
    r = subprocess.run([daemon_binary(), "--config-file=none", "-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port,
                        "-p", str(pidfile), "-t", "-1"], timeout=5)
    assert r.returncode == 0
    deadline = time.time() + 5
    while not pidfile.exists() and time.time() < deadline:
        time.sleep(0.02)
    pid = int(pidfile.read_text())
    try:
        assert ping(("127.0.0.1", port))
    finally:
        os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 3
    while os.path.exists("/proc/%d" % pid) and time.time() < deadline:
        time.sleep(0.02)
    assert not os.path.exists("/proc/%d" % pid)
    assert not pidfile.exists()


def test_log_levels_and_format():
    port = free_udp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "-t", "-1", "--log-level=5",
                     "--log-level-control=7", "--no-log-timestamps"])
    d.start(wait_for="Listening")
    time.sleep(0.2)
    assert ping(("127.0.0.1", port))
    time.sleep(0.1)
    assert d.stop() == 0
    log = d.log()
    assert "DEBUG: [control] Dump for 'ping'" in log      # control raised to 7
    assert "Startup complete" not in log                  # core INFO hidden at 5
    assert all(re.match(r"^[A-Z]+: \[", line) for line in log.splitlines() if line)


def test_log_timestamps_and_call_prefix():
    port = free_udp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "-t", "-1"]).start()
    c = NgClient(("127.0.0.1", port))
    c.request({"command": "nosuch", "call-id": "abc@host"})
    c.close()
    assert d.stop() == 0
    assert re.search(r"^\[\d+\.\d{6}\] INFO: \[abc@host\]: \[control\] Received command 'nosuch'", d.log(), re.M)


def test_sigusr_changes_log_level():
    port = free_udp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "-t", "-1", "-L", "6"]).start()
    d.proc.send_signal(signal.SIGUSR1)  # 6 -> 5: INFO lines stop
    time.sleep(0.2)
    assert ping(("127.0.0.1", port))
    d.proc.send_signal(signal.SIGUSR2)  # back to 6
    time.sleep(0.2)
    c = NgClient(("127.0.0.1", port))
    c.request({"command": "ping"}, cookie="after")
    c.close()
    assert d.stop() == 0
    assert d.log().count("Received command 'ping'") == 1


def test_notifies_systemd_when_ready(tmp_path):
    notify_path = str(tmp_path / "notify.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(notify_path)
    listener.settimeout(5)
    port = free_udp_port()
    os.environ["NOTIFY_SOCKET"] = notify_path
    try:
        d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "-t", "-1"]).start()
    finally:
        del os.environ["NOTIFY_SOCKET"]
    try:
        assert listener.recv(4096) == b"READY=1"
        assert ping(("127.0.0.1", port))  # ready means the control port answers
    finally:
        assert d.stop() == 0
        assert listener.recv(4096) == b"STOPPING=1"
        listener.close()


def thread_names(pid):
    names = []
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            names.append(f.read().strip())
    return names


@pytest.mark.parametrize("args, workers", [(["--num-threads=3"], 3), ([], os.cpu_count())])
def test_media_worker_threads(args, workers):
    port = free_udp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "-t", "-1"] + args).start()
    try:
        names = thread_names(d.proc.pid)
        assert sorted(n for n in names if n.startswith("media ")) == sorted("media %d" % i for i in range(workers))
        assert names.count("control") == 1
    finally:
        assert d.stop() == 0


def test_second_daemon_cannot_share_the_ng_port():
    port = free_udp_port()
    first = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "-t", "-1"]).start()
    try:
        r = run_daemon_once(["--config-file=none", "-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "-f", "-E",
                             "-t", "-1"])
        assert r.returncode != 0
        assert "127.0.0.1:%d" % port in r.stderr
    finally:
        assert first.stop() == 0
