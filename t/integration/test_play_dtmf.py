"""play DTMF on calls set up with inject DTMF, against Debian's 10.5 on the same path: a
sends PCMU at its real pace; the digits played "from a" reach b as RFC 4733 events when b
has telephone-event, as in-band tones otherwise (detected here by Goertzel filters), and
a's own audio is held back while a digit plays."""

import math
import re
import struct
import time

import numpy as np
import pytest

from media_testlib import PortPair, drain, dtmf_keys_in_pcmu
from rtpe_testlib import decoded

audioop = pytest.importorskip("audioop")

def sdp(origin, port, events=True):
    formats = "0 101" if events else "0"
    lines = ["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
             "m=audio %d RTP/AVP %s" % (port, formats)]
    if events:
        lines.append("a=rtpmap:101 telephone-event/8000")
    return "\r\n".join(lines + [""])


def port_of(text):
    return int(re.search(r"m=audio (\d+)", text).group(1))


def speech_like(n):
    """A 300 Hz tone: audio that is no DTMF digit, to be told apart from the injected one."""
    t = np.arange(n * 160)
    return audioop.lin2ulaw((0.2 * 32767 * np.sin(2 * math.pi * 300 * t / 8000)).astype(np.int16).tobytes(), 2)


def run(daemon, call_id, plays, b_has_events=True, packets=45, flags=("inject DTMF",)):
    """a sends `packets` PCMU packets at 20 ms; after the fifth, the play DTMF requests
    (their replies returned); what b received, in sequence order."""
    a, b = PortPair(), PortPair()
    try:
        r = decoded(daemon.ng.request({"command": "offer", "call-id": call_id, "from-tag": "a", "flags": list(flags),
                                       "sdp": sdp("a", a.port())}))
        r = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "a", "to-tag": "b",
                                       "flags": list(flags), "sdp": sdp("b", b.port(), b_has_events)}))
        to_a = port_of(r["sdp"])
        audio = speech_like(packets)
        replies = []
        start = time.time()
        for i in range(packets):
            if i == 5:
                replies = [decoded(daemon.ng.request(dict({"command": "play DTMF", "call-id": call_id,
                                                           "from-tag": "a"}, **keys))) for keys in plays]
            header = struct.pack("!BBHII", 0x80, 0, 1000 + i, 8000 + 160 * i, 0x1234)
            a.rtp.sendto(header + audio[160 * i:160 * (i + 1)], ("127.0.0.1", to_a))
            time.sleep(max(0.0, start + 0.02 * (i + 1) - time.time()))
        time.sleep(0.3)
        got = sorted(drain(b.rtp), key=lambda p: struct.unpack("!H", p[2:4])[0])
        daemon.ng.request({"command": "delete", "call-id": call_id})
        return replies, got
    finally:
        a.close()
        b.close()


def events_of(packets):
    """Per digit played (by RTP timestamp): event, volume, update durations, end durations."""
    digits = {}
    for p in packets:
        if p[1] & 0x7f != 101:
            continue
        ts = struct.unpack("!I", p[4:8])[0]
        event, flags, duration = struct.unpack("!BBH", p[12:16])
        d = digits.setdefault(ts, {"event": event, "volume": flags & 0x3f, "updates": [], "ends": []})
        (d["ends"] if flags & 0x80 else d["updates"]).append(duration)
    return [digits[ts] for ts in sorted(digits)]


def audio_during_digits(packets):
    spans = {}
    for p in packets:
        if p[1] & 0x7f == 101:
            seq, ts = struct.unpack("!HI", p[2:8])
            low, high = spans.get(ts, (seq, seq))
            spans[ts] = (min(low, seq), max(high, seq))
    return sum(1 for p in packets if p[1] & 0x7f == 0 and
               any(low <= struct.unpack("!H", p[2:4])[0] <= high for low, high in spans.values()))


PLAYS = [{"digit": "5"}, {"digit": "#", "duration": 100, "volume": 20, "pause": 100}]


def test_events_towards_telephone_event_as_oracle(daemons):
    results = [run(d, "play-events", PLAYS) for d in daemons]
    for replies, _ in results:
        assert replies == [{"result": "ok"}] * 2
    ours, theirs = (events_of(got) for _, got in results)
    # Debian's 10.5 plays the default volume as 63 although its documentation says 8
    # (-8 dBm0), which is what we send; the volume given is sent by both.
    assert [d["event"] for d in theirs] == [5, 11]
    assert [(d["event"], len(d["updates"]), d["ends"]) for d in ours] == \
           [(d["event"], len(d["updates"]), d["ends"]) for d in theirs]
    assert ours[0]["volume"] == 8 and ours[1]["volume"] == theirs[1]["volume"] == 20
    assert ours[0]["updates"] == [160 * (i + 1) for i in range(13)] and ours[0]["ends"] == [2240] * 3
    # a's audio does not reach b while a digit plays: no audio packet is numbered between a
    # digit's first and last event packet.
    for _, got in results:
        assert audio_during_digits(got) == 0
        assert sum(1 for p in got if p[1] & 0x7f == 0) >= 45 - 24 - 8


def test_tones_towards_a_receiver_without_telephone_event_as_oracle(daemons):
    results = [run(d, "play-tones", [{"digit": "1"}, {"digit": "9", "duration": 200}], b_has_events=False)
               for d in daemons]
    for replies, got in results:
        assert replies == [{"result": "ok"}] * 2
        assert all(p[1] & 0x7f == 0 for p in got)
    ours, theirs = (dtmf_keys_in_pcmu(got) for _, got in results)
    assert theirs == ["1", "9"]
    assert ours == theirs


def test_refusals(daemons):
    for daemon in daemons:
        replies, _ = run(daemon, "play-refused", [{"digit": "X"}, {"code": 16}], packets=8)
        assert replies == [{"result": "error", "error-reason": "Out of range 'code' specified"}] * 2


def test_without_inject_dtmf_ours_refuses():
    """Debian's 10.5 answers ok and plays nothing; we say why nothing can be played."""
    from rtpe_testlib import start_ng_daemon, stop_ng_daemon
    d = start_ng_daemon()
    try:
        replies, got = run(d, "play-no-inject", [{"digit": "5"}], packets=10, flags=())
        assert replies == [{"result": "error",
                            "error-reason": "Call is not set up for DTMF injection (inject DTMF)"}]
        assert len(got) == 10 and not events_of(got)
    finally:
        stop_ng_daemon(d)
