"""rtcp-mux (RFC 5761) against Debian's rtpengine 10.5 as the oracle.

Signalling: every value of the rtcp-mux key (and none) in the offer and in the answer, with
and without a=rtcp-mux on either side; the rewritten SDPs (m= port, a=rtcp, a=rtcp-mux) and
what query says (the media's "rtcp-mux" flag, the streams' "RTCP"/"fallback RTCP" flags,
local port 0 where no RTCP port is offered) must be what the oracle says.

Media: a participant that multiplexes and one that does not, in both directions, and both
multiplexing; RTP and RTCP must arrive on the socket, and from the daemon's port, that the
SDP each side was given says, with both daemons.
"""

import itertools
import re
import struct
import time

import pytest

from media_testlib import PortPair, rtcp_sr
from rtpe_testlib import decoded

MUX_VALUES = ("", "offer", "demux", "accept", "reject", "require")


def sdp(origin, port, mux):
    lines = ["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
             "m=audio %d RTP/AVP 0" % port]
    if mux:
        lines.append("a=rtcp-mux")
    return "\r\n".join(lines) + "\r\n"


def port_names(query):
    """Local ports named by role (Frtp, Frtcp, Trtp, Trtcp), so both daemons compare."""
    names = {}
    for tag in ("ft", "tt"):
        for media in query["tags"][tag]["medias"]:
            for i, s in enumerate(media["streams"]):
                if s.get("local port"):
                    names[s["local port"]] = "%s%s" % (tag[0].upper(), "rtp" if i == 0 else "rtcp")
    return names


def named(text, names):
    return re.sub(r"\b(\d{4,5})\b", lambda m: names.get(int(m.group(1)), m.group(1)), text)


def mux_lines(sdp_text, names):
    return [named(line, names) for line in sdp_text.split("\r\n") if line.startswith(("m=", "a=rtcp"))]


def observe_signalling(daemon, call_id, side, value, offer_mux, answer_mux):
    offer = {"command": "offer", "call-id": call_id, "from-tag": "ft", "sdp": sdp("a", 6000, offer_mux)}
    answer = {"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
              "sdp": sdp("b", 7000, answer_mux)}
    if value:
        (offer if side == "offer" else answer)["rtcp-mux"] = [value]
    r1 = decoded(daemon.ng.request(offer))
    r2 = decoded(daemon.ng.request(answer))
    q = decoded(daemon.ng.request({"command": "query", "call-id": call_id}))
    daemon.ng.request({"command": "delete", "call-id": call_id})
    names = port_names(q)
    seen = {"offer": mux_lines(r1["sdp"], names), "answer": mux_lines(r2["sdp"], names)}
    for tag in ("ft", "tt"):
        media = q["tags"][tag]["medias"][0]
        seen[tag] = (media["flags"],
                     [(named(str(s.get("local port")), names), s["endpoint"].get("port"), s["flags"])
                      for s in media["streams"]])
    return seen


CASES = [(side, value, o, a) for side in ("offer", "answer") for value in MUX_VALUES
         for o, a in itertools.product((False, True), repeat=2) if side == "offer" or value]


@pytest.mark.parametrize("side,value,offer_mux,answer_mux", CASES,
                         ids=["%s-%s-%d%d" % (s, v or "none", o, a) for s, v, o, a in CASES])
def test_signalling_matches_oracle(daemons, side, value, offer_mux, answer_mux):
    ours, oracle = daemons
    call_id = "mux-%s-%s-%d%d" % (side, value, offer_mux, answer_mux)
    expected = observe_signalling(oracle, call_id, side, value, offer_mux, answer_mux)
    assert observe_signalling(ours, call_id, side, value, offer_mux, answer_mux) == expected


def test_unknown_value_is_ignored_like_the_oracle(daemons):
    for d in daemons:
        r = decoded(d.ng.request({"command": "offer", "call-id": "mux-unknown", "from-tag": "ft",
                                  "rtcp-mux": ["Offer", "bogus"], "sdp": sdp("a", 6000, False)}))
        assert r["result"] == "ok"
        assert "a=rtcp-mux" not in r["sdp"]
        d.ng.request({"command": "delete", "call-id": "mux-unknown"})


# ---- media ----

def rtp(seq):
    return struct.pack("!BBHII", 0x80, 0, seq, seq * 160, 0x1234) + b"\xff" * 160


class Participant(PortPair):
    """One endpoint: an RTP socket, and an RTCP socket at the next port unless it muxes."""

    def __init__(self, mux):
        super().__init__(timeout=1.0)
        self.mux = mux
        self.peer_rtp = self.peer_rtcp = None

    def learn(self, sdp_text):
        """Where our rewritten SDP tells this participant to send."""
        self.peer_rtp = int(re.search(r"m=audio (\d+)", sdp_text).group(1))
        self.peer_rtcp = int(re.search(r"a=rtcp:(\d+)", sdp_text).group(1))
        self.told_mux = "a=rtcp-mux" in sdp_text

    def send(self):
        """An RTP packet and an RTCP SR, the way this participant sends them."""
        self.rtp.sendto(rtp(1), ("127.0.0.1", self.peer_rtp))
        if self.mux:
            self.rtp.sendto(rtcp_sr(0x1234), ("127.0.0.1", self.peer_rtp))
        else:
            self.rtcp.sendto(rtcp_sr(0x1234), ("127.0.0.1", self.peer_rtcp))

    def receive(self):
        """{'rtp'/'rtcp' (what it was): (our socket it came to, the daemon port it came from)}."""
        got = {}
        sockets = [("rtp", self.rtp)] + ([] if self.mux else [("rtcp", self.rtcp)])
        for name, s in sockets:
            s.setblocking(False)
            while True:
                try:
                    data, source = s.recvfrom(4096)
                except BlockingIOError:
                    break
                kind = "rtcp" if 200 <= data[1] <= 204 else "rtp"
                got[kind] = (name, source[1])
        return got


MEDIA_CASES = {
    # caller multiplexes, rtpengine accepts it (demux) and offers none to the callee
    "caller-mux": ({"rtcp-mux": ["demux"]}, True, False),
    # callee required to multiplex, caller does not
    "callee-mux": ({"rtcp-mux": ["require"]}, False, True),
    # both multiplex
    "both-mux": ({}, True, True),
}


@pytest.mark.parametrize("which", ["ours", "oracle"])
@pytest.mark.parametrize("case", sorted(MEDIA_CASES))
def test_media_goes_where_the_sdp_says(daemons, which, case):
    daemon = daemons[0 if which == "ours" else 1]
    keys, a_mux, b_mux = MEDIA_CASES[case]
    a, b = Participant(a_mux), Participant(b_mux)
    call_id = "mux-media-" + case
    try:
        offer = {"command": "offer", "call-id": call_id, "from-tag": "ft", "sdp": sdp("a", a.port(), a_mux)}
        offer.update(keys)
        b.learn(decoded(daemon.ng.request(offer))["sdp"])
        a.learn(decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft",
                                            "to-tag": "tt", "sdp": sdp("b", b.port(), b_mux)}))["sdp"])
        assert a.told_mux == a_mux and b.told_mux == b_mux
        # Each sends twice: the first packets make the daemon learn the sources.
        for _ in range(2):
            a.send()
            b.send()
            time.sleep(0.2)
            got_b, got_a = b.receive(), a.receive()
        for who, got in ((b, got_b), (a, got_a)):
            assert got["rtp"] == ("rtp", who.peer_rtp), (case, got)
            if who.mux:
                assert got["rtcp"] == ("rtp", who.peer_rtp), (case, got)
            else:
                assert got["rtcp"] == ("rtcp", who.peer_rtcp), (case, got)
    finally:
        daemon.ng.request({"command": "delete", "call-id": call_id})
        a.close()
        b.close()
