"""ng over TCP (--listen-tcp-ng): messages back to back on a stream, framed by bencode."""

import socket
import time

import pytest

from rtpe_testlib import Daemon, NgClient, bdecode, bencode, free_udp_port
from test_calls import Peer, exchange, make_sdp, sdp_port


def tcp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def daemon():
    ng, tcp = free_udp_port(), tcp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % ng, "-N", "127.0.0.1:%d" % tcp, "-t", "-1",
                     "-d", "0"])
    d.ng_address, d.tcp_address = ("127.0.0.1", ng), ("127.0.0.1", tcp)
    d.start()
    yield d
    assert d.stop() == 0


def connect(daemon):
    s = socket.create_connection(daemon.tcp_address, timeout=2)
    return s


def read_replies(sock, count):
    """Reads until count complete '<cookie> <bencode>' replies arrived; returns them decoded."""
    data = b""
    replies = []
    while len(replies) < count:
        chunk = sock.recv(65536)
        assert chunk, "connection closed early"
        data += chunk
        while True:
            space = data.find(b" ")
            if space < 0:
                break
            for end in range(space + 2, len(data) + 1):
                try:
                    body = bdecode(data[space + 1:end])
                except (ValueError, IndexError):
                    continue
                replies.append((data[:space], body))
                data = data[end:]
                break
            else:
                break
    return replies


def test_ping_over_tcp(daemon):
    s = connect(daemon)
    s.sendall(b"1 d7:command4:pinge")
    assert read_replies(s, 1) == [(b"1", {"result": b"pong"})]
    s.close()


def test_messages_back_to_back_and_split(daemon):
    s = connect(daemon)
    s.sendall(b"a d7:command4:pinge" + b"b d7:command3:fooe")
    replies = read_replies(s, 2)
    assert replies[0] == (b"a", {"result": b"pong"})
    assert replies[1][1]["error-reason"] == b"Unrecognized command"
    s.sendall(b"c d7:comm")
    time.sleep(0.2)
    s.sendall(b"and4:pinge")
    assert read_replies(s, 1) == [(b"c", {"result": b"pong"})]
    s.close()


def test_call_over_tcp_relays_media(daemon):
    s = connect(daemon)
    a, b = Peer(), Peer()
    s.sendall(b"o " + bencode({"command": "offer", "call-id": "tcp-call", "from-tag": "A",
                               "sdp": make_sdp(a.host, a.port)}))
    offer = read_replies(s, 1)[0][1]
    s.sendall(b"r " + bencode({"command": "answer", "call-id": "tcp-call", "from-tag": "A", "to-tag": "B",
                               "sdp": make_sdp(b.host, b.port)}))
    answer = read_replies(s, 1)[0][1]
    exchange(a, b, offer["sdp"], answer["sdp"], count=2)
    # The same call is visible over UDP: one call model whichever transport.
    udp = NgClient(daemon.ng_address)
    assert udp.request({"command": "list"})["calls"] == [b"tcp-call"]
    udp.close()
    s.close()
    a.close()
    b.close()


@pytest.mark.parametrize("junk", [b"no cookie here at all " * 20, b"1 {\"command\":\"ping\"}", b"1 dxx",
                                  b"1 d7:command4:ping}"])
def test_garbage_closes_only_that_connection(daemon, junk):
    good = connect(daemon)
    bad = connect(daemon)
    bad.sendall(junk)
    bad.settimeout(2)
    assert bad.recv(100) == b""  # closed by the daemon
    good.sendall(b"1 d7:command4:pinge")
    assert read_replies(good, 1) == [(b"1", {"result": b"pong"})]
    good.close()
    bad.close()
    assert daemon.alive()


def test_many_connections(daemon):
    socks = [connect(daemon) for _ in range(50)]
    for i, s in enumerate(socks):
        s.sendall(b"%d d7:command4:pinge" % i)
    for i, s in enumerate(socks):
        assert read_replies(s, 1) == [(b"%d" % i, {"result": b"pong"})]
        s.close()


def test_tcp_only_daemon_starts():
    tcp = tcp_port()
    d = Daemon(args=["-i", "127.0.0.1", "--listen-tcp-ng=127.0.0.1:%d" % tcp, "-t", "-1"]).start()
    s = socket.create_connection(("127.0.0.1", tcp), timeout=2)
    s.sendall(b"1 d7:command4:pinge")
    assert read_replies(s, 1) == [(b"1", {"result": b"pong"})]
    s.close()
    assert d.stop() == 0
