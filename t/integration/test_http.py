"""HTTP and HTTPS control (--listen-http, --listen-https): ng over POST /ng, the CLI under
/cli/, Prometheus metrics under /metrics checked with promtool, /ping, and the refusals
(404, 405, 411, 413, 415, 400) a bad or hostile client gets without hurting anyone else."""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from http_testlib import (WebSocket, free_tcp_port, post_ng, request, start_http_daemon,
                          stop_http_daemon)
from rtpe_testlib import Daemon, run_daemon_once
from test_calls import Peer, exchange, make_sdp, offer_answer

PROMTOOL = "/usr/bin/promtool"


@pytest.fixture
def daemon():
    d = start_http_daemon()
    yield d
    stop_http_daemon(d)


def raw_exchange(port, data, timeout=3.0):
    """Sends bytes on a fresh connection, returns what comes back until the daemon closes
    or stops answering."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
                if b"\r\n\r\n" in out:
                    head, _, body = out.partition(b"\r\n\r\n")
                    m = re.search(rb"content-length: *(\d+)", head, re.I)
                    if m and len(body) >= int(m.group(1)):
                        break
        except (socket.timeout, ConnectionResetError):
            pass
        return out


def status_of(response):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", response)
    return int(m.group(1)) if m else None


def test_ping_and_routing(daemon):
    assert request(daemon.http_port, "GET", "/ping") == (200, {"content-type": "text/plain",
                                                               "content-length": "5"}, b"pong\n")
    status, _, body = request(daemon.http_port, "GET", "/no/such/path")
    assert (status, body) == (404, b"not found\n")
    status, headers, _ = request(daemon.http_port, "GET", "/ng")
    assert status == 405 and headers["allow"] == "GET, POST"
    status, _, _ = request(daemon.http_port, "POST", "/ping", b"x", {"Content-Type": "text/plain"})
    assert status == 405
    status, _, _ = request(daemon.http_port, "PUT", "/ng", b"x", {"Content-Type": "application/x-rtpengine-ng"})
    assert status == 405
    status, _, _ = request(daemon.http_port, "POST", "/nowhere", b"x",
                           {"Content-Type": "application/x-rtpengine-ng"})
    assert status == 404


def test_ng_call_over_post_bencode(daemon):
    port = daemon.http_port
    assert post_ng(port, "p1", {"command": "ping"}) == (200, "p1", {"result": b"pong"})
    a, b = Peer(), Peer()
    try:
        offer = {"command": "offer", "call-id": "http-call", "from-tag": "A", "sdp": make_sdp(a.host, a.port)}
        status, cookie, reply = post_ng(port, "o1", offer)
        assert (status, cookie, reply["result"]) == (200, "o1", b"ok"), reply
        offer_sdp = reply["sdp"]
        # A retransmission (same cookie, new connection) gets the same bytes, not a new offer.
        first = request(port, "POST", "/ng", b"o2 " + _bencode(offer),
                        {"Content-Type": "application/x-rtpengine-ng"})
        again = request(port, "POST", "/ng", b"o2 " + _bencode(offer),
                        {"Content-Type": "application/x-rtpengine-ng"})
        assert first[0] == again[0] == 200 and first[2] == again[2]
        status, _, reply = post_ng(port, "a1", {"command": "answer", "call-id": "http-call", "from-tag": "A",
                                                "to-tag": "B", "sdp": make_sdp(b.host, b.port)})
        assert reply["result"] == b"ok", reply
        exchange(a, b, offer_sdp, reply["sdp"], count=2)
        status, _, reply = post_ng(port, "q1", {"command": "query", "call-id": "http-call"})
        assert reply["result"] == b"ok" and set(reply["tags"]) == {"A", "B"}
        # The same call is visible over UDP: HTTP and UDP share the control thread's state.
        assert daemon.ng.request({"command": "query", "call-id": "http-call"})["result"] == b"ok"
        status, _, reply = post_ng(port, "d1", {"command": "delete", "call-id": "http-call", "from-tag": "A"})
        assert reply["result"] == b"ok", reply
        status, _, reply = post_ng(port, "q2", {"command": "query", "call-id": "http-call"})
        assert reply["result"] == b"error"
    finally:
        a.close()
        b.close()
    # Three offers were posted, two of them with one cookie: two ran.
    proxies = daemon.ng.request({"command": "statistics"})["statistics"]["controlstatistics"]["proxies"]
    assert [p["offercount"] for p in proxies] == [2]


def _bencode(value):
    from rtpe_testlib import bencode
    return bencode(value)


def test_ng_over_post_json(daemon):
    status, cookie, reply = post_ng(daemon.http_port, "j1", {"command": "ping"}, json_body=True)
    assert (status, cookie, reply) == (200, "j1", {"result": "pong"})
    a = Peer()
    try:
        status, _, reply = post_ng(daemon.http_port, "j2", {"command": "offer", "call-id": "json-call",
                                                            "from-tag": "A", "sdp": make_sdp(a.host, a.port)},
                                   json_body=True)
        assert reply["result"] == "ok" and "c=IN IP4 127.0.0.1" in reply["sdp"]
    finally:
        a.close()
    status, _, reply = post_ng(daemon.http_port, "j3", {"command": "bogus"}, json_body=True)
    assert status == 200 and reply["result"] == "error"


def test_ng_refusals(daemon):
    port = daemon.http_port
    # No cookie: what UDP would drop.
    status, _, _ = request(port, "POST", "/ng", b"d7:command4:pinge", {"Content-Type": "application/x-rtpengine-ng"})
    assert status == 400
    status, _, _ = request(port, "POST", "/ng", b"c1 d7:command4:pinge", {"Content-Type": "text/plain"})
    assert status == 415
    missing_length = raw_exchange(port, b"POST /ng HTTP/1.1\r\nHost: x\r\n"
                                        b"Content-Type: application/x-rtpengine-ng\r\n\r\n")
    assert status_of(missing_length) == 411
    too_long = raw_exchange(port, b"POST /ng HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-rtpengine-ng\r\n"
                                  b"Content-Length: 2000000\r\n\r\n")
    assert status_of(too_long) == 413
    bad_length = raw_exchange(port, b"POST /ng HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-rtpengine-ng\r\n"
                                    b"Content-Length: 12x\r\n\r\n")
    assert status_of(bad_length) is None or 400 <= status_of(bad_length) < 500
    # A whole oversized body: refused with 413, or cut off while it is still coming.
    try:
        status, _, _ = request(port, "POST", "/ng", b"c2 " + b"x" * (2 * 1024 * 1024),
                               {"Content-Type": "application/x-rtpengine-ng"})
        assert status == 413
    except (ConnectionError, BrokenPipeError):
        pass
    # Garbage instead of a request line: a client error or a closed connection.
    garbage = raw_exchange(port, b"\x16\x03\x01 NOT HTTP AT ALL\r\n\r\n")
    assert garbage == b"" or 400 <= status_of(garbage) < 500
    huge_header = raw_exchange(port, b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Filler: " + b"y" * 20000 + b"\r\n\r\n")
    assert huge_header == b"" or 400 <= status_of(huge_header) < 500
    bad_escape = request(port, "GET", "/cli/list%zznumsessions")
    assert 400 <= bad_escape[0] < 500
    # Still serving everyone.
    assert request(port, "GET", "/ping")[0] == 200
    assert daemon.ng.request({"command": "ping"})["result"] == b"pong"
    assert daemon.alive()


def test_cli_over_http(daemon):
    a = Peer()
    try:
        offer = daemon.ng.request({"command": "offer", "call-id": "cli-call", "from-tag": "A",
                                   "sdp": make_sdp(a.host, a.port)})
        assert offer["result"] == b"ok"
    finally:
        a.close()
    for path in ("/cli/list%20numsessions", "/cli/list+numsessions"):
        status, headers, body = request(daemon.http_port, "GET", path)
        assert status == 200 and headers["content-type"] == "text/plain"
        assert b"Current sessions own: 1\n" in body and b"Current sessions total: 1\n" in body
    status, _, body = request(daemon.http_port, "GET", "/cli/list%20sessions%20all")
    assert status == 200 and b"cli-call" in body
    status, _, body = request(daemon.http_port, "GET", "/cli/list%20jsonstats")
    assert json.loads(body)["currentstatistics"]["sessionsown"] == 1
    status, _, body = request(daemon.http_port, "GET", "/cli/no%20such%20command")
    assert status == 200 and body.startswith(b"Unknown")


def metric(text, name, labels=""):
    """The value of one sample, by name and exact label text."""
    key = name + ("{%s}" % labels if labels else "")
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        if sample == key:
            return float(value)
    raise AssertionError("no sample %s in:\n%s" % (key, text))


def test_metrics_pass_promtool_and_count_what_was_sent(daemon, tmp_path):
    if not os.path.exists(PROMTOOL):
        pytest.fail("promtool is missing: install the Debian package prometheus (scripts/install-deps.sh --test)")
    peers = []
    try:
        for call_id, delete in (("m-ended", True), ("m-running", False)):
            a, b = Peer(), Peer()
            peers += [a, b]
            offer_sdp, answer_sdp = offer_answer(daemon.ng, call_id, a, b)
            exchange(a, b, offer_sdp, answer_sdp, count=3)
            if delete:
                # The worker counts a packet just after sending it: let it finish before the
                # delete folds the call's counters into the totals.
                time.sleep(0.2)
                assert daemon.ng.request({"command": "delete", "call-id": call_id, "from-tag": "A"})["result"] == b"ok"
    finally:
        for p in peers:
            p.close()
    time.sleep(2.2)  # a deleted call's ports come back once its idle worker is woken by the 1 s timer
    status, headers, body = request(daemon.http_port, "GET", "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    path = tmp_path / "metrics.txt"
    path.write_bytes(body)
    with open(path, "rb") as f:
        check = subprocess.run([PROMTOOL, "check", "metrics"], stdin=f, capture_output=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    text = body.decode()
    assert metric(text, "rtpengine_sessions", 'type="own"') == 1
    assert metric(text, "rtpengine_sessions", 'type="foreign"') == 0
    assert metric(text, "rtpengine_sessions_total") == 1
    assert metric(text, "rtpengine_closed_sessions_total", 'reason="terminated"') == 1
    # 2 calls x 3 packets each way x 172 bytes.
    assert metric(text, "rtpengine_packets_total", 'type="userspace"') == 12
    assert metric(text, "rtpengine_bytes_total", 'type="userspace"') == 12 * 172
    assert metric(text, "rtpengine_packets_total", 'type="kernel"') == 0
    assert metric(text, "rtpengine_requests_total", 'proxy="127.0.0.1",request="offer"') == 2
    assert metric(text, "rtpengine_requests_total", 'proxy="127.0.0.1",request="delete"') == 1
    assert metric(text, "rtpengine_ports_used", 'name="default",address="127.0.0.1"') == 4
    assert metric(text, "rtpengine_uptime_seconds") >= 0
    assert metric(text, "rtpengine_classified_packets_total", 'class="stun"') == 0
    assert metric(text, "rtpengine_classified_packets_total", 'class="malformed"') == 0
    assert metric(text, "rtpengine_srtp_failures_total") == 0
    assert "# TYPE rtpengine_packets_total counter" in text
    assert "# TYPE rtpengine_sessions gauge" in text
    # The same source as "list jsonstats".
    stats = json.loads(request(daemon.http_port, "GET", "/cli/list%20jsonstats")[2])
    assert stats["totalstatistics"]["relayedpackets"] == 12


def test_slow_clients_do_not_block_control(daemon):
    port = daemon.http_port
    stalled = []
    try:
        # Half a request line, half a body, and half a WebSocket frame, all left hanging.
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /pi")
        stalled.append(s)
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /ng HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-rtpengine-ng\r\n"
                  b"Content-Length: 1000\r\n\r\nc1 d7:comm")
        stalled.append(s)
        ws = WebSocket(port, "ng.rtpengine.com")
        ws.sock.sendall(bytes([0x82, 0x80 | 100]) + b"\0\0\0\0" + b"c9 d7:co")
        stalled.append(ws.sock)
        for i in range(3):
            started = time.monotonic()
            assert post_ng(port, "fast%d" % i, {"command": "ping"})[2] == {"result": b"pong"}
            assert daemon.ng.request({"command": "ping"})["result"] == b"pong"
            assert time.monotonic() - started < 1.0
        assert request(port, "GET", "/metrics")[0] == 200
    finally:
        for s in stalled:
            s.close()
    assert request(port, "GET", "/ping")[0] == 200


def test_several_listeners_over_several_http_threads():
    second = free_tcp_port()
    d = start_http_daemon(extra=["--listen-http=127.0.0.1:%d" % second], threads=3)
    try:
        assert "Listening for HTTP and WebSocket on TCP 127.0.0.1:%d" % second in d.log()
        results, errors = [], []

        def worker(n):
            try:
                port = d.http_port if n % 2 else second
                for i in range(5):
                    results.append(post_ng(port, "t%d-%d" % (n, i), {"command": "ping"})[2])
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert not errors and results == [{"result": b"pong"}] * 30
    finally:
        stop_http_daemon(d)


def test_https_and_wss():
    if not shutil.which("openssl"):
        pytest.fail("openssl is missing (scripts/install-deps.sh --test)")
    d = start_http_daemon(https=True)
    try:
        assert request(d.https_port, "GET", "/ping", tls=True)[2] == b"pong\n"
        assert post_ng(d.https_port, "s1", {"command": "ping"}, tls=True) == (200, "s1", {"result": b"pong"})
        ws = WebSocket(d.https_port, "ng.rtpengine.com", tls=True)
        try:
            ws.send(b"w1 d7:command4:pinge")
            assert ws.recv() == (0x2, b"w1 d6:result4:ponge")
        finally:
            ws.close()
        # Plain HTTP on the TLS port gets nothing useful, and the daemon carries on.
        reply = raw_exchange(d.https_port, b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"pong" not in reply
        assert request(d.http_port, "GET", "/ping")[0] == 200
    finally:
        stop_http_daemon(d)


def test_http_only_daemon_starts():
    port = free_tcp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-t", "-1", "--listen-http=127.0.0.1:%d" % port])
    d.start()
    try:
        assert post_ng(port, "h1", {"command": "ping"}) == (200, "h1", {"result": b"pong"})
    finally:
        assert d.stop() == 0


@pytest.mark.parametrize("args, message", [
    (["--listen-http=127.0.0.1:notaport"], "--listen-http"),
    (["--listen-http=999.1.1.1:2000"], "--listen-http"),
    (["--listen-https=127.0.0.1:%d" % 1], "--https-cert"),
    (["--http-threads=-3", "--listen-http=127.0.0.1:2000"], "--http-threads"),
])
def test_bad_http_options_stop_startup(args, message):
    result = run_daemon_once(["--config-file=none", "-i", "127.0.0.1", "-t", "-1", "--foreground", "--log-stderr"]
                             + args)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr


def test_taken_port_and_bad_certificate_stop_startup(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_daemon_once(["--config-file=none", "-i", "127.0.0.1", "-t", "-1", "--foreground",
                                  "--log-stderr", "--listen-http=127.0.0.1:%d" % port])
        assert result.returncode != 0
        assert "cannot listen for HTTP on 127.0.0.1:%d" % port in result.stderr, result.stderr
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate\n")
    result = run_daemon_once(["--config-file=none", "-i", "127.0.0.1", "-t", "-1", "--foreground", "--log-stderr",
                              "--listen-https=127.0.0.1:%d" % free_tcp_port(), "--https-cert=%s" % bogus])
    assert result.returncode != 0
    assert "cannot listen for HTTPS" in result.stderr, result.stderr


def test_config_file_list_and_ipv6_listener():
    first, second = free_tcp_port(), free_tcp_port()
    v6 = free_tcp_port("::1", socket.AF_INET6)
    d = Daemon(config={"interface": "127.0.0.1", "table": "-1",
                       "listen-http": "127.0.0.1:%d;127.0.0.1:%d;[::1]:%d" % (first, second, v6)})
    d.start()
    try:
        for port in (first, second):
            assert request(port, "GET", "/ping")[2] == b"pong\n"
        import http.client
        conn = http.client.HTTPConnection("::1", v6, timeout=5)
        try:
            conn.request("GET", "/cli/list%20numsessions")
            response = conn.getresponse()
            assert response.status == 200 and b"Current sessions own: 0" in response.read()
        finally:
            conn.close()
    finally:
        assert d.stop() == 0
