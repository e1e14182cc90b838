"""block DTMF's DTMF-security modes against Debian's 10.5 on the same path. a and b share
PCMU (or G.722) and telephone-event; block DTMF names a with a mode; a sends 1 kHz audio,
RFC 4733 event '5', audio, the in-band tones of '9', audio, event '1', audio; what b gets
is labelled packet by packet (event number and end bit, silence, the DTMF key a Goertzel
filter hears, else the loudest frequency) and compared.

Where 10.5 does as documented (drop, an unknown mode dropping) we do the same. Where it
does not, we do as documented and the difference is asserted:
- silence, tone and random: 10.5 plays each event as its own digit's tones and leaves the
  in-band digit alone; documented (and ours): events and in-band digits become silence,
  one sine per digit (frequency/frequencies in turn, default 400 Hz), a random other digit;
- zero, DTMF: 10.5 passes the events as they came; ours: events of digit 0 (or digit/code),
  in-band digits as that digit's tones;
- off: 10.5 drops as drop does; documented (and ours): no blocking.
Ours hears an in-band digit after its first packet (spandsp needs ~40 ms), which passes.
"""

import collections
import itertools
import math
import re
import struct
import time

import numpy as np
import pytest

from media_testlib import PortPair, drain
from rtpe_testlib import decoded, start_with_oracle, stop_with_oracle

audioop = pytest.importorskip("audioop")

EVENT_PT = 101
KEYS = ("123A", "456B", "789C", "*0#D")
LOW, HIGH = (697, 770, 852, 941), (1209, 1336, 1477, 1633)
EVENT_DIGITS = "0123456789*#ABCD"


def sdp(origin, port, audio_pt, events=True):
    formats = "%d %d" % (audio_pt, EVENT_PT) if events else str(audio_pt)
    lines = ["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
             "m=audio %d RTP/AVP %s" % (port, formats)]
    if audio_pt == 9:
        lines.append("a=rtpmap:9 G722/8000")
    if events:
        lines.append("a=rtpmap:%d telephone-event/8000" % EVENT_PT)
    return "\r\n".join(lines + [""])


def port_of(text):
    return int(re.search(r"m=audio (\d+)", text).group(1))


class Codec:
    """PCMU at 8 kHz (audioop) or G.722 at 16 kHz (PyAV, as ffmpeg codes it)."""

    def __init__(self, pt):
        self.pt = pt
        self.rate = 8000 if pt == 0 else 16000
        if pt == 9:
            av = pytest.importorskip("av")
            self.av = av
            self.encoder = av.CodecContext.create("g722", "w")
            self.encoder.sample_rate, self.encoder.format, self.encoder.layout = 16000, "s16", "mono"
            self.encoder.open()
            self.decoder = av.CodecContext.create("g722", "r")
            self.decoder.sample_rate, self.decoder.layout = 16000, "mono"

    def encode(self, pcm):
        """20 ms payloads of pcm (int16 at self.rate)."""
        n = self.rate // 50
        if self.pt == 0:
            data = audioop.lin2ulaw(pcm.astype(np.int16).tobytes(), 2)
            return [data[i:i + n] for i in range(0, len(data), n)]
        out = b""
        for i in range(0, len(pcm), n):
            frame = self.av.AudioFrame.from_ndarray(pcm[i:i + n].astype(np.int16).reshape(1, -1), format="s16",
                                                    layout="mono")
            frame.sample_rate = self.rate
            out += b"".join(bytes(p) for p in self.encoder.encode(frame))
        return [out[i:i + 160] for i in range(0, len(out), 160)]

    def decode(self, payload):
        if self.pt == 0:
            return np.frombuffer(audioop.ulaw2lin(payload, 2), dtype=np.int16).astype(float)
        frames = self.decoder.decode(self.av.Packet(payload))
        return np.concatenate([f.to_ndarray().reshape(-1) for f in frames]).astype(float)


def sines(codec, ms, freqs, amplitude=0.25):
    t = np.arange(codec.rate * ms // 1000)
    return sum(amplitude * 32767 * np.sin(2 * math.pi * f * t / codec.rate) for f in freqs) / len(freqs)


def label(packet, codec):
    """An event as 'evN' (+'E' at its end), audio as 'sil', 'keyK' (a DTMF key whose two
    frequencies hold most of the power) or 'fN' (its loudest frequency, in 10 Hz steps)."""
    pt = packet[1] & 0x7f
    if pt == EVENT_PT:
        return "ev%s%s" % (EVENT_DIGITS[packet[12]] if packet[12] < 16 else "?", "E" if packet[13] & 0x80 else "")
    if pt != codec.pt:
        return "pt%d" % pt
    x = codec.decode(packet[12:])
    if math.sqrt(float(np.mean(x * x))) < 100:
        return "sil"

    def power(f):
        coeff = 2 * math.cos(2 * math.pi * f / codec.rate)
        s1 = s2 = 0.0
        for v in x:
            s1, s2 = v + coeff * s1 - s2, s1
        return s1 * s1 + s2 * s2 - coeff * s1 * s2

    total = float(np.dot(x, x)) * len(x) / 2 + 1
    low, high = [power(f) for f in LOW], [power(f) for f in HIGH]
    li, hi = int(np.argmax(low)), int(np.argmax(high))
    if low[li] > 0.2 * total and high[hi] > 0.2 * total:
        return "key" + KEYS[li][hi]
    spectrum = np.abs(np.fft.rfft(x, codec.rate))  # zero-padded to a second: 1 Hz per bin
    return "f%d" % (round(int(np.argmax(spectrum)) / 10) * 10)


def runs(labels):
    """'sil*10 key5*3 ...': consecutive equal labels counted."""
    out = []
    for x in labels:
        if out and out[-1][0] == x:
            out[-1][1] += 1
        else:
            out.append([x, 1])
    return " ".join("%s*%d" % (x, n) for x, n in out)


def a_sends(codec):
    """1 kHz audio, event '5', audio, in-band '9', audio, event '1', audio: 20 ms apart."""
    audio = codec.encode(sines(codec, 200, [1000]))
    inband = codec.encode(sines(codec, 200, [852, 1477]))
    packets, seq, ts = [], 100, 0
    step = 160  # the RTP clock of both codecs is 8 kHz

    def send_audio(payloads):
        nonlocal seq, ts
        for p in payloads:
            packets.append(struct.pack("!BBHII", 0x80, codec.pt, seq, ts, 0x1234) + p)
            seq, ts = seq + 1, ts + step

    def send_event(event):
        nonlocal seq, ts
        start = ts
        for k in range(1, 11):
            packets.append(struct.pack("!BBHII", 0x80, EVENT_PT | (0x80 if k == 1 else 0), seq, start, 0x1234) +
                           struct.pack("!BBH", event, 10, step * k))
            seq, ts = seq + 1, ts + step
        for _ in range(3):
            packets.append(struct.pack("!BBHII", 0x80, EVENT_PT, seq, start, 0x1234) +
                           struct.pack("!BBH", event, 0x80 | 10, step * 10))
            seq += 1

    send_audio(audio)
    send_event(5)
    send_audio(audio)
    send_audio(inband)
    send_audio(audio)
    send_event(1)
    send_audio(audio)
    return packets


def block_and_send(daemon, call_id, keys, pt=0, b_events=True):
    """A call between a and b, block DTMF from a with keys, a's sequence: the reply and
    what b got, labelled."""
    codec = Codec(pt)
    a, b = PortPair(), PortPair()

    def request(command, **k):
        return decoded(daemon.ng.request(dict({"command": command, "call-id": call_id}, **k)))

    try:
        to_b = port_of(request("offer", **{"from-tag": "a", "sdp": sdp("a", a.port(), pt)})["sdp"])
        to_a = port_of(request("answer", **{"from-tag": "a", "to-tag": "b",
                                            "sdp": sdp("b", b.port(), pt, b_events)})["sdp"])
        reply = request("block DTMF", **dict({"from-tag": "a"}, **keys))
        start = time.time()
        for i, p in enumerate(a_sends(codec)):
            a.rtp.sendto(p, ("127.0.0.1", to_a))
            time.sleep(max(0.0, start + 0.02 * (i + 1) - time.time()))
        time.sleep(0.3)
        return reply, [label(p, codec) for p in drain(b.rtp)]
    finally:
        request("delete")
        a.close()
        b.close()


CALLS = itertools.count()


def on_both(daemons, name, keys, **kwargs):
    """Each daemon's reply and what b got, each run on a call-id of its own (10.5 keeps a
    deleted call for a while)."""
    return [block_and_send(d, "%s-%d" % (name, next(CALLS)), keys, **kwargs) for d in daemons]


def ours_only(daemons, name, keys, **kwargs):
    return block_and_send(daemons[0], "%s-%d" % (name, next(CALLS)), keys, **kwargs)[1]


def kinds(got):
    """How many packets of each label: 10.5's chain may swap an event's last update and
    first end packet, so its results are compared as counts."""
    return dict(collections.Counter(got))


AUDIO = "f1000*10"
EVENT_5 = "ev5*10 ev5E*3"
EVENT_1 = "ev1*10 ev1E*3"
IN_BAND_9 = "key9*10"


def test_drop_and_unknown_modes_drop_events_as_oracle(daemons):
    for keys in ({}, {"DTMF-security": "drop"}, {"DTMF-security": "no-such-mode"}):
        (ours, ours_got), (theirs, theirs_got) = on_both(daemons, "sec-drop", keys)
        assert ours == theirs == {"result": "ok"}
        # Events held back (nothing in their place), audio and the in-band digit pass.
        assert runs(theirs_got) == "f1000*20 key9*10 f1000*20", keys
        assert ours_got == theirs_got, keys


def test_off_passes_everything_as_documented(daemons):
    (_, ours), (_, theirs) = on_both(daemons, "sec-off", {"DTMF-security": "off"})
    assert runs(ours) == " ".join([AUDIO, EVENT_5, AUDIO, IN_BAND_9, AUDIO, EVENT_1, AUDIO])
    assert kinds(theirs) == {"f1000": 40, "key9": 10}  # difference: 10.5 takes off as drop


def replaced_in_band(got, start=30):
    """b's packets for a's in-band digit: from the second on (the detector needs the first)."""
    return got[start + 1:start + 10]


# 10.5: the events come as their own digits' tones, in-band passes (silence, tone, random).
ORACLE_EVENTS_AS_TONES = {"f1000": 40, "key5": 10, "key9": 10, "key1": 10}
# 10.5: the events pass as they came (zero, DTMF).
ORACLE_EVENTS_PASS = {"f1000": 40, "ev5": 10, "ev5E": 3, "key9": 10, "ev1": 10, "ev1E": 3}


def test_silence(daemons):
    (reply, ours), (_, theirs) = on_both(daemons, "sec-silence", {"DTMF-security": "silence"})
    assert reply == {"result": "ok"}
    assert runs(ours[:20]) == "f1000*10 sil*10"  # event '5': 10 packets of silence in its place
    assert set(replaced_in_band(ours)) == {"sil"}
    assert runs(ours[-20:]) == "sil*10 f1000*10"  # event '1'
    assert not any(x.startswith(("ev", "key5", "key1")) for x in ours)
    assert len(ours) == len(theirs) == 70
    assert kinds(theirs) == ORACLE_EVENTS_AS_TONES  # difference: 10.5 plays the digits


def test_tone_takes_the_frequencies_in_turn(daemons):
    (_, ours), (_, theirs) = on_both(daemons, "sec-tone", {"DTMF-security": "tone", "frequencies": [1500, 2000]})
    assert runs(ours[:20]) == "f1000*10 f1500*10"
    assert set(replaced_in_band(ours)) == {"f2000"}
    assert runs(ours[-20:]) == "f1500*10 f1000*10"
    assert kinds(theirs) == ORACLE_EVENTS_AS_TONES
    # One frequency as a string; the default is 400 Hz.
    ours = ours_only(daemons, "sec-tone", {"DTMF-security": "tone", "frequency": "700"})
    assert runs(ours[:20]) == "f1000*10 f700*10"
    ours = ours_only(daemons, "sec-tone", {"DTMF-security": "tone"})
    assert runs(ours[:20]) == "f1000*10 f400*10"


def event_digits(got):
    """The digit of each run of events b got."""
    digits = []
    for x in got:
        if x.startswith("ev") and not x.endswith("E") and (not digits or digits[-1][1] != x):
            digits.append((len(digits), x))
    return [x[2] for _, x in digits]


def test_random_replaces_every_digit_with_another(daemons):
    (_, ours), (_, theirs) = on_both(daemons, "sec-random", {"DTMF-security": "random"})
    events = event_digits(ours)
    assert len(events) == 2 and events[0] != "5" and events[1] != "1"
    assert [x for x in ours if x.startswith("ev")] == ["ev" + events[0]] * 10 + ["ev%sE" % events[0]] * 3 + \
        ["ev" + events[1]] * 10 + ["ev%sE" % events[1]] * 3
    heard = set(replaced_in_band(ours, 33))
    assert len(heard) == 1 and heard != {"key9"} and heard.pop().startswith("key")
    assert kinds(theirs) == ORACLE_EVENTS_AS_TONES


@pytest.mark.parametrize("keys,digit", [({"DTMF-security": "zero"}, "0"),
                                        ({"DTMF-security": "DTMF", "digit": "7"}, "7"),
                                        ({"DTMF-security": "DTMF", "code": 11}, "#")])
def test_zero_and_dtmf_play_their_digit(daemons, keys, digit):
    (_, ours), (_, theirs) = on_both(daemons, "sec-digit", keys)
    ev = "ev%s*10 ev%sE*3" % (digit, digit)
    assert runs(ours[:23]) == "f1000*10 " + ev
    assert set(replaced_in_band(ours, 33)) == {"key" + digit}
    assert runs(ours[-23:]) == ev + " f1000*10"
    assert kinds(theirs) == ORACLE_EVENTS_PASS  # difference: 10.5 passes the events unchanged


def test_events_become_the_digits_tones_towards_a_receiver_without_telephone_event(daemons):
    """b answers without telephone-event: a's events reach it as audio, the replacement's."""
    ours = ours_only(daemons, "sec-no-te", {"DTMF-security": "zero"}, b_events=False)
    assert runs(ours[:20]) == "f1000*10 key0*10"
    assert set(replaced_in_band(ours)) == {"key0"}
    assert runs(ours[-20:]) == "key0*10 f1000*10"


def test_wideband_chain_detects_and_replaces(daemons):
    """G.722 (16 kHz audio): the digit is heard through the resampler, the replacement made
    at 16 kHz."""
    ours = ours_only(daemons, "sec-g722", {"DTMF-security": "DTMF", "digit": "3"}, pt=9)
    assert runs(ours[:23]) == "f1000*10 ev3*10 ev3E*3"
    assert set(replaced_in_band(ours, 33)) == {"key3"}


def test_unblock_ends_the_mode(daemons):
    ours = daemons[0]
    a, b = PortPair(), PortPair()
    call_id = "sec-unblock-%d" % next(CALLS)
    request = lambda command, **k: decoded(ours.ng.request(dict({"command": command, "call-id": call_id}, **k)))
    try:
        request("offer", **{"from-tag": "a", "sdp": sdp("a", a.port(), 0)})
        to_a = port_of(request("answer", **{"from-tag": "a", "to-tag": "b", "sdp": sdp("b", b.port(), 0)})["sdp"])
        assert request("block DTMF", **{"from-tag": "a", "DTMF-security": "zero"}) == {"result": "ok"}
        assert request("unblock DTMF", **{"from-tag": "a"}) == {"result": "ok"}
        codec = Codec(0)
        for i, p in enumerate(a_sends(codec)[:23]):
            a.rtp.sendto(p, ("127.0.0.1", to_a))
            time.sleep(0.02)
        time.sleep(0.3)
        assert runs([label(p, codec) for p in drain(b.rtp)]) == "f1000*10 " + EVENT_5  # not replaced by '0'
    finally:
        request("delete")
        a.close()
        b.close()
