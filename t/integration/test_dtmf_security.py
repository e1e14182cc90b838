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
    """PCMU or PCMA at 8 kHz (audioop) or G.722 at 16 kHz (PyAV, as ffmpeg codes it)."""

    def __init__(self, pt):
        self.pt = pt
        self.rate = 16000 if pt == 9 else 8000
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
        if self.pt in (0, 8):
            data = (audioop.lin2ulaw if self.pt == 0 else audioop.lin2alaw)(pcm.astype(np.int16).tobytes(), 2)
            return [data[i:i + n] for i in range(0, len(data), n)]
        out = b""
        for i in range(0, len(pcm), n):
            frame = self.av.AudioFrame.from_ndarray(pcm[i:i + n].astype(np.int16).reshape(1, -1), format="s16",
                                                    layout="mono")
            frame.sample_rate = self.rate
            out += b"".join(bytes(p) for p in self.encoder.encode(frame))
        return [out[i:i + 160] for i in range(0, len(out), 160)]

    def decode(self, payload):
        if self.pt in (0, 8):
            pcm = (audioop.ulaw2lin if self.pt == 0 else audioop.alaw2lin)(payload, 2)
            return np.frombuffer(pcm, dtype=np.int16).astype(float)
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


class RtpSequence:
    """a's packets, one per 20 ms: audio payloads, RFC 4733 events of 200 ms (10 updates,
    then 3 end packets)."""

    STEP = 160  # the RTP clock of both codecs is 8 kHz

    def __init__(self, codec):
        self.codec, self.packets, self.seq, self.ts = codec, [], 100, 0

    def audio(self, payloads):
        for p in payloads:
            self.packets.append(struct.pack("!BBHII", 0x80, self.codec.pt, self.seq, self.ts, 0x1234) + p)
            self.seq, self.ts = self.seq + 1, self.ts + self.STEP

    def event(self, event):
        start = self.ts
        for k in range(1, 11):
            self.packets.append(struct.pack("!BBHII", 0x80, EVENT_PT | (0x80 if k == 1 else 0), self.seq, start,
                                            0x1234) + struct.pack("!BBH", event, 10, self.STEP * k))
            self.seq, self.ts = self.seq + 1, self.ts + self.STEP
        for _ in range(3):
            self.packets.append(struct.pack("!BBHII", 0x80, EVENT_PT, self.seq, start, 0x1234) +
                                struct.pack("!BBH", event, 0x80 | 10, self.STEP * 10))
            self.seq += 1


def a_sends(codec):
    """1 kHz audio, event '5', audio, in-band '9', audio, event '1', audio: 20 ms apart."""
    audio = codec.encode(sines(codec, 200, [1000]))
    inband = codec.encode(sines(codec, 200, [852, 1477]))
    s = RtpSequence(codec)
    s.audio(audio)
    s.event(5)
    s.audio(audio)
    s.audio(inband)
    s.audio(audio)
    s.event(1)
    s.audio(audio)
    return s.packets


def block_and_send(daemon, call_id, keys, pt=0, b_events=True, b_pt=None, offer_keys=None, block_from="a",
                   sends=a_sends, timed=False):
    """A call between a and b, block DTMF from a (or block_from: None for the whole call)
    with keys, a's sequence (sends): the reply and what b got, labelled (b's codec b_pt,
    default a's: then the offer asks for it with offer_keys); timed: each label with the
    index of a's packet after which it came."""
    codec = Codec(pt)
    b_codec = Codec(pt if b_pt is None else b_pt)
    a, b = PortPair(), PortPair()

    def request(command, **k):
        return decoded(daemon.ng.request(dict({"command": command, "call-id": call_id}, **k)))

    try:
        request("offer", **dict({"from-tag": "a", "sdp": sdp("a", a.port(), pt)}, **(offer_keys or {})))
        to_a = port_of(request("answer", **{"from-tag": "a", "to-tag": "b",
                                            "sdp": sdp("b", b.port(), b_codec.pt, b_events)})["sdp"])
        reply = request("block DTMF", **dict({"from-tag": block_from} if block_from else {}, **keys))
        got = []
        start = time.time()
        packets = sends(codec)
        for i, p in enumerate(packets):
            a.rtp.sendto(p, ("127.0.0.1", to_a))
            time.sleep(max(0.0, start + 0.02 * (i + 1) - time.time()))
            got += [(i, p) for p in drain(b.rtp)]
        time.sleep(0.3)
        got += [(len(packets), p) for p in drain(b.rtp)]
        labelled = [(i, label(p, b_codec)) for i, p in got]
        return reply, labelled if timed else [x for _, x in labelled]
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
    """The digit of each run of events b got (two runs apart, even of one digit: random
    may pick the same replacement twice)."""
    digits, in_run = [], False
    for x in got:
        event = x.startswith("ev")
        if event and not in_run:
            digits.append(x[2])
        in_run = event
    return digits


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


def test_transcoded_call_takes_the_mode_in_its_chain(daemons):
    """a (PCMU) -> b (PCMA, transcoded): the mode goes to the call's own chain."""
    got = ours_only(daemons, "sec-transcoded", {"DTMF-security": "zero"}, b_pt=8,
                    offer_keys={"codec": {"transcode": ["PCMA"]}})
    assert runs(got[:23]) == "f1000*10 ev0*10 ev0E*3"
    assert set(replaced_in_band(got, 33)) == {"key0"}
    got = ours_only(daemons, "sec-transcoded", {"DTMF-security": "silence"}, b_pt=8,
                    offer_keys={"codec": {"transcode": ["PCMA"]}})
    assert runs(got[:20]) == "f1000*10 sil*10"


def test_call_wide_mode(daemons):
    got = ours_only(daemons, "sec-call-wide", {"DTMF-security": "DTMF", "digit": "*"}, block_from=None)
    assert runs(got[:23]) == "f1000*10 ev**10 ev*E*3"
    assert set(replaced_in_band(got, 33)) == {"key*"}


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


# ---- DTMF-delay ----------------------------------------------------------------------
#
# a sends 10 packets of audio, one digit (event '5', or the in-band tones of '9' for 10
# packets), then audio: ours puts silence in the digit's place and plays it again 500 ms
# (25 of a's packets) after it began, as the mode in force then says. 10.5 delays nothing.

DELAY_PACKETS = 25


def event_then_audio(codec):
    audio = codec.encode(sines(codec, 1100, [1000]))
    s = RtpSequence(codec)
    s.audio(audio[:10])
    s.event(5)
    s.audio(audio[10:])
    return s.packets


def in_band_then_audio(codec):
    audio = codec.encode(sines(codec, 1100, [1000]))
    s = RtpSequence(codec)
    s.audio(audio[:10])
    s.audio(codec.encode(sines(codec, 200, [852, 1477])))
    s.audio(audio[10:])
    return s.packets


def comes_back_after_the_delay(timed, first, began=10):
    """The index of a's packet after which b got the first label starting with first: the
    digit that began with a's packet began is played again 500 ms later (give or take
    the packet that clocks it out and some scheduling)."""
    tick = next(i for i, x in timed if x.startswith(first))
    assert began + DELAY_PACKETS - 1 <= tick <= began + DELAY_PACKETS + 3, timed
    return tick


@pytest.mark.parametrize("keys,later,oracle", [
    # off: the digit itself; 10.5 drops it (off as drop).
    ({"DTMF-security": "off", "DTMF-delay": 500}, "ev5*10 ev5E*3", {"f1000": 55}),
    # zero: digit 0 in its place; 10.5 plays the event as its own digit's tones at once.
    ({"DTMF-security": "zero", "dtmf delay": "500"}, "ev0*10 ev0E*3", {"f1000": 55, "key5": 10}),
    # drop (block DTMF's default): nothing, later either; 10.5 drops it.
    ({"DTMF delay": 500}, None, {"f1000": 55}),
])
def test_delay_plays_an_event_later(daemons, keys, later, oracle):
    (reply, ours), (_, theirs) = on_both(daemons, "sec-delay", keys, sends=event_then_audio, timed=True)
    assert reply == {"result": "ok"}
    got = runs(x for _, x in ours)
    if later:
        # The digit lasts as long as it was seen when that is longer than its own count:
        # one update more, with the scheduling of the packets.
        replayed = re.escape(later).replace(r"\*10\ ", r"\*1[01]\ ")
        assert re.fullmatch(r"f1000\*10 sil\*10 f1000\*\d+ %s f1000\*\d+" % replayed, got), got
        comes_back_after_the_delay(ours, "ev")
    else:
        assert got == "f1000*10 sil*10 f1000*45"
    # difference: 10.5 delays nothing (its packet counts may be one off: its clock)
    theirs_kinds = kinds([x for _, x in theirs])
    assert theirs_kinds.keys() == oracle.keys() and all(abs(theirs_kinds[k] - n) <= 1 for k, n in oracle.items()), \
        theirs_kinds


def test_delay_plays_an_in_band_digit_later(daemons):
    """b without telephone-event: the digit heard in a's audio (its first packet passes
    before the detector hears it) comes back as its tones, as long as it was heard."""
    keys = {"DTMF-security": "off", "DTMF-delay": 500}
    (_, ours), (_, theirs) = on_both(daemons, "sec-delay-in-band", keys, sends=in_band_then_audio, timed=True,
                                     b_events=False)
    got = runs(x for _, x in ours)
    match = re.fullmatch(r"f1000\*10 key9\*1 sil\*(\d+) f1000\*\d+ key9\*(\d+) sil\*1 f1000\*\d+", got)
    assert match and 9 <= int(match.group(1)) <= 10 and 8 <= int(match.group(2)) <= 10, got
    comes_back_after_the_delay([(i, x) for i, x in ours if i > 20], "key9", began=11)
    assert runs(x for _, x in theirs) == "f1000*10 key9*10 f1000*45"  # difference: 10.5 delays nothing


# ---- triggers ------------------------------------------------------------------------
#
# a sends events of a run of digits, each 5 updates and 3 end packets, audio between; the
# labels drop the durations. 10.5 follows the triggers on the events it forwards; ours in
# the codec chain, which block DTMF with a trigger engages.


def digits_and_send(daemon, call_id, keys, digits, gap=5, sender_pt=0):
    codec = Codec(sender_pt)
    a, b = PortPair(), PortPair()

    def request(command, **k):
        return decoded(daemon.ng.request(dict({"command": command, "call-id": call_id}, **k)))

    audio = codec.encode(sines(codec, 20, [1000]))[0]
    packets, seq, ts = [], 100, 0

    def send_audio(n):
        nonlocal seq, ts
        for _ in range(n):
            packets.append(struct.pack("!BBHII", 0x80, 0, seq, ts, 0x1234) + audio)
            seq, ts = seq + 1, ts + 160

    send_audio(5)
    for digit in digits:
        start = ts
        for k in range(1, 6):
            packets.append(struct.pack("!BBHII", 0x80, EVENT_PT | (0x80 if k == 1 else 0), seq, start, 0x1234) +
                           struct.pack("!BBH", EVENT_DIGITS.index(digit), 10, 160 * k))
            seq, ts = seq + 1, ts + 160
        for _ in range(3):
            packets.append(struct.pack("!BBHII", 0x80, EVENT_PT, seq, start, 0x1234) +
                           struct.pack("!BBH", EVENT_DIGITS.index(digit), 0x80 | 10, 800))
            seq += 1
        send_audio(gap)
    try:
        request("offer", **{"from-tag": "a", "sdp": sdp("a", a.port(), 0)})
        to_a = port_of(request("answer", **{"from-tag": "a", "to-tag": "b", "sdp": sdp("b", b.port(), 0)})["sdp"])
        assert request("block DTMF", **dict({"from-tag": "a"}, **keys)) == {"result": "ok"}
        start = time.time()
        for i, p in enumerate(packets):
            a.rtp.sendto(p, ("127.0.0.1", to_a))
            time.sleep(max(0.0, start + 0.02 * (i + 1) - time.time()))
        time.sleep(0.3)
        return [label(p, codec) for p in drain(b.rtp)]
    finally:
        request("delete")
        a.close()
        b.close()


def triggered_on_both(daemons, keys, digits="123456", **kwargs):
    return [digits_and_send(d, "sec-trigger-%d" % next(CALLS), keys, digits, **kwargs) for d in daemons]


def passed(got, digit):
    """(updates, end packets) of digit's event that reached b."""
    return got.count("ev" + digit), got.count("ev%sE" % digit)


def test_trigger_and_end_trigger_as_oracle(daemons):
    ours, theirs = triggered_on_both(daemons, {"trigger": "12", "trigger-end": "45", "DTMF-security-trigger": "drop"})
    # 1 passes; 2 completes the trigger: its first packet passes, then drop (the switch
    # applies from the next packet on); 3, 4 dropped; 5 completes the end trigger (off by
    # default): its first packet dropped, the rest passes; 6 passes. Audio all along.
    assert [passed(ours, d) for d in "123456"] == [(5, 3), (1, 0), (0, 0), (0, 0), (4, 3), (5, 3)]
    assert ours.count("f1000") == 35
    assert kinds(ours) == kinds(theirs)


def test_trigger_without_its_mode_switches_to_off_as_oracle(daemons):
    ours, theirs = triggered_on_both(daemons, {"trigger": "1"}, digits="123")
    assert [passed(ours, d) for d in "123"] == [(5, 3)] * 3
    assert kinds(ours) == kinds(theirs)


def test_trigger_end_time_as_oracle(daemons):
    ours, theirs = triggered_on_both(daemons, {"trigger": "1", "DTMF-security-trigger": "drop",
                                               "trigger-end-time": 300}, digits="1234")
    for got in (ours, theirs):
        # Dropped from 1's second packet for 300 ms: into 2 (which starts 260 ms later).
        assert passed(got, "1") == (1, 0)
        updates, ends = passed(got, "2")
        assert 1 <= updates <= 4 and ends == 3
        assert [passed(got, d) for d in "34"] == [(5, 3)] * 2


def test_trigger_end_digits_as_documented(daemons):
    ours, theirs = triggered_on_both(daemons, {"trigger": "1", "DTMF-security-trigger": "drop",
                                               "trigger-end-digits": 2}, digits="12345")
    # Two digits (2, 3) under drop, then off from 3's second packet.
    assert [passed(ours, d) for d in "12345"] == [(1, 0), (0, 0), (4, 3), (5, 3), (5, 3)]
    # Difference: 10.5 ignores trigger-end-digits (drop stays).
    assert [passed(theirs, d) for d in "12345"] == [(1, 0)] + [(0, 0)] * 4


def test_end_trigger_mode_as_documented(daemons):
    ours, theirs = triggered_on_both(daemons, {"trigger": "2", "DTMF-security": "drop",
                                               "DTMF-security-trigger": "off", "trigger-end": "4",
                                               "DTMF-security-trigger-end": "drop"})
    assert [passed(ours, d) for d in "123456"] == [(0, 0), (4, 3), (5, 3), (1, 0), (0, 0), (0, 0)]
    # Difference: 10.5 switches to off at the end trigger, whatever DTMF-security-trigger-end says.
    assert [passed(theirs, d) for d in "123456"] == [(0, 0), (4, 3), (5, 3), (5, 3), (5, 3), (5, 3)]


def test_trigger_in_the_audio(daemons):
    """Ours hears the in-band '9' in the chain: it completes the trigger (10.5, without a
    chain, hears only events)."""
    (_, ours), (_, theirs) = on_both(daemons, "sec-heard", {"trigger": "9", "DTMF-security-trigger": "zero"})
    assert runs(ours[:23]) == "f1000*10 " + EVENT_5
    assert runs(ours[-23:]) == "ev0*10 ev0E*3 f1000*10"  # '1' after the trigger: zero
    assert kinds(theirs) == ORACLE_EVENTS_PASS


@pytest.fixture(scope="module")
def short_digit_delay():
    pair = start_with_oracle(["--dtmf-digit-delay=200"])
    yield pair
    stop_with_oracle(pair)


def test_digit_delay_as_oracle(daemons, short_digit_delay):
    """The digits of a trigger 460 ms apart: a run with the default 2500 ms, none with 200."""
    keys = {"trigger": "12", "DTMF-security-trigger": "drop"}
    ours, theirs = triggered_on_both(daemons, keys, digits="123", gap=15)
    assert [passed(ours, d) for d in "123"] == [(5, 3), (1, 0), (0, 0)]
    assert kinds(ours) == kinds(theirs)
    ours, theirs = triggered_on_both(short_digit_delay, keys, digits="123", gap=15)
    assert [passed(ours, d) for d in "123"] == [(5, 3)] * 3
    assert kinds(ours) == kinds(theirs)


# ---- audio while events pass (--dtmf-no-suppress) --------------------------------------


def transcoded_with_events(daemon, call_id):
    """a (PCMU) -> b (PCMA, transcoded), both with telephone-event: a sends 40 audio
    packets and, beside audio 10 to 19, the 10 packets of event '5' (the last its end).
    What b got, PCMA labelled as PCMU would be."""
    a, b = PortPair(), PortPair()
    codec = Codec(0)

    def request(command, **k):
        return decoded(daemon.ng.request(dict({"command": command, "call-id": call_id}, **k)))

    try:
        request("offer", **{"from-tag": "a", "sdp": sdp("a", a.port(), 0), "codec": {"transcode": ["PCMA"]}})
        to_a = port_of(request("answer", **{"from-tag": "a", "to-tag": "b", "sdp": sdp("b", b.port(), 8)})["sdp"])
        audio = codec.encode(sines(codec, 800, [1000]))
        packets, seq = [], 100
        for i in range(40):
            packets.append(struct.pack("!BBHII", 0x80, 0, seq, 160 * i, 0x1234) + audio[i])
            seq += 1
            if 10 <= i < 20:
                k = i - 9
                packets.append(struct.pack("!BBHII", 0x80, EVENT_PT | (0x80 if k == 1 else 0), seq, 1600, 0x1234) +
                               struct.pack("!BBH", 5, (0x80 if k == 10 else 0) | 10, 160 * k))
                seq += 1
        start = time.time()
        for i, p in enumerate(packets):
            a.rtp.sendto(p, ("127.0.0.1", to_a))
            time.sleep(max(0.0, start + 0.01 * (i + 1) - time.time()))
        time.sleep(0.3)
        got = []
        for p in drain(b.rtp):
            if p[1] & 0x7f == 8:  # PCMA as PCMU, for the labels
                p = p[:1] + bytes([p[1] & 0x80]) + p[2:12] + audioop.lin2ulaw(audioop.alaw2lin(p[12:], 2), 2)
            got.append(label(p, codec))
        return got
    finally:
        request("delete")
        a.close()
        b.close()


@pytest.fixture(scope="module")
def no_suppress():
    pair = start_with_oracle(["--dtmf-no-suppress"])
    yield pair
    stop_with_oracle(pair)


def test_audio_held_back_while_events_pass_as_oracle(daemons):
    ours, theirs = [transcoded_with_events(d, "sec-suppress-%d" % next(CALLS)) for d in daemons]
    # The audio beside the event's packets after its first is held back until its end.
    assert runs(ours) == "f1000*11 ev5*9 ev5E*1 f1000*20"
    assert kinds(ours) == kinds(theirs)


def test_no_suppress_keeps_the_audio_as_oracle(no_suppress):
    ours, theirs = [transcoded_with_events(d, "sec-no-suppress-%d" % next(CALLS)) for d in no_suppress]
    assert runs(ours) == "f1000*11 " + " ".join(["ev5*1 f1000*1"] * 9) + " ev5E*1 f1000*20"
    assert kinds(ours) == kinds(theirs)
