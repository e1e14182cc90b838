"""The OpenSER mediaproxy-style line protocol over TCP (--listen-tcp): one command per
connection, answered and closed; raw sockets, since no maintained client speaks it."""

import os
import re
import socket
import time

import pytest

from rtpe_testlib import Daemon, NgClient, free_tcp_port, free_udp_port, tcp_request
from test_calls import Peer, rtp_packet

ORACLE = "/usr/bin/rtpengine"


def command(address, line, family=socket.AF_INET, timeout=3.0):
    """Sends one line; returns everything received until the daemon closes."""
    return tcp_request(address, line if isinstance(line, bytes) else (line + "\n").encode(), family,
                       timeout).decode()


def start(binary=None, extra=()):
    port = free_tcp_port()
    args = ["-i", "127.0.0.1", "-l", "127.0.0.1:%d" % port, "-t", "-1"]
    ng_port = free_udp_port()
    if binary is None:
        args += ["-n", "127.0.0.1:%d" % ng_port, "-d", "0"]
    else:
        lo = free_udp_port() // 100 * 100
        args += ["-m", str(lo), "-M", str(lo + 99)]
    d = Daemon(args=args + list(extra), binary=binary)
    d.start()
    d.tcp = ("127.0.0.1", port)
    d.ng = NgClient(("127.0.0.1", ng_port)) if binary is None else None
    return d


@pytest.fixture
def daemon():
    d = start()
    yield d
    d.ng.close()
    assert d.stop() == 0


def request_line(verb, call_id, streams, info):
    return "%s %s %s 127.0.0.1 from.example caller to.example callee agent/1.0 info=%s" % (
        verb, call_id, ",".join("%s:%d" % s for s in streams), info)


def test_version_status_controls(daemon):
    assert re.fullmatch(r"Version: \S+\n", command(daemon.tcp, "version"))
    assert command(daemon.tcp, "build") == command(daemon.tcp, "version")
    assert command(daemon.tcp, "status") == "proxy 0 0/0/0\n"
    controls = command(daemon.tcp, "controls").split("\n")
    assert controls[-2:] == ["End.", ""] and re.fullmatch(r"127\.0\.0\.1:\d+", controls[0])
    assert command(daemon.tcp, "quit") == ""
    assert command(daemon.tcp, "exit") == ""


def test_request_lookup_relay_status_delete(daemon):
    a, b = Peer(), Peer()
    reply = command(daemon.tcp, request_line("request", "mp-call", [("127.0.0.1", a.port)], "fromtag:FA,totag:"))
    m = re.fullmatch(r"127\.0\.0\.1 (\d+)\n", reply)
    assert m, reply
    port_for_b = int(m.group(1))
    reply = command(daemon.tcp, request_line("lookup", "mp-call", [("127.0.0.1", b.port)], "fromtag:FA,totag:TB"))
    m = re.fullmatch(r"127\.0\.0\.1 (\d+)\n", reply)
    assert m, reply
    port_for_a = int(m.group(1))
    for i in range(4):
        a.rtp.sendto(rtp_packet(i, 1), ("127.0.0.1", port_for_a))
        assert b.rtp.recvfrom(4096) == (rtp_packet(i, 1), ("127.0.0.1", port_for_b))
        b.rtp.sendto(rtp_packet(i, 2), ("127.0.0.1", port_for_b))
        assert a.rtp.recvfrom(4096) == (rtp_packet(i, 2), ("127.0.0.1", port_for_a))
    time.sleep(0.1)
    status = command(daemon.tcp, "status").split("\n")
    m = re.fullmatch(r"proxy 1 (\d+)/0/0", status[0])
    assert m and int(m.group(1)) == 8 * 172, status
    assert re.fullmatch(r"session mp-call - - - - \d+", status[1]) and status[2:] == [""]
    q = daemon.ng.request({"command": "query", "call-id": "mp-call"})
    assert q["totals"]["RTP"]["packets"] == 8
    # delete answers nothing and closes.
    assert command(daemon.tcp, "delete mp-call info=") == ""
    assert command(daemon.tcp, "status") == "proxy 0 0/0/0\n"
    a.close()
    b.close()


def test_two_streams(daemon):
    reply = command(daemon.tcp, request_line("request", "mp-two", [("127.0.0.1", 40000), ("127.0.0.1", 40002)],
                                             "fromtag:FA"))
    m = re.fullmatch(r"127\.0\.0\.1 (\d+) 127\.0\.0\.1 (\d+)\n", reply)
    assert m and m.group(1) != m.group(2), reply
    reply = command(daemon.tcp, request_line("lookup", "mp-two", [("127.0.0.1", 40010), ("127.0.0.1", 40012)],
                                             "fromtag:FA,totag:TB"))
    assert re.fullmatch(r"127\.0\.0\.1 (\d+) 127\.0\.0\.1 (\d+)\n", reply), reply


BAD = [
    "bogus",
    "status extra",
    "request only-three words",
    request_line("request", "mp-bad", [("127.0.0.1", 40000)], "fromtag:FA").replace("info=", "nfo="),
    request_line("request", "mp-bad", [("127.0.0.1", 40000)], "totag:TB"),        # no from-tag
    request_line("request", "mp-bad", [("300.0.0.1", 40000)], "fromtag:FA"),      # no usable stream
    request_line("lookup", "mp-none", [("127.0.0.1", 40000)], "fromtag:FA,totag:TB"),  # unknown call
    request_line("lookup", "mp-bad", [("127.0.0.1", 40000)], "fromtag:FA"),       # no to-tag
    "delete",
    "\xff\xfe",
]


def test_bad_lines_close_without_reply(daemon):
    for line in BAD:
        assert command(daemon.tcp, line) == "", line
    # Too long a line: cut off (the unread rest may turn the close into a reset).
    try:
        assert command(daemon.tcp, b"request " + b"x" * 10000) == ""
    except ConnectionResetError:
        pass
    # A client that never finishes its line does not block others.
    idle = socket.create_connection(daemon.tcp)
    idle.sendall(b"stat")
    assert command(daemon.tcp, "status") == "proxy 0 0/0/0\n"
    idle.close()
    assert daemon.alive()
    assert daemon.ng.request({"command": "list"})["calls"] == []


def test_reply_shapes_match_upstream():
    if not os.access(ORACLE, os.X_OK):
        pytest.fail("%s (Debian's rtpengine-daemon, the oracle) not installed" % ORACLE)
    script = [
        "status",
        request_line("request", "mp-d", [("127.0.0.1", 40000)], "fromtag:FA,totag:"),
        request_line("lookup", "mp-d", [("127.0.0.1", 40010)], "fromtag:FA,totag:TB"),
        request_line("lookup", "mp-unknown", [("127.0.0.1", 40010)], "fromtag:FA,totag:TB"),
        "status",
        "bogus",
        "quit",
        "delete mp-d info=",
    ]
    replies = {}
    for binary in (None, ORACLE):
        d = start(binary=binary)
        try:
            replies[binary] = [re.sub(r"\b\d{2,5}\b", "N", command(d.tcp, line)) for line in script]
        finally:
            if d.ng:
                d.ng.close()
            d.stop()
    assert replies[None] == replies[ORACLE]
