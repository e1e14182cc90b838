"""The media pipeline seen from outside, against Debian's rtpengine 10.5 as the oracle:
per-media "codec", per-stream "SSRC", packets and errors after each step of a scripted
exchange, and what the far side receives. Both daemons get the same steps; every
observation must be the same."""

import re
import struct
import time

import pytest

from media_testlib import PortPair, drain, rtcp_sr
from rtpe_testlib import decoded, start_with_oracle, stop_with_oracle



def sdp(port, formats, rtpmaps):
    lines = ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
             "m=audio %d RTP/AVP %s" % (port, formats)] + ["a=rtpmap:%s" % m for m in rtpmaps] + ["a=sendrecv"]
    return "\r\n".join(lines) + "\r\n"


OFFER = ("0 8 101 96", ["0 PCMU/8000", "8 PCMA/8000", "101 telephone-event/8000"])
ANSWER = ("8 101", ["8 PCMA/8000", "101 telephone-event/8000"])


def rtp(seq, ssrc, pt):
    return struct.pack("!BBHII", 0x80, pt, seq, seq * 160, ssrc) + b"\xd5" * 160




class Call:
    """A and B with RTP and RTCP sockets, offer/answer done through one daemon."""

    def __init__(self, daemon):
        self.daemon = daemon
        self.socks = {}
        for side in "ab":
            pair = PortPair()
            self.socks[side] = (pair.rtp, pair.rtcp)
        r = daemon.ng.request({"command": "offer", "call-id": "pipeline", "from-tag": "ft",
                               "sdp": sdp(self.port("a"), *OFFER)})
        self.to_b = int(re.search(rb"m=audio (\d+)", r["sdp"]).group(1))
        r = daemon.ng.request({"command": "answer", "call-id": "pipeline", "from-tag": "ft", "to-tag": "tt",
                               "sdp": sdp(self.port("b"), *ANSWER)})
        self.to_a = int(re.search(rb"m=audio (\d+)", r["sdp"]).group(1))

    def port(self, side):
        return self.socks[side][0].getsockname()[1]

    def send_from_a(self, data, rtcp=False):
        self.socks["a"][1 if rtcp else 0].sendto(data, ("127.0.0.1", self.to_a + (1 if rtcp else 0)))

    def received_by_b(self, rtcp=False):
        return drain(self.socks["b"][1 if rtcp else 0])

    def observe(self):
        q = decoded(self.daemon.ng.request({"command": "query", "call-id": "pipeline"}))
        seen = []
        for tag in ("ft", "tt"):
            media = q["tags"][tag]["medias"][0]
            seen.append((tag, media.get("codec"),
                         [(s["flags"][0], s.get("SSRC"), s["stats"]["packets"], s["stats"]["errors"])
                          for s in media["streams"]]))
        return seen, q["SSRC"]

    def close(self):
        for pair in self.socks.values():
            for s in pair:
                s.close()


# Each step: (what A sends, RTCP?) ; the observations after every step are compared.
SCENARIOS = {
    "payload_types_and_ties": [[rtp(100 + i, 0x11111111, pt) for i in range(2)] for pt in (0, 96, 8, 0, 97, 101, 13)],
    "ssrc_changes": [[rtp(100 + i, 0x11111111, 8) for i in range(3)],
                     [rtp(200 + i, 0x33333333, 0) for i in range(3)],
                     [rtp(300 + i, 0x11111111, 101) for i in range(3)],
                     [rtp(400 + i, 0x44444444, 99) for i in range(3)]],
    "non_rtp_is_passed_on": [[b"\x00\x01\x00\x00\x21\x12\xa4\x42" + b"x" * 12, b"\x16\xfe\xfd" + b"\x00" * 20,
                              b"\x80\x00", b"", b"garbage", rtp(1, 0x5, 0)[:11]]],
}


def run_scenario(daemon, steps):
    call = Call(daemon)
    try:
        trace = [call.observe()]
        for packets in steps:
            for p in packets:
                call.send_from_a(p)
            time.sleep(0.15)
            trace.append((call.observe(), call.received_by_b()))
        call.send_from_a(rtcp_sr(0x55555555), rtcp=True)
        time.sleep(0.15)
        trace.append((call.observe(), call.received_by_b(rtcp=True)))
        return trace
    finally:
        call.close()


@pytest.fixture(scope="module")
def daemons():
    pair = start_with_oracle(["--num-threads=1"])
    yield pair
    stop_with_oracle(pair)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_query_matches_oracle(daemons, name):
    ours, theirs = daemons
    expected = run_scenario(theirs, SCENARIOS[name])
    got = run_scenario(ours, SCENARIOS[name])
    for ng in (ours.ng, theirs.ng):
        ng.request({"command": "delete", "call-id": "pipeline", "delete-delay": 0})
    assert len(got) == len(expected)
    for step, (g, e) in enumerate(zip(got, expected)):
        assert g == e, "step %d differs" % step


@pytest.mark.parametrize("flags", [[], ["port-latching"]])
def test_reoffer_from_new_port_matches_oracle(daemons, flags):
    """A re-offer from another port gets fresh local ports, unless port-latching keeps them."""
    def kept(d, call_id):
        def port(reply):
            return int(re.search(rb"m=audio (\d+)", reply["sdp"]).group(1))
        first = port(d.ng.request({"command": "offer", "call-id": call_id, "from-tag": "A",
                                   "sdp": sdp(40000, *OFFER), "flags": flags}))
        d.ng.request({"command": "answer", "call-id": call_id, "from-tag": "A", "to-tag": "B",
                      "sdp": sdp(42000, *ANSWER)})
        again = port(d.ng.request({"command": "offer", "call-id": call_id, "from-tag": "A",
                                   "sdp": sdp(40010, *OFFER), "flags": flags}))
        d.ng.request({"command": "delete", "call-id": call_id, "delete-delay": 0})
        return first == again

    ours, theirs = daemons
    assert kept(ours, "latch-ours") == kept(theirs, "latch-theirs") == bool(flags)
