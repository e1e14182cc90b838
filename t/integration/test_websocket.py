"""WebSocket control on the --listen-http port: subprotocol ng.rtpengine.com (one ng
request with its cookie per message, one reply per message), cli.rtpengine.com and
echo.rtpengine.com, and what happens to clients that break the rules."""

import socket
import struct
import time

import pytest

from http_testlib import WebSocket, request, start_http_daemon, stop_http_daemon
from rtpe_testlib import bdecode, bencode
from test_calls import Peer, exchange, make_sdp


@pytest.fixture
def daemon():
    d = start_http_daemon()
    yield d
    stop_http_daemon(d)


def ng(ws, cookie, message):
    ws.send(cookie.encode() + b" " + bencode(message))
    opcode, reply = ws.recv()
    assert opcode == 0x2
    got_cookie, _, body = reply.partition(b" ")
    assert got_cookie == cookie.encode()
    return bdecode(body)


def test_ng_call_over_websocket(daemon):
    ws = WebSocket(daemon.http_port, "ng.rtpengine.com")
    a, b = Peer(), Peer()
    try:
        assert ng(ws, "w0", {"command": "ping"}) == {"result": b"pong"}
        offer = ng(ws, "w1", {"command": "offer", "call-id": "ws-call", "from-tag": "A",
                              "sdp": make_sdp(a.host, a.port)})
        assert offer["result"] == b"ok", offer
        # A retransmitted message gets the first reply again.
        assert ng(ws, "w1", {"command": "offer", "call-id": "ws-call", "from-tag": "A",
                             "sdp": make_sdp(a.host, a.port)}) == offer
        answer = ng(ws, "w2", {"command": "answer", "call-id": "ws-call", "from-tag": "A", "to-tag": "B",
                               "sdp": make_sdp(b.host, b.port)})
        assert answer["result"] == b"ok", answer
        exchange(a, b, offer["sdp"], answer["sdp"], count=2)
        assert daemon.ng.request({"command": "query", "call-id": "ws-call"})["result"] == b"ok"
        assert ng(ws, "w3", {"command": "delete", "call-id": "ws-call", "from-tag": "A"})["result"] == b"ok"
        # No cookie: nothing comes back (as over UDP), and the connection carries on.
        ws.send(b"d7:command4:pinge")
        assert ng(ws, "w4", {"command": "ping"}) == {"result": b"pong"}
    finally:
        a.close()
        b.close()
        ws.close()


def test_pipelined_and_fragmented_messages(daemon):
    ws = WebSocket(daemon.http_port, "ng.rtpengine.com")
    try:
        for i in range(40):  # more than the in-flight limit: reading pauses, nothing is lost
            ws.send(b"p%d d7:command4:pinge" % i)
        for i in range(40):
            assert ws.recv() == (0x2, b"p%d d6:result4:ponge" % i)
        message = b"f1 d7:command4:pinge"
        ws.send(message[:5], opcode=0x2, fin=False)
        ws.send(message[5:12], opcode=0x0, fin=False)
        ws.send(message[12:], opcode=0x0, fin=True)
        assert ws.recv() == (0x2, b"f1 d6:result4:ponge")
        ws.send(b"j1 " + b'{"command":"ping"}', opcode=0x1)
        assert ws.recv() == (0x2, b'j1 {"result":"pong"}')
    finally:
        ws.close()


def test_cli_and_echo_subprotocols(daemon):
    ws = WebSocket(daemon.http_port, "cli.rtpengine.com")
    try:
        ws.send(b"list numsessions", opcode=0x1)
        opcode, text = ws.recv()
        assert b"Current sessions own: 0\n" in text
        ws.send(b"no such command", opcode=0x1)
        assert ws.recv()[1].startswith(b"Unknown")
    finally:
        ws.close()
    ws = WebSocket(daemon.http_port, "echo.rtpengine.com")
    try:
        ws.send(b"hello there")
        assert ws.recv() == (0x2, b"hello there")
    finally:
        ws.close()


@pytest.mark.parametrize("protocol", [None, "chat.example.com"])
def test_unknown_or_missing_subprotocol_is_refused(daemon, protocol):
    with pytest.raises(ConnectionError):
        WebSocket(daemon.http_port, protocol, timeout=3.0).close()
    assert request(daemon.http_port, "GET", "/ping")[0] == 200


def test_oversized_message_closes_only_that_connection(daemon):
    bystander = WebSocket(daemon.http_port, "ng.rtpengine.com")
    ws = WebSocket(daemon.http_port, "ng.rtpengine.com")
    try:
        # Announce 2 MiB in fragments of 64 KiB; the daemon gives up past 1 MiB.
        chunk = b"x" * 65536
        closed = False
        try:
            for i in range(32):
                ws.send(chunk, opcode=0x2 if i == 0 else 0x0, fin=False)
            opcode, payload = ws.recv()
            assert opcode == 0x8 and struct.unpack("!H", payload[:2])[0] == 1009
            closed = True
        except (ConnectionError, BrokenPipeError, socket.timeout):
            closed = True
        assert closed
        assert ng(bystander, "b1", {"command": "ping"}) == {"result": b"pong"}
    finally:
        ws.close()
        bystander.close()
    assert daemon.alive()


def test_client_vanishing_with_requests_in_flight(daemon):
    for round_ in range(3):
        ws = WebSocket(daemon.http_port, "ng.rtpengine.com")
        for i in range(10):
            ws.send(b"v%d-%d d7:command4:pinge" % (round_, i))
        ws.close()
    time.sleep(0.3)
    ws = WebSocket(daemon.http_port, "ng.rtpengine.com")
    try:
        assert ng(ws, "after", {"command": "ping"}) == {"result": b"pong"}
    finally:
        ws.close()
    assert daemon.alive()


def test_client_not_reading_replies_is_paused_not_dropped(daemon):
    greedy = WebSocket(daemon.http_port, "ng.rtpengine.com")
    bystander = WebSocket(daemon.http_port, "ng.rtpengine.com")
    try:
        for i in range(200):  # replies pile up unread; the daemon stops reading this client
            greedy.send(b"g%d d7:command4:pinge" % i)
        time.sleep(0.2)
        assert ng(bystander, "b1", {"command": "ping"}) == {"result": b"pong"}
        for i in range(200):  # once the client reads, everything arrives, in order
            assert greedy.recv() == (0x2, b"g%d d6:result4:ponge" % i)
    finally:
        greedy.close()
        bystander.close()
