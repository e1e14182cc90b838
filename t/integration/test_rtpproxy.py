"""The rtpproxy protocol over UDP (--listen-udp): U/L/D/Q/V commands from a raw UDP
client, RTP relayed through the ports they return, and reply shapes compared with
Debian's rtpengine (the oracle) where it answers without crashing."""

import itertools
import os
import re
import socket
import time

import pytest

from rtpe_testlib import Daemon, NgClient, free_udp_port
from test_calls import Peer, rtcp_packet, rtp_packet

ORACLE = "/usr/bin/rtpengine"
_cookies = itertools.count(1)


class RtpproxyClient:
    def __init__(self, address, family=socket.AF_INET, timeout=2.0):
        self.address = address
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.settimeout(timeout)

    def close(self):
        self.sock.close()

    def raw(self, datagram):
        """Sends datagram as is; returns the reply datagram (bytes)."""
        self.sock.sendto(datagram, self.address)
        return self.sock.recv(65536)

    def request(self, command, cookie=None):
        """Sends 'COOKIE COMMAND'; checks the reply starts with the cookie and returns the rest."""
        cookie = cookie or "%d_%d" % (os.getpid(), next(_cookies))
        reply = self.raw(("%s %s" % (cookie, command)).encode()).decode()
        assert reply.startswith(cookie + " "), reply
        assert reply.endswith("\n"), reply
        return reply[len(cookie) + 1:-1]


def start_daemon(extra=(), interfaces=("127.0.0.1",), binary=None):
    port = free_udp_port()
    ng_port = free_udp_port()
    args = []
    for i in interfaces:
        args += ["-i", i]
    args += ["-u", "127.0.0.1:%d" % port, "-t", "-1"]
    if binary is None:
        args += ["-n", "127.0.0.1:%d" % ng_port, "--num-threads=2", "-d", "0"]
    else:  # the oracle: its own port range, no ng; it hangs on D with "-d 0"
        lo = free_udp_port() // 100 * 100
        args += ["-m", str(lo), "-M", str(lo + 99)]
    d = Daemon(args=args + list(extra), binary=binary)
    d.start()
    d.rtpp = RtpproxyClient(("127.0.0.1", port))
    d.ng = NgClient(("127.0.0.1", ng_port)) if binary is None else None
    return d


def stop_daemon(d, expect_clean=True):
    d.rtpp.close()
    if d.ng:
        d.ng.close()
    code = d.stop()
    if expect_clean:
        assert code == 0, d.log()


@pytest.fixture
def daemon():
    d = start_daemon()
    yield d
    stop_daemon(d)


def parse_port_reply(reply):
    m = re.fullmatch(r"(\d+) (\S+) ([46])", reply)
    assert m, reply
    return int(m.group(1)), m.group(2), m.group(3)


def relay(a, b, to_b_side, to_a_side, count):
    """A sends to to_a_side (where B's media comes from), B to to_b_side; each gets the other's."""
    for i in range(count):
        a.rtp.sendto(rtp_packet(i, 0xa), to_a_side)
        data, source = b.rtp.recvfrom(4096)
        assert data == rtp_packet(i, 0xa)
        assert source == to_b_side
        b.rtp.sendto(rtp_packet(i, 0xb), to_b_side)
        data, source = a.rtp.recvfrom(4096)
        assert data == rtp_packet(i, 0xb)
        assert source == to_a_side


def test_version_and_capabilities(daemon):
    c = daemon.rtpp
    assert c.request("V") == "20040107"
    assert c.request("v") == "20040107"
    for date, answer in [("20040107", "1"), ("20050322", "1"), ("20060704", "1"), ("20071218", "0"),
                         ("20080403", "0"), ("junk", "0")]:
        assert c.request("VF %s" % date) == answer
    # Upstream crashes on these two (F without a date); we answer an error and carry on.
    assert c.request("VF") == "E8"
    assert c.request("Vfoo") == "E8"
    assert c.request("Vx") == "20040107"  # other modifiers: a plain version query
    assert daemon.alive()


def test_update_lookup_relay_query_delete(daemon):
    c = daemon.rtpp
    a, b = Peer(), Peer()
    up = c.request("U call-r1 127.0.0.1 %d fromA;1" % a.port)
    port_for_b, addr_for_b, fam = parse_port_reply(up)
    assert (addr_for_b, fam) == ("127.0.0.1", "4")
    lk = c.request("L call-r1 127.0.0.1 %d fromA;1 toB;1" % b.port)
    port_for_a, addr_for_a, fam = parse_port_reply(lk)
    assert (addr_for_a, fam) == ("127.0.0.1", "4")
    assert port_for_a != port_for_b and port_for_a % 2 == 0 and port_for_b % 2 == 0

    relay(a, b, (addr_for_b, port_for_b), (addr_for_a, port_for_a), 6)
    # RTCP goes through the next port up, as with ng calls.
    a.rtcp.sendto(rtcp_packet(1), (addr_for_a, port_for_a + 1))
    assert b.rtcp.recvfrom(4096)[0] == rtcp_packet(1)
    time.sleep(0.1)

    q = c.request("Q call-r1 fromA toB").split()
    assert len(q) == 5
    ttl, from_rtp, from_rtcp, to_rtp, to_rtcp = (int(x) for x in q)
    assert 0 < ttl <= 3600
    assert (from_rtp, from_rtcp, to_rtp, to_rtcp) == (6, 1, 6, 0)

    # The same call seen over ng.
    ng = daemon.ng.request({"command": "query", "call-id": "call-r1"})
    assert ng["result"] == b"ok"
    assert ng["tags"]["fromA"]["medias"][0]["streams"][0]["stats"]["packets"] == 6
    assert ng["tags"]["toB"]["medias"][0]["streams"][0]["stats"]["packets"] == 6
    assert ng["totals"]["RTP"]["packets"] == 12

    assert c.request("D call-r1 fromA toB") == "0"
    assert daemon.ng.request({"command": "list"})["calls"] == []
    assert c.request("Q call-r1 fromA toB") == "E8"
    assert c.request("D call-r1 fromA toB") == "E8"
    a.close()
    b.close()


def test_lookup_of_unknown_call(daemon):
    assert daemon.rtpp.request("L no-such-call 127.0.0.1 4000 f;1 t;1") == "0 0.0.0.0"
    assert daemon.ng.request({"command": "list"})["calls"] == []


def test_retransmission_and_reoffer(daemon):
    c = daemon.rtpp
    first = c.request("U call-r2 127.0.0.1 30000 f;1", cookie="same-cookie")
    # A retransmission (same cookie) is answered from the cache: same text, no new call.
    assert c.request("U call-r2 127.0.0.1 30000 f;1", cookie="same-cookie") == first
    # Even if the retransmitted text differs, the cookie decides.
    assert c.request("U call-r2 127.0.0.1 30100 f;1", cookie="same-cookie") == first
    # A new cookie for the same stream (a re-INVITE) keeps the port.
    assert parse_port_reply(c.request("U call-r2 127.0.0.1 30000 f;1"))[0] == parse_port_reply(first)[0]
    assert daemon.ng.request({"command": "list"})["calls"] == [b"call-r2"]
    # Deleting twice with one cookie: the second is the first's reply, not "not found".
    assert c.request("D call-r2 f", cookie="del-cookie") == "0"
    assert c.request("D call-r2 f", cookie="del-cookie") == "0"
    assert c.request("D call-r2 f") == "E8"


def test_two_streams_and_via_branch(daemon):
    c = daemon.rtpp
    a1, a2, b1, b2 = Peer(), Peer(), Peer(), Peer()
    p1 = parse_port_reply(c.request("U call-r3;branch7 127.0.0.1 %d fA;1" % a1.port))
    p2 = parse_port_reply(c.request("U call-r3;branch7 127.0.0.1 %d fA;2" % a2.port))
    assert p1[0] != p2[0]
    # Asking about stream 1 again does not disturb stream 2.
    assert parse_port_reply(c.request("U call-r3;branch7 127.0.0.1 %d fA;1" % a1.port))[0] == p1[0]
    l1 = parse_port_reply(c.request("L call-r3;branch7 127.0.0.1 %d fA;1 tB;1" % b1.port))
    l2 = parse_port_reply(c.request("L call-r3;branch7 127.0.0.1 %d fA;2 tB;2" % b2.port))
    relay(a1, b1, ("127.0.0.1", p1[0]), ("127.0.0.1", l1[0]), 2)
    relay(a2, b2, ("127.0.0.1", p2[0]), ("127.0.0.1", l2[0]), 2)
    assert c.request("D call-r3 fA tB") == "0"
    for p in (a1, a2, b1, b2):
        p.close()


MALFORMED = [
    (b"c1", "E8"),                                   # cookie only
    (b"c2 X foo bar", "E8"),                         # unknown command
    (b"c3 I", "E8"),                                 # upstream has no I either
    (b"c4 U", "E8"),                                 # U without arguments
    (b"c5 U call 127.0.0.1", "E8"),                  # too short to even echo
    (b"c6 U call 127.0.0.1 abc f;1", "abc 127.0.0.1"),  # unparsable: its own port and address back
    (b"c7 U call 127.0.0.1 40000", "40000 127.0.0.1"),  # no from-tag
    (b"c8 U call 999.1.1.1 40000 f;1", "E8"),         # address that is not one
    (b"c9 U call 127.0.0.1 99999 f;1", "E8"),         # port out of range
    (b"c10 D", "E8"),
    (b"c11 D call", "E8"),
    (b"c12 Q", "E8"),
    (b"c13 L call-x 127.0.0.1 4000 f;1", "0 0.0.0.0"),  # lookup of an unknown call
    (b"c14 \xff\xfe\x00 U", "E8"),
    (b"c15 U call ::zz 40000 f;1", "40000 ::zz"),  # not an address by its looks: echoed
    (b"c16 U call 127.0.0.1 40000 f;100000", "E8"),  # stream number beyond 64
    (b"c17 U call 127.0.0.1 40000 ;1", "E8"),        # empty from-tag
]


def test_malformed_commands_get_errors_and_leave_calls_alone(daemon):
    c = daemon.rtpp
    a, b = Peer(), Peer()
    up = parse_port_reply(c.request("U call-ok 127.0.0.1 %d fromA;1" % a.port))
    lk = parse_port_reply(c.request("L call-ok 127.0.0.1 %d fromA;1 toB;1" % b.port))
    for datagram, expected in MALFORMED:
        cookie = datagram.split(b" ", 1)[0]
        reply = c.raw(datagram)
        assert reply == cookie + b" " + expected.encode() + b"\n", (datagram, reply)
    # Empty and blank datagrams are not answered at all.
    c.sock.sendto(b"", c.address)
    c.sock.sendto(b"   \n", c.address)
    with pytest.raises(socket.timeout):
        c.sock.settimeout(0.3)
        c.sock.recv(100)
    c.sock.settimeout(2.0)
    # A huge datagram.
    assert c.raw(b"big U " + b"x" * 60000) == b"big E8\n"
    assert daemon.alive()
    # The good call still relays and only it exists (the bad U commands created nothing).
    relay(a, b, ("127.0.0.1", up[0]), ("127.0.0.1", lk[0]), 3)
    assert daemon.ng.request({"command": "list"})["calls"] == [b"call-ok"]
    a.close()
    b.close()


def test_ipv6_media_and_listener():
    v6_port = free_udp_port("::1", socket.AF_INET6)
    d = start_daemon(extra=["-u", "[::1]:%d" % v6_port], interfaces=("::1",))
    try:
        c6 = RtpproxyClient(("::1", v6_port), socket.AF_INET6)
        assert c6.request("V") == "20040107"
        a, b = Peer("::1", socket.AF_INET6), Peer("::1", socket.AF_INET6)
        # The 6 modifier is accepted (the address itself says IPv6).
        up = parse_port_reply(c6.request("U6 call-v6 ::1 %d fA;1" % a.port))
        lk = parse_port_reply(d.rtpp.request("L6 call-v6 ::1 %d fA;1 tB;1" % b.port))
        assert up[1:] == ("::1", "6") and lk[1:] == ("::1", "6")
        relay(a, b, ("::1", up[0], 0, 0), ("::1", lk[0], 0, 0), 3)
        time.sleep(0.1)  # the worker counts after forwarding
        assert c6.request("Q call-v6 fA tB").split()[1:] == ["3", "0", "3", "0"]
        assert c6.request("D call-v6 fA tB") == "0"
        c6.close()
        a.close()
        b.close()
    finally:
        stop_daemon(d)


def test_interface_modifiers():
    d = start_daemon(interfaces=("internal/127.0.0.1", "external/127.0.0.2"))
    try:
        # "ie": the caller is on the internal side, the callee on the external one; the
        # port for the callee is therefore on the external interface.
        up = parse_port_reply(d.rtpp.request("Uie call-ie 127.0.0.1 30000 fA;1"))
        assert up[1] == "127.0.0.2"
        up = parse_port_reply(d.rtpp.request("Uei call-ei 127.0.0.1 30000 fA;1"))
        assert up[1] == "127.0.0.1"
    finally:
        stop_daemon(d)


def test_several_listeners_and_bad_option():
    p2 = free_udp_port()
    d = start_daemon(extra=["--listen-udp=127.0.0.1:%d" % p2])
    try:
        c2 = RtpproxyClient(("127.0.0.1", p2))
        assert c2.request("V") == "20040107"
        assert d.rtpp.request("V") == "20040107"
        c2.close()
    finally:
        stop_daemon(d)
    from rtpe_testlib import run_daemon_once
    r = run_daemon_once(["--config-file=none", "-i", "127.0.0.1", "-u", "127.0.0.1:notaport"])
    assert r.returncode != 0 and "listen-udp" in r.stderr


def shape(reply):
    """A reply with its numbers that vary between daemons (ports, timers) made generic."""
    return re.sub(r"\b\d{2,5}\b", "N", reply)


def test_reply_shapes_match_upstream():
    if not os.access(ORACLE, os.X_OK):
        pytest.fail("%s (Debian's rtpengine-daemon, the oracle) not installed" % ORACLE)
    # Commands the oracle answers without crashing or hanging (it crashes on "VF" without
    # a date and hangs on a second D of the same call).
    script = [
        "V", "VF 20040107", "VF 20050322", "VF 20060704", "VF 20071218",
        "U call-d 127.0.0.1 40000 fA;1",
        "L call-d 127.0.0.1 40010 fA;1 tB;1",
        "L call-unknown 127.0.0.1 40010 fA;1 tB;1",
        "Q call-d fA tB",
        "U call-d2 127.0.0.1 abc fA;1",
        "U call-d3 127.0.0.1 40000",
        "X foo",
        "U call-d4 300.1.1.1 40000 fA;1",
        "D call-d fA tB",
    ]
    replies = {}
    for binary in (None, ORACLE):
        d = start_daemon(binary=binary)
        try:
            replies[binary] = [shape(d.rtpp.request(cmd, cookie="k%d" % i)) for i, cmd in enumerate(script)]
            # A retransmission gets the same answer from both.
            replies[binary].append(shape(d.rtpp.request(script[5], cookie="k5")))
            assert d.rtpp.raw(b"lonely") == b"lonely E8\n"
        finally:
            stop_daemon(d, expect_clean=binary is None)
    assert replies[None] == replies[ORACLE]
