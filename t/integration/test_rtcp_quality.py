"""Call quality from relayed RTCP: both parties send SRs, then RRs about each other's SR,
and query's "SSRC" dictionary (MOS average, extremes, progression, round trips) must come
out as Debian's rtpengine 10.5 reports it for the same exchange; --mos=LQ as well.
Broken RTCP is relayed all the same."""

import re
import socket
import struct
import time

import pytest

from media_testlib import PortPair
from rtpe_testlib import decoded, start_ng_daemon, start_with_oracle, stop_ng_daemon, stop_with_oracle

A, B = 0xAAAA0001, 0xBBBB0002
DLSR_350MS = 22938


def sdp(port):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n" % port)


def ntp_now():
    t = time.time()
    return int(t) + 2208988800, int((t % 1) * (1 << 32))


def middle(ntp):
    return ((ntp[0] << 16) | (ntp[1] >> 16)) & 0xffffffff


def rtcp(pt, count, body):
    return struct.pack("!BBH", 0x80 | count, pt, len(body) // 4) + body


def sr(ssrc, ntp):
    return rtcp(200, 0, struct.pack("!IIIIII", ssrc, ntp[0], ntp[1], 160000, 1000, 160000))


def rr(ssrc, about, lsr, fraction=0, lost=0, jitter=0):
    block = struct.pack("!IB3sIIII", about, fraction, lost.to_bytes(3, "big"), 100, jitter, lsr, DLSR_350MS)
    return rtcp(201, 1, struct.pack("!I", ssrc) + block)




class Leg:
    """One call through one daemon: A and B with RTP and RTCP sockets."""

    def __init__(self, daemon, call_id):
        self.daemon, self.call_id = daemon, call_id
        self.socks = {}
        for side in "ab":
            pair = PortPair()
            self.socks[side] = (pair.rtp, pair.rtcp)
        off = daemon.ng.request({"command": "offer", "call-id": call_id, "from-tag": "A",
                                 "sdp": sdp(self.socks["a"][0].getsockname()[1])})
        ans = daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "A", "to-tag": "B",
                                 "sdp": sdp(self.socks["b"][0].getsockname()[1])})
        # A sends to the port of the answer's SDP, B to the offer's.
        self.to = {"a": int(re.search(rb"m=audio (\d+)", ans["sdp"]).group(1)),
                   "b": int(re.search(rb"m=audio (\d+)", off["sdp"]).group(1))}
        self.seq = 0

    def send(self, side, data, rtcp=False):
        self.socks[side][1 if rtcp else 0].sendto(data, ("127.0.0.1", self.to[side] + (1 if rtcp else 0)))

    def query(self):
        return decoded(self.daemon.ng.request({"command": "query", "call-id": self.call_id}))

    def close(self):
        self.daemon.ng.request({"command": "delete", "call-id": self.call_id, "delete-delay": 0})
        for pair in self.socks.values():
            for s in pair:
                s.close()


def run_exchange(legs, rounds=3, fraction=0, jitter=0):
    """The same RTP and RTCP, at the same moments, through every leg (so that the daemons
    compared see the same timing); returns each leg's query."""
    def burst():
        for _ in range(5):
            for leg in legs:
                leg.seq += 1
                for side, ssrc in (("a", A), ("b", B)):
                    leg.send(side, struct.pack("!BBHII", 0x80, 0, leg.seq, leg.seq * 160, ssrc) + b"\xff" * 160)
            time.sleep(0.02)

    burst()
    for _ in range(rounds):
        na, nb = ntp_now(), ntp_now()
        for leg in legs:
            leg.send("a", sr(A, na), rtcp=True)
            leg.send("b", sr(B, nb), rtcp=True)
        burst()
        time.sleep(0.5)
        for leg in legs:
            leg.send("b", rr(B, A, middle(na), fraction, 2, jitter), rtcp=True)
            leg.send("a", rr(A, B, middle(nb), fraction, 2, jitter), rtcp=True)
        time.sleep(0.7)
    return [leg.query() for leg in legs]


def assert_same_quality(got, expected):
    """Identical keys, sample counts, jitter and loss; MOS within 1 and round trips within
    20 ms (both daemons see the same packets, not at the very same microsecond), report
    times within a second (except which sample is the extreme, when MOS differs by one)."""
    def close(g, e, path):
        if isinstance(e, dict):
            assert sorted(g) == sorted(e), path
            for k in e:
                close(g[k], e[k], path + [k])
        elif isinstance(e, list):
            assert len(g) == len(e), path
            for i, (x, y) in enumerate(zip(g, e)):
                close(x, y, path + [i])
        elif path[-1] == "MOS":
            assert abs(g - e) <= 1, (path, g, e)
        elif "round-trip" in str(path[-1]):
            assert abs(g - e) <= 20000, (path, g, e)
        elif path[-1] == "reported at":
            # Which sample is lowest or highest can differ when MOS differs by one.
            assert abs(g - e) <= 1 or path[-2] in ("lowest MOS", "highest MOS"), (path, g, e)
        else:
            assert g == e, (path, g, e)

    close(got, expected, [])


@pytest.fixture(params=["CQ", "LQ"])
def daemons(request):
    pair = start_with_oracle(["--num-threads=1", "--mos=" + request.param])
    yield pair
    stop_with_oracle(pair)


@pytest.mark.parametrize("fraction,jitter", [(0, 0), (26, 400)])
def test_mos_matches_oracle(daemons, fraction, jitter):
    ours, theirs = daemons
    legs = [Leg(ours, "mos-ours"), Leg(theirs, "mos-theirs")]
    try:
        got, expected = (q["SSRC"] for q in run_exchange(legs, fraction=fraction, jitter=jitter))
    finally:
        for leg in legs:
            leg.close()
    assert sorted(got) == sorted(expected) == sorted([str(A), str(B)])
    assert_same_quality(got, expected)
    # The figures themselves: two legs of about 250 ms each.
    avg = got[str(A)]["average MOS"]
    assert 450000 < avg["round-trip time"] < 650000
    assert avg["samples"] == 3


def test_no_reports_no_ssrc_entries():
    d = start_ng_daemon(["--num-threads=1"])
    try:
        leg = Leg(d, "mos-none")
        q = run_exchange([leg], rounds=0)[0]
        leg.close()
        assert q["SSRC"] == {}
        assert q["tags"]["A"]["medias"][0]["streams"][0]["SSRC"] == A
    finally:
        stop_ng_daemon(d)


def test_broken_rtcp_is_relayed_and_harmless():
    d = start_ng_daemon(["--num-threads=1"])
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a.bind(("127.0.0.1", 0))
    b_pair = PortPair(timeout=1)
    b, bc = b_pair.rtp, b_pair.rtcp
    try:
        d.ng.request({"command": "offer", "call-id": "broken", "from-tag": "A", "sdp": sdp(a.getsockname()[1])})
        ans = d.ng.request({"command": "answer", "call-id": "broken", "from-tag": "A", "to-tag": "B",
                            "sdp": sdp(b.getsockname()[1])})
        to_a = int(re.search(rb"m=audio (\d+)", ans["sdp"]).group(1))
        broken = [
            rtcp(201, 31, struct.pack("!I", A)),                       # 31 report blocks claimed, none there
            struct.pack("!BBH", 0x80, 200, 0xffff) + b"\x00" * 24,    # length past the end
            rtcp(202, 1, struct.pack("!I", A) + b"\x01\xff" + b"ab"),  # SDES item running past its chunk
            struct.pack("!BBH", 0xa0, 201, 1) + struct.pack("!I", A) + b"\x00\x00\x00\xff",  # padding > packet
            rtcp(200, 0, struct.pack("!IIIIII", A, 1, 2, 3, 4, 5)) + rtcp(203, 0, b""),  # zero-length part
        ]
        for p in broken:
            a.sendto(p, ("127.0.0.1", to_a + 1))
            assert bc.recvfrom(4096)[0] == p
        assert d.ng.request({"command": "ping"})["result"] == b"pong"
        q = d.ng.request({"command": "query", "call-id": "broken"})
        assert q["tags"][b"A".decode()]["medias"][0]["streams"][1]["stats"]["packets"] == len(broken)
    finally:
        for s in (a, b, bc):
            s.close()
        stop_ng_daemon(d)
