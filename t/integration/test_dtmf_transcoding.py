"""DTMF transcoding against Debian's 10.5 on the same path: a offers PCMU without
telephone-event and the offer's codec key adds telephone-event (transcode); b answers
PCMU with it. Tones a sends in its audio reach b as RFC 4733 events (spandsp's detector),
and b's events reach a as tones in its audio (spandsp's generator)."""

import math
import re
import struct
import time

import numpy as np
import pytest

from media_testlib import PortPair, drain, dtmf_keys_in_pcmu
from rtpe_testlib import decoded

audioop = pytest.importorskip("audioop")

KEY_TONES = {"5": (770, 1336), "9": (852, 1477), "#": (941, 1477)}


def sdp(origin, port, events_type=None):
    formats = "0" if events_type is None else "0 %d" % events_type
    lines = ["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
             "m=audio %d RTP/AVP %s" % (port, formats)]
    if events_type is not None:
        lines.append("a=rtpmap:%d telephone-event/8000" % events_type)
    return "\r\n".join(lines + [""])


def m_line(text):
    return re.search(r"m=audio (\d+) RTP/AVP ([0-9 ]+)", text)


def tones(keys, gap_ms=200, tone_ms=120):
    """PCMU of keys, each tone_ms long after gap_ms of silence, at -12 dBFS per tone."""
    out = []
    for key in keys:
        out.append(np.zeros(gap_ms * 8))
        t = np.arange(tone_ms * 8)
        low, high = KEY_TONES[key]
        out.append(0.25 * 32767 * (np.sin(2 * math.pi * low * t / 8000) + np.sin(2 * math.pi * high * t / 8000)) / 2)
    out.append(np.zeros(gap_ms * 8))
    return audioop.lin2ulaw(np.concatenate(out).astype(np.int16).tobytes(), 2)


def call(daemon, call_id):
    a, b = PortPair(), PortPair()
    offer = decoded(daemon.ng.request({"command": "offer", "call-id": call_id, "from-tag": "a",
                                       "codec": {"transcode": ["telephone-event"]}, "sdp": sdp("a", a.port())}))
    m = m_line(offer["sdp"])
    events_type = int(m.group(2).split()[1])  # the added telephone-event's type
    answer = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "a", "to-tag": "b",
                                        "sdp": sdp("b", b.port(), events_type)}))
    return a, b, int(m.group(1)), int(m_line(answer["sdp"]).group(1)), offer["sdp"], answer["sdp"], events_type


def paced(sock, port, packets):
    start = time.time()
    for i, p in enumerate(packets):
        sock.sendto(p, ("127.0.0.1", port))
        time.sleep(max(0.0, start + 0.02 * (i + 1) - time.time()))
    time.sleep(0.3)


def digits_of_events(packets, pt):
    """Per event (by timestamp, in order): its key and whether it ended."""
    keys = "0123456789*#ABCD"
    seen = {}
    for p in sorted(packets, key=lambda p: struct.unpack("!H", p[2:4])[0]):
        if p[1] & 0x7f == pt:
            ts = struct.unpack("!I", p[4:8])[0]
            entry = seen.setdefault(ts, [keys[p[12]] if p[12] < 16 else "?", False])
            entry[1] = entry[1] or bool(p[13] & 0x80)
    return [tuple(v) for _, v in sorted(seen.items())]


def test_tones_become_events_and_events_tones_as_oracle(daemons):
    results = []
    for daemon in daemons:
        a, b, to_b, to_a, offer, answer, pt = call(daemon, "dtmf-transcoding")
        try:
            assert "a=rtpmap:%d telephone-event/8000" % pt in offer and "a=fmtp:%d 0-15" % pt in offer
            assert m_line(answer).group(2).split() == ["0"]  # a is answered without telephone-event
            audio = tones("59#")
            paced(a.rtp, to_a, [struct.pack("!BBHII", 0x80, 0, 100 + i, 160 * i, 0x1234) + audio[160 * i:160 * (i + 1)]
                                for i in range(len(audio) // 160)])
            at_b = drain(b.rtp)
            # b: silence, then event "9" (200 ms, three end packets), then silence.
            packets, seq, ts = [], 500, 0
            for _ in range(10):
                packets.append(struct.pack("!BBHII", 0x80, 0, seq, ts, 0x5678) + b"\xff" * 160)
                seq, ts = seq + 1, ts + 160
            start = ts
            for n in range(1, 11):
                packets.append(struct.pack("!BBHII", 0x80, pt | (0x80 if n == 1 else 0), seq, start, 0x5678) +
                               struct.pack("!BBH", 9, 10, 160 * n))
                seq, ts = seq + 1, ts + 160
            for _ in range(3):
                packets.append(struct.pack("!BBHII", 0x80, pt, seq, start, 0x5678) + struct.pack("!BBH", 9, 0x80 | 10, 1760))
                seq = seq + 1
            for _ in range(10):
                packets.append(struct.pack("!BBHII", 0x80, 0, seq, ts, 0x5678) + b"\xff" * 160)
                seq, ts = seq + 1, ts + 160
            paced(b.rtp, to_b, packets)
            at_a = drain(a.rtp)
            results.append((digits_of_events(at_b, pt), dtmf_keys_in_pcmu(at_a),
                            all(p[1] & 0x7f == 0 for p in at_a)))
        finally:
            daemon.ng.request({"command": "delete", "call-id": "dtmf-transcoding"})
            a.close()
            b.close()
    ours, theirs = results
    assert theirs == ([("5", True), ("9", True), ("#", True)], ["9"], True)
    assert ours == theirs
