"""--homer: RTCP relayed through a call reaches a HEP listener as HEP3 with upstream's JSON.

Our daemon and Debian's rtpengine 10.5 (the oracle) run the same scenario, over UDP and over
TCP: every RTCP compound of t/unit/hep/upstream_capture.jsonl, sent alternately by the caller
and the callee. HEP3 is decoded here, independently of the daemon's code. Ours must carry the
JSON recorded from the packaged daemon, the Call-ID, the right addresses, ports, time and
capture id; both daemons' messages must agree in everything but ports and times.
A Homer that refuses connections or never reads must not disturb media or signalling.
"""

import json
import os
import re
import socket
import struct
import threading
import time

import pytest

from media_testlib import PortPair, drain
from rtpe_testlib import Daemon, NgClient, free_udp_port, start_ng_daemon, stop_ng_daemon

UPSTREAM = "/usr/bin/rtpengine"
CAPTURE = os.path.join(os.path.dirname(__file__), "..", "unit", "hep", "upstream_capture.jsonl")
HOMER_ID = 4711
CALL_ID = "homer-test-call@127.0.0.1"

# HEP3 generic chunk types (vendor 0)
FAMILY, PROTO, SRC4, DST4, SPORT, DPORT, TSEC, TUSEC, PTYPE, CAPID, CORR, PAYLOAD = 1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 17, 15
UPSTREAM_ORDER = [FAMILY, PROTO, SPORT, DPORT, TSEC, TUSEC, PTYPE, CAPID, SRC4, DST4, CORR, PAYLOAD]


def decode_hep(data):
    """[(vendor, type, value bytes)] of one HEP3 message; asserts it is well formed."""
    assert data[:4] == b"HEP3", data[:16]
    total = struct.unpack("!H", data[4:6])[0]
    assert total == len(data), (total, len(data))
    chunks, i = [], 6
    while i < total:
        vendor, ctype, length = struct.unpack("!HHH", data[i:i + 6])
        assert length >= 6 and i + length <= total, (ctype, length)
        chunks.append((vendor, ctype, data[i + 6:i + length]))
        i += length
    return chunks


def number(b):
    return int.from_bytes(b, "big")


def load_cases():
    cases = []
    with open(CAPTURE) as f:
        for line in f:
            d = json.loads(line)
            if "case" not in d:
                continue
            expected = []
            for h in d["hep_hex"]:
                chunks = {t: v for _, t, v in decode_hep(bytes.fromhex(h))}
                expected.append(chunks[PAYLOAD].decode())
            cases.append((d["case"], bytes.fromhex(d["rtcp_hex"]), expected))
    return cases


CASES = load_cases()


class UdpHomer:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sock.settimeout(0.05)

    def collect(self, count, timeout):
        got, deadline = [], time.time() + timeout
        while len(got) < count and time.time() < deadline:
            try:
                got.append(self.sock.recv(65535))
            except socket.timeout:
                pass
        return got

    def close(self):
        self.sock.close()


class TcpHomer:
    """Accepts connections and splits each byte stream into HEP3 messages."""

    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.messages = []
        self.lock = threading.Lock()
        self.done = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        conns = []
        buffers = {}
        while not self.done:
            try:
                c, _ = self.listener.accept()
                c.settimeout(0.01)
                conns.append(c)
                buffers[c] = b""
            except socket.timeout:
                pass
            for c in list(conns):
                try:
                    data = c.recv(65535)
                except socket.timeout:
                    continue
                if not data:
                    conns.remove(c)
                    c.close()
                    continue
                buffers[c] += data
                while len(buffers[c]) >= 6:
                    length = struct.unpack("!H", buffers[c][4:6])[0]
                    if len(buffers[c]) < length:
                        break
                    with self.lock:
                        self.messages.append(buffers[c][:length])
                    buffers[c] = buffers[c][length:]
        for c in conns:
            c.close()

    def collect(self, count, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    break
            time.sleep(0.01)
        with self.lock:
            got, self.messages = self.messages[:count], self.messages[count:]
        return got

    def close(self):
        self.done = True
        self.thread.join(2)
        self.listener.close()


def homer_args(port, protocol):
    return ["--homer=127.0.0.1:%d" % port, "--homer-protocol=%s" % protocol, "--homer-id=%d" % HOMER_ID]


def start_oracle(args):
    assert os.path.exists(UPSTREAM), "needs Debian's rtpengine as the oracle"
    ng_port = free_udp_port()
    # The packaged daemon wants a config file with its section.
    d = Daemon(config={"table": "-1"}, binary=UPSTREAM,
               args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % ng_port, "-t", "-1"] + list(args))
    d.start()
    d.ng_port = ng_port
    d.ng = NgClient(("127.0.0.1", ng_port))
    return d


def stop_oracle(d):
    d.ng.close()
    d.stop()


def sdp(port):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n" % port)


def rtp(seq, ssrc):
    return struct.pack("!BBHII", 0x80, 0, seq, seq * 160, ssrc) + b"\xff" * 160


class Peer(PortPair):
    def __init__(self):
        super().__init__()
        self.port = self.rtp.getsockname()[1]
        self.rtcp_port = self.port + 1
        self.to = None  # the daemon's RTP port this peer sends to

    def drain(self, rtcp):
        return drain(self.rtcp if rtcp else self.rtp)


class Call:
    def __init__(self, daemon):
        self.caller, self.callee = Peer(), Peer()
        offer = daemon.ng.request({"command": "offer", "call-id": CALL_ID, "from-tag": "caller",
                                   "sdp": sdp(self.caller.port)})
        answer = daemon.ng.request({"command": "answer", "call-id": CALL_ID, "from-tag": "caller",
                                    "to-tag": "callee", "sdp": sdp(self.callee.port)})
        self.callee.to = int(re.search(rb"m=audio (\d+)", offer["sdp"]).group(1))
        self.caller.to = int(re.search(rb"m=audio (\d+)", answer["sdp"]).group(1))
        # Some RTP both ways first, so that both sides are known.
        for seq in range(3):
            self.caller.rtp.sendto(rtp(seq, 0x11223344), ("127.0.0.1", self.caller.to))
            self.callee.rtp.sendto(rtp(seq, 0x55667788), ("127.0.0.1", self.callee.to))
        time.sleep(0.1)
        self.caller.drain(False)
        self.callee.drain(False)

    def close(self):
        self.caller.close()
        self.callee.close()


def run_scenario(daemon, homer):
    """Sends every case's compound (caller and callee in turn); returns one record per case:
    (name, sender, expected JSON list, [(decoded chunks, send time, receive time)])."""
    call = Call(daemon)
    records = []
    try:
        for i, (name, packet, expected) in enumerate(CASES):
            sender = call.caller if i % 2 == 0 else call.callee
            sent_at = time.time()
            sender.rtcp.sendto(packet, ("127.0.0.1", sender.to + 1))
            got = homer.collect(len(expected), 3.0)
            # Nothing more than expected: wait a little for stragglers.
            got += homer.collect(1, 0.3)
            records.append((name, sender, expected, [(decode_hep(g), sent_at, time.time()) for g in got]))
        daemon.ng.request({"command": "delete", "call-id": CALL_ID, "from-tag": "caller"})
        return records, call
    finally:
        call.close()


def check_ours(records, protocol):
    for name, sender, expected, got in records:
        assert len(got) == len(expected), (protocol, name, got)
        for (chunks, sent_at, received_at), json_text in zip(got, expected):
            assert [t for _, t, _ in chunks] == UPSTREAM_ORDER, name
            assert all(v == 0 for v, _, _ in chunks)
            c = {t: v for _, t, v in chunks}
            assert number(c[FAMILY]) == socket.AF_INET
            assert number(c[PROTO]) == 17  # the RTCP's transport, whatever carries HEP
            assert c[SRC4] == socket.inet_aton("127.0.0.1") and c[DST4] == socket.inet_aton("127.0.0.1")
            assert number(c[SPORT]) == sender.rtcp_port, name
            assert number(c[DPORT]) == sender.to + 1, name  # the daemon's socket it arrived on
            stamp = number(c[TSEC]) + number(c[TUSEC]) / 1e6
            assert number(c[TUSEC]) < 1000000
            assert sent_at - 0.01 <= stamp <= received_at + 0.01, (sent_at, stamp, received_at)
            assert number(c[PTYPE]) == 5
            assert number(c[CAPID]) == HOMER_ID
            assert c[CORR].decode() == CALL_ID
            assert c[PAYLOAD].decode() == json_text, name


def comparable(records):
    """What both daemons must agree on: the whole sequence of messages, every chunk but ports
    and times. A sequence rather than per case: over TCP the packaged daemon holds its first
    message back until the next one, because its connection only makes progress when it has
    something new to send (ours sends each message at once)."""
    return [[(v, t, val) for v, t, val in chunks if t not in (SPORT, DPORT, TSEC, TUSEC)]
            for _, _, _, got in records for chunks, _, _ in got]


@pytest.fixture(params=["udp", "tcp"])
def protocol(request):
    return request.param


def make_homer(protocol):
    return UdpHomer() if protocol == "udp" else TcpHomer()


def test_hep_from_ours_and_oracle(protocol):
    homer = make_homer(protocol)
    try:
        ours = start_ng_daemon(homer_args(homer.port, protocol))
        try:
            our_records, _ = run_scenario(ours, homer)
        finally:
            stop_ng_daemon(ours)
        check_ours(our_records, protocol)
    finally:
        homer.close()

    homer = make_homer(protocol)
    try:
        oracle = start_oracle(homer_args(homer.port, protocol))
        try:
            their_records, _ = run_scenario(oracle, homer)
        finally:
            stop_oracle(oracle)
    finally:
        homer.close()
    ours_seen, theirs_seen = comparable(our_records), comparable(their_records)
    assert len(ours_seen) == sum(len(e) for _, _, e in CASES)
    if protocol == "udp":
        assert ours_seen == theirs_seen
    else:
        # Over TCP the packaged daemon sends a message only once the next one is queued, so
        # on a slow machine it may not have sent all of them when the scenario ends; what it
        # did send must be ours, in the same order.
        assert len(theirs_seen) >= len(ours_seen) - 2
        remaining = iter(ours_seen)
        assert all(any(m == o for o in remaining) for m in theirs_seen)
    if protocol == "udp":  # and one datagram right after each compound with something to report
        assert [len(got) for _, _, _, got in their_records] == [len(e) for _, _, e in CASES]
    # The oracle's ports follow the same rule as ours: the RTCP sender's, and its own socket's.
    want = [(sender.rtcp_port, sender.to + 1) for _, sender, expected, _ in their_records for _ in expected]
    seen = [(number(c[SPORT]), number(c[DPORT])) for c in
            ({t: v for _, t, v in chunks} for _, _, _, got in their_records for chunks, _, _ in got)]
    assert seen == want if protocol == "udp" else set(seen) <= set(want)


def flows_despite_homer(daemon):
    """RTCP and RTP still pass both ways in volume, and ng ping answers promptly."""
    call = Call(daemon)
    try:
        sr_sdes = CASES[0][1]
        relayed = rtp_relayed = 0
        slowest_ping = 0.0
        for burst in range(20):
            for i in range(100):
                call.caller.rtcp.sendto(sr_sdes, ("127.0.0.1", call.caller.to + 1))
                call.callee.rtp.sendto(rtp(100 + burst * 100 + i, 0x55667788), ("127.0.0.1", call.callee.to))
            t0 = time.time()
            assert daemon.ng.request({"command": "ping"})["result"] == b"pong"
            slowest_ping = max(slowest_ping, time.time() - t0)
            time.sleep(0.02)
            relayed += len(call.callee.drain(True))
            rtp_relayed += len(call.caller.drain(False))
        time.sleep(0.1)
        relayed += len(call.callee.drain(True))
        rtp_relayed += len(call.caller.drain(False))
        # Loopback: a few may be lost to socket buffers at most.
        assert relayed >= 1900, relayed
        assert rtp_relayed >= 1900, rtp_relayed
        assert slowest_ping < 0.5, slowest_ping
    finally:
        call.close()


def stop_promptly(daemon):
    t0 = time.time()
    stop_ng_daemon(daemon)
    assert time.time() - t0 < 2.0


def test_refused_tcp_homer_disturbs_nothing():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens: connections are refused
    d = start_ng_daemon(homer_args(port, "tcp"))
    try:
        flows_despite_homer(d)
        log = d.log()
    finally:
        stop_promptly(d)
    # Retried meanwhile, but logged once (rate-limited).
    assert log.count("Cannot connect to Homer at 127.0.0.1:%d" % port) == 1, log


def test_homer_that_never_reads_disturbs_nothing():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)  # the kernel accepts; nobody reads
    try:
        d = start_ng_daemon(homer_args(listener.getsockname()[1], "tcp"))
        try:
            flows_despite_homer(d)
            log = d.log()
        finally:
            stop_promptly(d)
        assert "Connected to Homer at 127.0.0.1:%d" % listener.getsockname()[1] in log
    finally:
        listener.close()


@pytest.mark.parametrize("args, words", [
    (["--homer-protocol=sctp"], ["homer-protocol", "sctp"]),
    (["--homer=127.0.0.1"], ["homer", "127.0.0.1"]),
    (["--homer=::1:9060"], ["homer", "::1:9060"]),
    (["--homer=127.0.0.1:70000"], ["homer", "127.0.0.1:70000"]),
    (["--homer=no.such.host.invalid:9060"], ["homer", "no.such.host.invalid"]),
    (["--homer-id=abc"], ["homer-id", "abc"]),
])
def test_invalid_homer_values_name_option_and_value(args, words):
    from rtpe_testlib import run_daemon_once
    r = run_daemon_once(["--config-file=none", "-i", "127.0.0.1", "-n", "127.0.0.1:2223", "-f", "-E"] + args)
    assert r.returncode != 0
    for w in words:
        assert w in r.stderr, r.stderr


def test_homer_over_ipv6_carries_the_ipv4_capture():
    homer = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    homer.bind(("::1", 0))
    homer.settimeout(3)
    d = start_ng_daemon(["--homer=[::1]:%d" % homer.getsockname()[1], "--homer-id=7"])
    try:
        call = Call(d)
        try:
            name, packet, expected = CASES[0]
            call.caller.rtcp.sendto(packet, ("127.0.0.1", call.caller.to + 1))
            c = {t: v for _, t, v in decode_hep(homer.recv(65535))}
        finally:
            call.close()
    finally:
        stop_ng_daemon(d)
        homer.close()
    assert number(c[FAMILY]) == socket.AF_INET and c[SRC4] == socket.inet_aton("127.0.0.1")
    assert number(c[CAPID]) == 7 and c[PAYLOAD].decode() == expected[0]


def test_bare_port_leaves_homer_off():
    homer = UdpHomer()
    try:
        d = start_ng_daemon(["--homer=%d" % homer.port])
        try:
            call = Call(d)
            call.caller.rtcp.sendto(CASES[0][1], ("127.0.0.1", call.caller.to + 1))
            assert homer.collect(1, 0.5) == []
            call.close()
            assert "Homer output is off" in d.log()
        finally:
            stop_ng_daemon(d)
    finally:
        homer.close()


def test_default_capture_id_and_protocol_match_oracle():
    """Without --homer-id and --homer-protocol both daemons send UDP with capture id 2001."""
    ids = []
    for start in (lambda a: start_ng_daemon(a), start_oracle):
        homer = UdpHomer()
        d = start(["--homer=127.0.0.1:%d" % homer.port])
        try:
            call = Call(d)
            call.caller.rtcp.sendto(CASES[0][1], ("127.0.0.1", call.caller.to + 1))
            got = homer.collect(1, 3.0)
            call.close()
        finally:
            d.ng.close()
            d.stop()
            homer.close()
        assert len(got) == 1
        ids.append(number({t: v for _, t, v in decode_hep(got[0])}[CAPID]))
    assert ids == [2001, 2001]


def test_params_show_homer_settings_like_oracle():
    """'params start' lists homer-protocol (the socket type number) and homer-id as upstream."""
    import subprocess
    from rtpe_testlib import free_tcp_port
    shown = []
    for start in (start_ng_daemon, start_oracle):
        cli_port = free_tcp_port()
        d = start(["--homer=127.0.0.1:9", "--homer-protocol=tcp", "--homer-id=77",
                   "--listen-cli=127.0.0.1:%d" % cli_port])
        try:
            r = subprocess.run(["/usr/bin/rtpengine-ctl", "-ip", "127.0.0.1", "-port", str(cli_port), "params",
                                "start"], capture_output=True, text=True, timeout=10)
        finally:
            d.ng.close()
            d.stop()
        shown.append([line for line in r.stdout.splitlines() if line.startswith("homer")])
    assert shown[0] == shown[1] == ["homer-protocol = 1", "homer-id = 77"], shown
