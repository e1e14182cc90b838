"""ng over UDP against the real daemon: framing, formats, errors, retransmissions, load."""

import json
import os
import random
import socket
import threading

import pytest

from rtpe_testlib import Daemon, NgClient, bencode, bdecode, free_udp_port


@pytest.fixture
def daemon():
    port = free_udp_port()
    d = Daemon(config={"interface": "127.0.0.1", "listen-ng": "127.0.0.1:%d" % port, "table": "-1",
                       "log-level": "7"})
    d.ng_address = ("127.0.0.1", port)
    d.start()
    yield d
    assert d.stop() == 0


@pytest.fixture
def client(daemon):
    c = NgClient(daemon.ng_address)
    yield c
    c.close()


def test_ping_bencode(client):
    assert client.request_raw(b"1 d7:command4:pinge") == b"1 d6:result4:ponge"


def test_reply_goes_back_with_the_same_cookie(client):
    reply = client.request({"command": "ping"}, cookie="a-cookie_with.chars")
    assert reply == {"result": b"pong"}


def test_ping_json(client):
    reply = client.request_raw(b'7 {"command":"ping"}')
    cookie, _, body = reply.partition(b" ")
    assert cookie == b"7"
    assert json.loads(body) == {"result": "pong"}


def test_unknown_command_bencode(client):
    assert bdecode(client.request_raw(b"2 d7:command3:fooe").partition(b" ")[2]) == {
        "result": b"error", "error-reason": b"Unrecognized command"}


def test_unknown_command_json(client):
    body = client.request_raw(b'5 {"command":"foo"}').partition(b" ")[2]
    assert json.loads(body) == {"result": "error", "error-reason": "Unrecognized command"}


@pytest.mark.parametrize("body, reason", [
    (b"dxx", b"Could not decode bencode dictionary"),
    (b"d7:command4:ping", b"Could not decode bencode dictionary"),
    (b"i5e", b"Invalid NG data format"),
    (b"le", b"Invalid NG data format"),
    (b"4:ping", b"Invalid NG data format"),
    (b"d3:fooi1ee", b'Dictionary contains no key "command"'),
    (b"d7:commandi5ee", b'Dictionary contains no key "command"'),
    (b"99999999999999999999:x", b"Could not decode bencode dictionary"),
    (b"l" * 60000, b"Could not decode bencode dictionary"),
], ids=lambda v: repr(v[:20]))
def test_undecodable_bencode_gets_an_error(client, daemon, body, reason):
    reply = bdecode(client.request_raw(b"9 " + body).partition(b" ")[2])
    assert reply == {"result": b"error", "error-reason": reason}
    assert daemon.alive()


@pytest.mark.parametrize("body", [b"{bad json", b'{"command":', b"{" * 60000, b'{"a":1} trailing'],
                         ids=lambda v: repr(v[:20]))
def test_undecodable_json_gets_an_error(client, body):
    reply = json.loads(client.request_raw(b"9 " + body).partition(b" ")[2])
    assert reply == {"result": "error", "error-reason": "Failed to parse JSON document"}


def test_json_body_that_is_not_an_object(client):
    # Starts with '{' only for objects, so an array is taken for (invalid) bencode.
    reply = bdecode(client.request_raw(b"9 [1,2]").partition(b" ")[2])
    assert reply["result"] == b"error"


def test_datagram_without_cookie_is_dropped(client, daemon):
    for junk in (b"nocookie", b" d7:command4:pinge", b""):
        client.send_raw(junk)
    with pytest.raises(socket.timeout):
        client.sock.settimeout(0.5)
        client.recv_raw()
    client.sock.settimeout(2)
    assert client.request({"command": "ping"})["result"] == b"pong"
    assert "no cookie" in daemon.log()


def test_retransmission_gets_cached_reply_without_running_again(client, daemon):
    datagram = b"retrans-1 d7:command3:fooe"
    first = client.request_raw(datagram)
    second = client.request_raw(datagram)
    assert first == second
    log = daemon.log()
    assert log.count("Received command 'foo'") == 1
    assert "as a duplicate" in log


def test_same_cookie_from_another_sender_is_a_new_request(daemon):
    a, b = NgClient(daemon.ng_address), NgClient(daemon.ng_address)
    try:
        assert a.request({"command": "ping"}, cookie="shared")["result"] == b"pong"
        assert b.request({"command": "ping"}, cookie="shared")["result"] == b"pong"
    finally:
        a.close()
        b.close()
    assert daemon.log().count("Received command 'ping'") == 2


def test_keys_in_any_order_and_extra_keys(client):
    reply = client.request_raw(b"1 d5:flagsl3:fooe7:command4:ping3:zzzi-5ee")
    assert bdecode(reply.partition(b" ")[2]) == {"result": b"pong"}


def test_large_datagram(client):
    filler = "x" * 60000
    assert client.request({"command": "ping", "filler": filler})["result"] == b"pong"


def test_random_datagrams_do_not_disturb_the_daemon(client, daemon):
    rng = random.Random(1234)
    noise = NgClient(daemon.ng_address, timeout=0.05)
    try:
        for i in range(3000):
            size = rng.choice([1, 2, 5, 20, 200, 1400])
            payload = bytes(rng.getrandbits(8) for _ in range(size))
            if i % 3 == 0:
                payload = b"%d " % i + payload
            elif i % 3 == 1:
                payload = b"%d d7:command4:ping" % i + payload
            noise.send_raw(payload)
        # Drain whatever came back; errors are expected, silence for cookie-less ones too.
        try:
            while True:
                noise.recv_raw()
        except socket.timeout:
            pass
    finally:
        noise.close()
    assert daemon.alive()
    assert client.request({"command": "ping"})["result"] == b"pong"


def test_many_senders_at_once(daemon):
    senders, per_sender = 40, 25
    errors = []

    def worker(n):
        c = NgClient(daemon.ng_address, timeout=3)
        try:
            for i in range(per_sender):
                cookie = "s%d-%d" % (n, i)
                reply = c.request({"command": "ping", "n": n}, cookie=cookie)
                if reply != {"result": b"pong"}:
                    errors.append(reply)
        except Exception as e:  # collected and asserted below
            errors.append(repr(e))
        finally:
            c.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert daemon.log().count("Received command 'ping'") == senders * per_sender


def test_ipv6_loopback():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 in this environment")
    port = free_udp_port("::1", socket.AF_INET6)
    d = Daemon(config={"interface": "127.0.0.1", "listen-ng": "[::1]:%d" % port, "table": "-1"})
    d.start()
    c = NgClient(("::1", port), family=socket.AF_INET6)
    try:
        assert c.request_raw(b"1 d7:command4:pinge") == b"1 d6:result4:ponge"
        body = c.request_raw(b'2 {"command":"ping"}').partition(b" ")[2]
        assert json.loads(body) == {"result": "pong"}
    finally:
        c.close()
        assert d.stop() == 0


def _as_text(value):
    """A decoded bencode value with bytes turned into str, as JSON would carry it."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, list):
        return [_as_text(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_text(v) for k, v in value.items()}
    return value


def test_json_query_reports_the_call_as_bencode_does(client):
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           "m=audio 5000 RTP/AVP 0\r\n")
    assert client.request({"command": "offer", "call-id": "j", "from-tag": "a", "sdp": sdp})["result"] == b"ok"
    assert client.request({"command": "answer", "call-id": "j", "from-tag": "a", "to-tag": "b",
                           "sdp": sdp.replace("5000", "5002")})["result"] == b"ok"
    as_bencode = client.request({"command": "query", "call-id": "j"})
    body = client.request_raw(b"jq " + json.dumps({"command": "query", "call-id": "j"}).encode())
    as_json = json.loads(body.partition(b" ")[2])
    assert set(as_json["tags"]) == {"a", "b"}
    assert as_json["tags"]["a"]["medias"][0]["streams"][0]["local port"] > 0
    for key in ("tags", "totals", "SSRC"):
        assert as_json[key] == _as_text(as_bencode[key])
