"""--table and --no-fallback on a host without xt_RTPENGINE (no /proc/rtpengine): with
--no-fallback the daemon refuses to start and says why and what to do; without it, it
starts, warns once and relays in userspace. The module's side runs in t/kernel."""

import os
import re
import socket

import pytest

from rtpe_testlib import Daemon, NgClient, free_tcp_port, free_udp_port, run_daemon_once, tcp_request


@pytest.fixture(autouse=True)
def no_module_here():
    assert not os.path.exists("/proc/rtpengine"), \
        "these tests need a host without xt_RTPENGINE loaded (t/kernel tests the module in a guest)"


def ping(port):
    c = NgClient(("127.0.0.1", port), timeout=1)
    try:
        return c.request_raw(b"1 d7:command4:pinge") == b"1 d6:result4:ponge"
    except socket.timeout:
        return False
    finally:
        c.close()


def port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


REFUSAL = ["Cannot set up kernel table 0", "open /proc/rtpengine/control: No such file or directory",
           "userspace fallback disallowed (--no-fallback)", "modprobe xt_RTPENGINE",
           "iptables -I INPUT -p udp -j RTPENGINE --id 0"]


@pytest.mark.parametrize("flags", [["--table=0", "--no-fallback"], ["-t", "0", "-F"], ["--no-fallback"]],
                         ids=["long", "short", "default-table"])
def test_no_fallback_refuses_to_start(flags):
    port = free_udp_port()
    r = run_daemon_once(["--config-file=none", "-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "--foreground"]
                        + flags)
    assert r.returncode == 1, r.stderr
    for words in REFUSAL:
        assert words in r.stderr, r.stderr
    assert r.stderr.count("Cannot set up kernel table") == 1, r.stderr
    assert "Startup complete" not in r.stderr
    assert port_is_free(port)


def test_no_fallback_from_config_file_refuses_and_logs_once():
    port = free_udp_port()
    d = Daemon(config={"interface": "127.0.0.1", "listen-ng": "127.0.0.1:%d" % port, "table": "0",
                       "no-fallback": "true"})
    with pytest.raises(RuntimeError, match="exited with 1"):
        d.start()
    d.stop()
    log = d.log()
    for words in REFUSAL:
        assert words in log, log
    # --log-stderr: the log line is the message, not printed a second time
    assert log.count("Cannot set up kernel table 0") == 1, log
    assert re.search(r"ERR: \[core\] Cannot set up kernel table 0", log), log


def test_fallback_warns_once_and_relays_in_userspace():
    port = free_udp_port()
    cli = free_tcp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "--listen-cli=127.0.0.1:%d" % cli,
                     "--table=0"]).start()
    try:
        assert ping(port)
        log = d.log()
        warnings = [l for l in log.splitlines() if "WARNING" in l]
        assert len(warnings) == 1, log
        w = warnings[0]
        for words in ("Kernel forwarding disabled, continuing in userspace only", "kernel table 0",
                      "/proc/rtpengine/control: No such file or directory", "modprobe xt_RTPENGINE",
                      "iptables -I INPUT -p udp -j RTPENGINE --id 0", "--table=-1"):
            assert words in w, w
        assert log.index("Kernel forwarding disabled") < log.index("Startup complete"), log
        params = tcp_request(("127.0.0.1", cli), b"params start\n").decode()
        assert "\ntable = 0\n" in params and "\nno-fallback = 0\n" in params, params
    finally:
        assert d.stop() == 0, d.log()
    assert d.log().count("Kernel forwarding disabled") == 1


def test_negative_table_ignores_no_fallback():
    # upstream: a negative table is userspace on purpose; --no-fallback has nothing to refuse
    port = free_udp_port()
    cli = free_tcp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "--listen-cli=127.0.0.1:%d" % cli,
                     "--table=-1", "--no-fallback"]).start()
    try:
        assert ping(port)
        log = d.log()
        assert "WARNING" not in log, log
        assert "Kernel forwarding off (--table=-1)" in log, log
        params = tcp_request(("127.0.0.1", cli), b"params start\n").decode()
        assert "\ntable = -1\n" in params and "\nno-fallback = 1\n" in params, params
    finally:
        assert d.stop() == 0, d.log()
