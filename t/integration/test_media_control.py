"""The media commands (block DTMF, block media, silence media, their reverses, start and
stop forwarding), driven over ng against our daemon and Debian's 10.5 side by side: the
same replies, and the same packets reach the other end. A sends PCMU (or PCMA, G.722),
then an RFC 4733 event, then PCMU again; what B receives is summarised and compared."""

import collections
import re
import struct
import time

import pytest

from media_testlib import PortPair, drain, rtcp_sr
from rtpe_testlib import decoded

TELEPHONE_EVENT = 101


def sdp(origin, port):
    return "\r\n".join(["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
                        "m=audio %d RTP/AVP 0 8 9 101" % port, "a=rtpmap:9 G722/8000",
                        "a=rtpmap:101 telephone-event/8000", ""])


def port_of(text):
    return int(re.search(r"m=audio (\d+)", text).group(1))


class Call:
    """An answered call between a and b on one daemon."""

    def __init__(self, daemon, call_id):
        self.daemon, self.call_id = daemon, call_id
        self.a, self.b = PortPair(), PortPair()
        self.to_b = port_of(self.request("offer", **{"from-tag": "a", "sdp": sdp("a", self.a.port())})["sdp"])
        self.to_a = port_of(self.request("answer", **{"from-tag": "a", "to-tag": "b",
                                                      "sdp": sdp("b", self.b.port())})["sdp"])
        self.seq = 100

    def request(self, command, **keys):
        return decoded(self.daemon.ng.request(dict({"command": command, "call-id": self.call_id}, **keys)))

    def a_sends(self, pt, payload, marker=False, timestamp=None):
        self.seq += 1
        header = struct.pack("!BBHII", 0x80, pt | (0x80 if marker else 0), self.seq,
                             self.seq * 160 if timestamp is None else timestamp, 0x1234)
        self.a.rtp.sendto(header + payload, ("127.0.0.1", self.to_a))
        time.sleep(0.01)

    def audio_event_audio(self, pt=0):
        """5 audio packets, event '5' (3 updates and 3 ends), 5 audio packets."""
        for _ in range(5):
            self.a_sends(pt, bytes(range(160)))
        start = (self.seq + 1) * 160
        for i, duration in enumerate((160, 320, 480)):
            self.a_sends(TELEPHONE_EVENT, struct.pack("!BBH", 5, 10, duration), marker=i == 0, timestamp=start)
        for _ in range(3):
            self.a_sends(TELEPHONE_EVENT, struct.pack("!BBH", 5, 0x80 | 10, 640), timestamp=start)
        for _ in range(5):
            self.a_sends(pt, bytes(range(160)))

    def b_got(self):
        """What reached b: per kind of packet, how many (audio by payload type and whether
        its payload came through as sent or as one repeated byte)."""
        time.sleep(0.2)
        summary = collections.Counter()
        for p in drain(self.b.rtp):
            pt, payload = p[1] & 0x7f, p[12:]
            if pt == TELEPHONE_EVENT:
                summary["event %d%s" % (payload[0], " end" if payload[1] & 0x80 else "")] += 1
            elif payload == bytes(range(160)):
                summary["pt %d as sent" % pt] += 1
            elif len(set(payload)) == 1:
                summary["pt %d all %02x" % (pt, payload[0])] += 1
            else:
                summary["pt %d changed" % pt] += 1
        return dict(summary)

    def close(self):
        self.request("delete")
        self.a.close()
        self.b.close()


def on_both(daemons, name, commands, pt=0):
    """Each daemon: a call, the commands (their replies), a's audio/event/audio; what b got."""
    results = []
    for daemon in daemons:
        call = Call(daemon, name)
        try:
            replies = [call.request(command, **keys) for command, keys in commands]
            call.audio_event_audio(pt)
            results.append((replies, call.b_got()))
        finally:
            call.close()
    return results


AUDIO = {"pt 0 as sent": 10}
EVENT = {"event 5": 3, "event 5 end": 3}

CASES = [
    ("nothing", [], dict(AUDIO, **EVENT)),
    ("block DTMF from a", [("block DTMF", {"from-tag": "a"})], AUDIO),
    ("block DTMF call-wide", [("block DTMF", {})], AUDIO),
    ("block DTMF from b only", [("block DTMF", {"from-tag": "b"})], dict(AUDIO, **EVENT)),
    ("block DTMF by address", [("block DTMF", {"address": "127.0.0.1"})], AUDIO),
    ("block and unblock DTMF", [("block DTMF", {"from-tag": "a"}), ("unblock DTMF", {"from-tag": "a"})],
     dict(AUDIO, **EVENT)),
    ("block media from a", [("block media", {"from-tag": "a"})], EVENT),
    ("block media call-wide", [("block media", {})], EVENT),
    ("block media a to b", [("block media", {"from-tag": "a", "to-tag": "b"})], EVENT),
    ("block media towards b", [("block media", {"to-tag": "b"})], EVENT),
    ("call block outlives a participant's unblock",
     [("block media", {}), ("unblock media", {"from-tag": "a"})], EVENT),
    ("participant block outlives the call's unblock",
     [("block media", {"from-tag": "a"}), ("unblock media", {})], EVENT),
    ("unblock all clears participants",
     [("block media", {"from-tag": "a"}), ("unblock media", {"flags": ["all"]})], dict(AUDIO, **EVENT)),
    ("silence media from a", [("silence media", {"from-tag": "a"})], dict({"pt 0 all ff": 10}, **EVENT)),
    ("silence and unsilence", [("silence media", {"from-tag": "a"}), ("unsilence media", {"from-tag": "a"})],
     dict(AUDIO, **EVENT)),
    ("forwarding has no media effect", [("start forwarding", {"from-tag": "a"}), ("stop forwarding", {})],
     dict(AUDIO, **EVENT)),
]


@pytest.mark.parametrize("name,commands,expected", CASES, ids=[c[0] for c in CASES])
def test_media_commands_as_oracle(daemons, name, commands, expected):
    (ours_replies, ours), (their_replies, theirs) = on_both(daemons, "mc-" + name, commands)
    assert ours_replies == their_replies == [{"result": "ok"}] * len(commands)
    assert theirs == expected, "the oracle changed: %s" % theirs
    assert ours == theirs


@pytest.mark.parametrize("pt,silence", [(8, "d5"), (9, "fa")])
def test_silence_of_pcma_and_g722_as_oracle(daemons, pt, silence):
    results = on_both(daemons, "silence-%d" % pt, [("silence media", {"from-tag": "a"})], pt=pt)
    expected = dict({"pt %d all %s" % (pt, silence): 10}, **EVENT)
    assert results[1][1] == expected
    assert results[0][1] == expected


def test_rtcp_passes_blocked_media(daemons):
    for daemon in daemons:
        call = Call(daemon, "rtcp-blocked")
        try:
            assert call.request("block media", **{"from-tag": "a"}) == {"result": "ok"}
            call.a.rtcp.sendto(rtcp_sr(0x1234), ("127.0.0.1", call.to_a + 1))
            time.sleep(0.2)
            assert drain(call.b.rtcp) == [rtcp_sr(0x1234)], daemon.binary
        finally:
            call.close()


REFUSALS = [
    ("unknown call", "block DTMF", {"call-id": "no-such-call", "from-tag": "a"}, "Unknown call-ID"),
    ("unknown from-tag", "block media", {"from-tag": "zz"}, "From-tag given, but no such tag exists"),
    ("unknown label", "silence media", {"label": "nobody"}, "No monologue matching the given label"),
    ("unmatched address", "unblock DTMF", {"address": "192.0.2.1"}, "Failed to match address to any tag"),
    ("forwarding for an unknown tag", "start forwarding", {"from-tag": "zz"}, "From-tag given, but no such tag exists"),
]


@pytest.mark.parametrize("name,command,keys,reason", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusals_as_oracle(daemons, name, command, keys, reason):
    replies = []
    for daemon in daemons:
        call = Call(daemon, "refusal")
        try:
            replies.append(decoded(daemon.ng.request(dict({"command": command, "call-id": "refusal"}, **keys))))
        finally:
            call.close()
    assert replies[1] == {"result": "error", "error-reason": reason}
    assert replies[0] == replies[1]


def test_block_media_towards_one_subscriber(daemons):
    """Ours: block media with a to-tag naming a subscriber holds back only that copy (the
    documented flow selection; Debian's 10.5 blocks the whole participant instead)."""
    ours = daemons[0]
    call = Call(ours, "sub-block")
    subscribers = []
    try:
        for tag in ("s1", "s2"):
            s = PortPair()
            offer = call.request("subscribe request", **{"from-tag": "a", "to-tag": tag})
            assert offer["result"] == "ok"
            r = call.request("subscribe answer", **{"to-tag": tag, "sdp": sdp(tag, s.port()).replace(
                "c=IN IP4", "a=recvonly\r\nc=IN IP4", 0)})
            assert r["result"] == "ok", r
            subscribers.append(s)
        assert call.request("block media", **{"from-tag": "a", "to-tag": "s1"}) == {"result": "ok"}
        call.audio_event_audio()
        got_b = call.b_got()
        audio = [sum(1 for p in drain(s.rtp) if p[1] & 0x7f == 0) for s in subscribers]
        assert got_b == dict(AUDIO, **EVENT)
        assert audio == [0, 10]
        assert call.request("block media", **{"from-tag": "a", "all": "except-offer-answer"}) == {"result": "ok"}
        call.audio_event_audio()
        assert call.b_got() == dict(AUDIO, **EVENT)
        assert [sum(1 for p in drain(s.rtp) if p[1] & 0x7f == 0) for s in subscribers] == [0, 0]
        assert call.request("unblock media", **{"from-tag": "a"}) == {"result": "ok"}
        call.audio_event_audio()
        assert call.b_got() == dict(AUDIO, **EVENT)
        assert [sum(1 for p in drain(s.rtp) if p[1] & 0x7f == 0) for s in subscribers] == [10, 10]
    finally:
        call.close()
        for s in subscribers:
            s.close()
