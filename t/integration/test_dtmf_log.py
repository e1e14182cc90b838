"""DTMF logging (--dtmf-log-dest, the DTMF-log-dest key, --dtmf-log-ng-tcp) against
Debian's 10.5 started alike: a sends an RFC 4733 event; each daemon reports it once, as
the same JSON datagram and the same ng TCP notification (timestamps aside)."""

import json
import re
import socket
import struct
import time

from media_testlib import PortPair, drain
from rtpe_testlib import (UPSTREAM_DAEMON, bdecode_first, decoded, free_tcp_port, start_ng_daemon, stop_ng_daemon)


def sdp(origin, port):
    return "\r\n".join(["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
                        "m=audio %d RTP/AVP 0 101" % port, "a=rtpmap:101 telephone-event/8000", ""])


def udp_listener():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(1.0)
    return s


def event_call(daemon, call_id, extra=None, blocked=False):
    """An answered call in which a sends audio, event 7 (volume 12, 100 ms, three end
    packets) and audio again."""
    a, b = PortPair(), PortPair()
    try:
        daemon.ng.request(dict({"command": "offer", "call-id": call_id, "from-tag": "a",
                                "sdp": sdp("a", a.port())}, **(extra or {})))
        r = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "a", "to-tag": "b",
                                       "sdp": sdp("b", b.port())}))
        to_a = int(re.search(r"m=audio (\d+)", r["sdp"]).group(1))
        if blocked:
            assert decoded(daemon.ng.request({"command": "block DTMF", "call-id": call_id})) == {"result": "ok"}
        seq = [100]

        def send(pt, payload, marker=False, ts=None):
            seq[0] += 1
            header = struct.pack("!BBHII", 0x80, pt | (0x80 if marker else 0), seq[0],
                                 seq[0] * 160 if ts is None else ts, 0x1234)
            a.rtp.sendto(header + payload, ("127.0.0.1", to_a))
            time.sleep(0.02)

        for _ in range(3):
            send(0, bytes(160))
        start = (seq[0] + 1) * 160
        for i, duration in enumerate((160, 320, 480, 640)):
            send(101, struct.pack("!BBH", 7, 12, duration), marker=i == 0, ts=start)
        for _ in range(3):
            send(101, struct.pack("!BBH", 7, 0x80 | 12, 800), ts=start)
        for _ in range(3):
            send(0, bytes(160))
        time.sleep(0.3)
        events_at_b = [p for p in drain(b.rtp) if p[1] & 0x7f == 101]
        daemon.ng.request({"command": "delete", "call-id": call_id})
        return events_at_b
    finally:
        a.close()
        b.close()


def datagrams(s):
    out = []
    try:
        while True:
            out.append(json.loads(s.recv(65535)))
    except socket.timeout:
        pass
    return out


def without_timestamp(document):
    return {k: v for k, v in document.items() if k != "timestamp"}


EXPECTED = {"callid": "dtmf-log", "source_tag": "a", "tags": ["a", "b"], "type": "DTMF",
            "source_ip": "127.0.0.1", "event": 7, "duration": 100, "volume": 12}


def test_dtmf_log_dest_as_oracle():
    reports = []
    for binary in (None, UPSTREAM_DAEMON):
        sink = udp_listener()
        d = start_ng_daemon(["--dtmf-log-dest=127.0.0.1:%d" % sink.getsockname()[1]], binary=binary)
        try:
            event_call(d, "dtmf-log")
            # Blocked DTMF is still logged (upstream's documentation says so).
            assert len(event_call(d, "dtmf-log-blocked", blocked=True)) == 0
            reports.append(datagrams(sink))
        finally:
            d.ng.close()
            assert d.stop() == 0 or binary
            sink.close()
    ours, theirs = ([without_timestamp(doc) for doc in r] for r in reports)
    assert theirs == [EXPECTED, dict(EXPECTED, callid="dtmf-log-blocked")]
    assert ours == theirs
    assert abs(reports[0][0]["timestamp"] - time.time()) < 30


def test_dtmf_log_dest_key_per_call():
    """Without the option, the offer's DTMF-log-dest turns logging on for that call only."""
    sink = udp_listener()
    d = start_ng_daemon()
    try:
        event_call(d, "dtmf-log", {"DTMF-log-dest": "127.0.0.1:%d" % sink.getsockname()[1]})
        event_call(d, "dtmf-quiet")
        assert [without_timestamp(doc) for doc in datagrams(sink)] == [EXPECTED]
        reply = decoded(d.ng.request({"command": "offer", "call-id": "bad-dest", "from-tag": "a",
                                      "sdp": sdp("a", 4000), "DTMF-log-dest": "not an address"}))
        assert reply["result"] == "error" and "DTMF-log-dest" in reply["error-reason"]
    finally:
        stop_ng_daemon(d)
        sink.close()


def test_dtmf_notification_to_ng_tcp_clients_as_oracle():
    notifications = []
    for binary in (None, UPSTREAM_DAEMON):
        port = free_tcp_port()
        d = start_ng_daemon(["--listen-tcp-ng=127.0.0.1:%d" % port, "--dtmf-log-ng-tcp"], binary=binary)
        tcp = socket.create_connection(("127.0.0.1", port))
        tcp.settimeout(1.0)
        try:
            time.sleep(0.1)
            event_call(d, "dtmf-log")
            data = tcp.recv(65535)
            cookie, _, body = data.partition(b" ")
            assert re.fullmatch(rb"[0-9a-f]{16}", cookie), data
            # The first notification: a loaded daemon may send the next in the same segment.
            notifications.append(decoded(bdecode_first(body)[0]))
        finally:
            tcp.close()
            d.ng.close()
            assert d.stop() == 0 or binary
    for n in notifications:
        n["data"].pop("timestamp")
    assert notifications[1] == {"notify": "onDTMF", "data": EXPECTED}
    assert notifications[0] == notifications[1]
