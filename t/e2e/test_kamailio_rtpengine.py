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
import socket
import time

import pytest

from kamailio_runner import Kamailio, require_kamailio
from rtpe_testlib import Daemon, daemon_binary, free_udp_port

PING_RECEIVED = re.compile(r"Received command 'ping' from 127\.0\.0\.1:\d+")


def _require_tools():
    require_kamailio()
    if not os.access(daemon_binary(), os.X_OK):
        pytest.fail("daemon binary %s not found; set RTPE_BUILD_DIR" % daemon_binary())


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
