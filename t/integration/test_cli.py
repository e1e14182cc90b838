"""The text CLI (--listen-cli): every command through Debian's rtpengine-ctl and a raw TCP
client, against calls made over ng, and clients that misbehave."""

import os
import re
import shutil
import socket
import subprocess
import time

import pytest

from rtpe_testlib import (Daemon, daemon_binary, free_tcp_port, free_udp_port, start_ng_daemon, stop_ng_daemon,
                          tcp_request)
from test_calls import Peer, exchange, make_sdp, offer_answer

RTPENGINE_CTL = "/usr/bin/rtpengine-ctl"



def raw_cli(port, command, timeout=5.0):
    """What rtpengine-ctl does, without Perl: one line out, read until the daemon closes."""
    return tcp_request(("127.0.0.1", port), command.encode() + b"\n", timeout=timeout).decode()


def run_ctl(binary, port, command):
    r = subprocess.run([binary, "-ip", "127.0.0.1", "-port", str(port)] + command.split(),
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout


def ctl(port, command):
    return run_ctl(RTPENGINE_CTL, port, command)


def our_ctl(port, command):
    return run_ctl(os.path.join(os.path.dirname(daemon_binary()), "rtpengine-ctl"), port, command)


# Every command goes through Debian's rtpengine-ctl, ours (utils/) and a bare socket.
# Debian's tool is always one of them: without it the tests fail rather than shrink.
CLIENTS = [pytest.param(raw_cli, id="raw"), pytest.param(our_ctl, id="our-rtpengine-ctl"),
           pytest.param(ctl, id="rtpengine-ctl")]


@pytest.fixture
def daemon():
    d = start_ng_daemon(["--port-min=31000", "--port-max=31999"], cli=True)
    yield d
    stop_ng_daemon(d)


@pytest.fixture
def calls(daemon):
    """call-one answered with RTP both ways, call-two only offered."""
    peers = [Peer() for _ in range(3)]
    offer_sdp, answer_sdp = offer_answer(daemon.ng, "call-one", peers[0], peers[1])
    exchange(peers[0], peers[1], offer_sdp, answer_sdp, count=3)
    reply = daemon.ng.request({"command": "offer", "call-id": "call-two", "from-tag": "X",
                               "sdp": make_sdp("127.0.0.1", peers[2].port)})
    assert reply["result"] == b"ok"
    yield peers
    for p in peers:
        p.close()


def ng_calls(daemon):
    return sorted(c.decode() for c in daemon.ng.request({"command": "list"})["calls"])


@pytest.mark.parametrize("client", CLIENTS)
def test_lists_describe_the_calls(daemon, calls, client):
    port = daemon.cli_port
    assert client(port, "list numsessions") == (
        "Current sessions own: 2\nCurrent sessions foreign: 0\nCurrent sessions total: 2\n"
        "Current transcoded media: 0\nCurrent sessions ipv4 only media: 1\n"
        "Current sessions ipv6 only media: 0\nCurrent sessions ip mixed  media: 0\n")

    for which in ("all", "own"):
        lines = client(port, "list sessions " + which).splitlines()
        assert len(lines) == 2
        for line in lines:
            assert re.match(r"^callid: +call-(one|two) \| deletionmark:  no \| created: +\d+ \| "
                            r"proxy:127\.0\.0\.1:\d+ \| redis_keyspace:0 \| foreign:no$", line), line
        assert sorted(re.search(r"(call-\w+)", l).group(1) for l in lines) == ["call-one", "call-two"]
    assert client(port, "list sessions foreign") == "No foreign sessions on this media relay.\n"

    detail = client(port, "list sessions call-one")
    assert detail.startswith("\ncallid: call-one\ndeletionmark: no\ncreated: ")
    assert "--- Tag 'A', type: FROM_TAG, label '', branch ''" in detail
    assert "--- Tag 'B', type: TO_TAG" in detail and "---     subscribed to 'B'\n" in detail
    assert "------ Media #1 (audio over RTP/AVP)" in detail
    # Three RTP packets of 172 bytes each way; RTCP untouched.
    assert len(re.findall(r"-------- Port +127\.0\.0\.1:3\d{4} <> +127\.0\.0\.1:\d+, SSRC \w+, 3 p, 516 b, 0 e, \d+ ts",
                          detail)) == 2, detail
    assert len(re.findall(r"\(RTCP\), SSRC \w+, 0 p, 0 b, 0 e", detail)) == 2
    # Ours adds where endpoint learning stands, for each port.
    assert len(re.findall(r"---------- Learning: SDP address, 0 candidates, 0 refused sources\n",
                          detail)) == 2, detail
    assert detail.count("---------- Learning: waiting, 0 candidates, 0 refused sources\n") == 2
    assert "--- Tag '', type: UNKNOWN" in client(port, "list sessions call-two")
    assert client(port, "list sessions nope") == "\nCall ID not found (nope).\n\n"

    totals = client(port, "list totals")
    assert " Owned sessions                                  :2\n" in totals
    assert " Total sessions                                  :2\n" in totals
    assert " Total relayed packets (userspace)               :6\n" in totals
    assert " Total relayed bytes (userspace)                 :1032\n" in totals
    assert " Total relayed packets                           :6\n" in totals

    assert client(port, "list maxsessions") == "Maximum sessions configured on rtpengine: -1\n"
    # get is list by another name.
    for what in ("numsessions", "sessions all", "sessions call-one", "maxsessions"):
        assert client(port, "get " + what).splitlines()[:3] == client(port, "list " + what).splitlines()[:3]
    interfaces = client(port, "list interfaces")
    assert re.fullmatch(r"Interface 'default' address '127\.0\.0\.1' \(IPv4\)\n Port range: 31000 - 31999\n"
                        r" Ports used:     8 /  1000 \(  0\.8%\)\n Last port used: 31\d{3}\n", interfaces), interfaces


@pytest.mark.parametrize("client", CLIENTS)
def test_timeouts_read_and_set(daemon, client):
    port = daemon.cli_port
    defaults = {"timeout": "TIMEOUT=60", "silenttimeout": "SILENT_TIMEOUT=3600", "finaltimeout": "FINAL_TIMEOUT=0",
                "offertimeout": "OFFER_TIMEOUT=3600"}
    for word, line in defaults.items():
        assert client(port, "list " + word) == line + "\n"
        assert client(port, "get " + word) == line + "\n"
    for n, word in enumerate(defaults):
        assert client(port, "set %s %d" % (word, 100 + n)) == "Success setting timeout to %d\n" % (100 + n)
        assert client(port, "get " + word) == "%s=%d\n" % (defaults[word].split("=")[0], 100 + n)
    assert client(port, "set timeout x") == "Fail setting timeout to x; no digists found\n"
    assert client(port, "set timeout -5") == "Fail setting timeout to -5; errno=0\n"
    assert client(port, "get timeout") == "TIMEOUT=100\n"

    assert client(port, "list deletedelay") == "30\n"
    assert client(port, "set deletedelay 5") == "Success setting delete-delay to 5\n"
    assert client(port, "get deletedelay") == "5\n"
    assert client(port, "set deletedelay x") == "Invalid delete-delay value\n"
    assert client(port, "list deletedelay") == "5\n"


def test_set_offer_timeout_ends_unanswered_calls(daemon):
    peer = Peer()
    daemon.ng.request({"command": "offer", "call-id": "lonely", "from-tag": "X",
                       "sdp": make_sdp("127.0.0.1", peer.port)})
    assert raw_cli(daemon.cli_port, "set offertimeout 1") == "Success setting timeout to 1\n"
    deadline = time.time() + 5
    while ng_calls(daemon) and time.time() < deadline:
        time.sleep(0.2)
    assert ng_calls(daemon) == []
    assert "offer timeout" in daemon.log()
    peer.close()


@pytest.mark.parametrize("client", CLIENTS)
def test_loglevel(daemon, client):
    port = daemon.cli_port
    levels = client(port, "get loglevel")
    assert levels.startswith("core = 6\nspandsp = 6\n") and "internals = -1\n" in levels
    assert client(port, "set loglevel 7") == "Success setting loglevel to 7\n"
    assert set(re.findall(r"= (-?\d+)", client(port, "get loglevel"))) == {"7"}
    assert client(port, "set loglevel core 5") == "Success setting loglevel to 5\n"
    assert client(port, "get loglevel core") == "5\n"
    assert client(port, "get loglevel control") == "7\n"
    assert client(port, "list loglevel core") == "5\n"
    loglevels = client(port, "list loglevels")
    assert loglevels.startswith("core - Everything that isn't part of another subsystem\n")
    assert loglevels.endswith("control - Control protocols including SDP exchanges, CLI\ndtx - DTX timer/buffer\n")
    assert client(port, "set loglevel x") == "More parameters required.\n"
    assert client(port, "set loglevel -1") == "More parameters required.\n"
    # The change is live: with control at NOTICE the CLI's INFO line about a command is gone.
    client(port, "set loglevel control 5")
    client(port, "list finaltimeout")
    assert "Got CLI command: list finaltimeout" not in daemon.log()
    client(port, "set loglevel 6")
    client(port, "list offertimeout")
    assert "Got CLI command: list offertimeout" in daemon.log()


@pytest.mark.parametrize("client", CLIENTS)
def test_errors_in_upstream_words(daemon, client):
    port = daemon.cli_port
    assert client(port, "list") == "More parameters required.\n"
    assert client(port, "list sessions") == "More parameters required.\n"
    assert client(port, "list foo") == "Unknown or incomplete command::foo\n"
    assert client(port, "foo bar") == "Unknown or incomplete command::foo bar\n"
    assert client(port, "set foo 1") == "Unknown or incomplete command::foo 1\n"
    assert client(port, "terminate") == "More parameters required.\n"


@pytest.mark.parametrize("client", CLIENTS)
def test_terminate(daemon, calls, client):
    port = daemon.cli_port
    assert client(port, "terminate nope") == "\nCall Id not found (nope).\n\n"
    assert client(port, "terminate call-two") == "\nCall Id (call-two) successfully terminated by operator.\n\n"
    assert ng_calls(daemon) == ["call-one"]
    assert client(port, "terminate foreign") == "All foreign calls terminated by operator.\n"
    assert ng_calls(daemon) == ["call-one"]
    assert client(port, "terminate all") == "All calls terminated by operator.\n"
    assert ng_calls(daemon) == []
    assert client(port, "list sessions all") == "No sessions on this media relay.\n"
    # What the ended calls relayed stays in the totals.
    totals = client(port, "list totals")
    assert " Total managed sessions                          :2\n" in totals
    assert " Total relayed packets (userspace)               :6\n" in totals


def test_silent_client_blocks_nobody_and_is_cut_off(daemon):
    silent = socket.create_connection(("127.0.0.1", daemon.cli_port))
    silent.sendall(b"list numsess")  # no newline, ever
    started = time.time()
    assert daemon.ng.request({"command": "ping"})["result"] == b"pong"
    assert raw_cli(daemon.cli_port, "list maxsessions") == "Maximum sessions configured on rtpengine: -1\n"
    silent.settimeout(10)
    assert silent.recv(100) == b""  # closed by the daemon
    assert 3 < time.time() - started < 9
    silent.close()


def test_oversized_line_is_refused(daemon):
    # Exactly what the daemon reads before it gives up, so nothing unread turns its close into a reset.
    with socket.create_connection(("127.0.0.1", daemon.cli_port), timeout=5) as s:
        s.sendall(b"x" * 5120)
        reply = b""
        while True:
            chunk = s.recv(1000)
            if not chunk:
                break
            reply += chunk
    assert reply == b"Command too long.\n"


def test_flood_does_not_hurt_others(daemon):
    with socket.create_connection(("127.0.0.1", daemon.cli_port), timeout=5) as s:
        try:
            s.sendall(b"x" * 1000000)
            s.recv(100)
        except OSError:
            pass  # reset or broken pipe: the daemon hung up, as it should
    assert daemon.ng.request({"command": "ping"})["result"] == b"pong"
    assert raw_cli(daemon.cli_port, "list timeout") == "TIMEOUT=60\n"


def test_many_connections_at_once(daemon):
    idle = [socket.create_connection(("127.0.0.1", daemon.cli_port)) for _ in range(100)]
    try:
        time.sleep(0.3)
        assert daemon.ng.request({"command": "ping"})["result"] == b"pong"
    finally:
        for s in idle:
            s.close()
    time.sleep(0.3)
    assert raw_cli(daemon.cli_port, "list timeout") == "TIMEOUT=60\n"


def test_listen_cli_from_the_config_file_with_several_addresses():
    ng_port = free_udp_port()
    ports = [free_tcp_port(), free_tcp_port()]
    d = Daemon(config={"interface": "127.0.0.1", "listen-ng": "127.0.0.1:%d" % ng_port, "table": "-1",
                       "listen-cli": "127.0.0.1:%d;127.0.0.1:%d" % tuple(ports)})
    d.start()
    try:
        for p in ports:
            assert raw_cli(p, "list offertimeout") == "OFFER_TIMEOUT=3600\n"
    finally:
        assert d.stop() == 0


def test_taken_cli_port_fails_startup():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % free_udp_port(), "-t", "-1", "-c", str(port)])
        with pytest.raises(RuntimeError, match="cannot listen for CLI connections"):
            d.start()
