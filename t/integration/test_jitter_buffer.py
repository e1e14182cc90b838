"""The clocked stage of a transcoding chain (docs/options.md: --jitter-buffer, --dtx-delay,
--silence-detect with --cn-payload; docs/ng.md: delay-buffer), through the real daemon over
ng and UDP. A PCMU offerer sends to a PCMA answerer, so every packet is transcoded; each
packet's audio carries its index as a pattern of signs that survives G.711 to G.711
transcoding exactly, so what comes out can be checked for order and content. Where
Debian's rtpengine 10.5 (the oracle) does the same thing it is checked alike; where it
differs, the test says so."""

import random
import re
import struct
import time

import pytest

from media_testlib import PortPair, drain
from rtpe_testlib import decoded, start_ng_daemon, start_with_oracle, stop_ng_daemon, stop_with_oracle

audioop = pytest.importorskip("audioop")

SEGMENTS = 8  # 8 bits of index in 8 runs of 20 samples


def indexed_pcmu(index):
    """160 PCMU samples whose 20-sample runs are +3000 or -3000 by the bits of index."""
    samples = []
    for bit in range(SEGMENTS):
        samples += [3000 if (index >> bit) & 1 else -3000] * 20
    return audioop.lin2ulaw(struct.pack("<160h", *samples), 2)


def silent_pcmu():
    return b"\xff" * 160  # mu-law 0xff is 0


def index_of(packet):
    """The index a PCMA packet's audio carries; None for audio without the pattern (silence, noise)."""
    pcm = struct.unpack("<160h", audioop.alaw2lin(packet[12:], 2))
    index = 0
    for bit in range(SEGMENTS):
        run = pcm[bit * 20 + 2: bit * 20 + 18]
        if all(s > 1500 for s in run):
            index |= 1 << bit
        elif not all(s < -1500 for s in run):
            return None
    return index


def rms(packet):
    return audioop.rms(audioop.alaw2lin(packet[12:], 2), 2)


def sdp(origin, port, codecs):
    """codecs: (payload type, rtpmap) or (payload type, rtpmap, fmtp)."""
    lines = ["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
             "m=audio %d RTP/AVP %s" % (port, " ".join(str(c[0]) for c in codecs))]
    for c in codecs:
        lines.append("a=rtpmap:%d %s" % c[:2])
        if len(c) > 2:
            lines.append("a=fmtp:%d %s" % (c[0], c[2]))
    return "\r\n".join(lines + [""])


def port_of(text):
    return int(re.search(r"m=audio (\d+)", text).group(1))


class Call:
    """An offerer a (PCMU, or the codec given) and a PCMA answerer b (transcoded); b may
    offer CN too."""

    def __init__(self, daemon, label, answer_cn=False, offer_keys=None, offer=(0, "PCMU/8000")):
        self.daemon = daemon
        self.call_id = "jb-%s-%d" % (label, time.monotonic_ns())
        self.a, self.b = PortPair(), PortPair()
        keys = dict(offer_keys or {})
        if answer_cn:
            keys["codec"] = {"transcode": ["PCMA", "CN"]}
        r = decoded(daemon.ng.request(dict({"command": "offer", "call-id": self.call_id, "from-tag": "a",
                                            "sdp": sdp("a", self.a.port(), [offer])}, **keys)))
        assert r["result"] == "ok", r
        self.b_to = port_of(r["sdp"])
        answer = [(8, "PCMA/8000")] + ([(13, "CN/8000")] if answer_cn else [])
        r = decoded(daemon.ng.request({"command": "answer", "call-id": self.call_id, "from-tag": "a",
                                       "to-tag": "b", "sdp": sdp("b", self.b.port(), answer)}))
        assert r["result"] == "ok", r
        self.a_to = port_of(r["sdp"])
        self.got = []  # (arrival, packet) at b
        self.start = None

    def send(self, seq, ts, payload, pt=0, ssrc=0xA0A0A0A0):
        if self.start is None:
            self.start = time.monotonic()
        self.a.rtp.sendto(struct.pack("!BBHII", 0x80, pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload,
                          ("127.0.0.1", self.a_to))

    def collect(self, until):
        while True:
            now = time.monotonic()
            self.got += [(now, p) for p in drain(self.b.rtp)]
            if now >= until:
                return
            time.sleep(0.002)

    def stream(self, order, payload=indexed_pcmu, pace=0.02, seq0=1000, tail=0.6):
        """Sends the packet of index order[k] at the k-th pace (its sequence number and
        timestamp follow the index; None: nothing in that slot, a lost packet), then waits
        tail seconds for the rest."""
        t0 = time.monotonic()
        for k, i in enumerate(order):
            if i is not None:
                self.send(seq0 + i, i * 160, payload(i))
            self.collect(t0 + (k + 1) * pace)
        self.collect(time.monotonic() + tail)

    def close(self):
        q = decoded(self.daemon.ng.request({"command": "query", "call-id": self.call_id}))
        self.daemon.ng.request({"command": "delete", "call-id": self.call_id})
        self.a.close()
        self.b.close()
        return q


def pair(args):
    return start_with_oracle(args)  # Daemon passes --config-file=none itself


@pytest.fixture
def jitter_pair():
    p = pair(["--jitter-buffer=5"])
    yield p
    stop_with_oracle(p)


def test_reordered_packets_come_out_in_order(jitter_pair):
    order = list(range(60))
    for a, b in ((20, 21), (30, 32), (45, 46)):  # swapped pairs, one of them two apart
        order[a], order[b] = order[b], order[a]
    results = {}
    for label, daemon in zip(("ours", "oracle"), jitter_pair):
        call = Call(daemon, label)
        call.stream(order)
        call.close()
        results[label] = [index_of(p) for _, p in call.got]
        if label == "ours":
            packets = [p for _, p in call.got]
            assert results[label] == list(range(60)), results[label]
            seqs = [int.from_bytes(p[2:4], "big") for p in packets]
            stamps = [int.from_bytes(p[4:8], "big") for p in packets]
            assert all((b - a) % 65536 == 1 for a, b in zip(seqs, seqs[1:])), seqs
            assert all((b - a) % 2**32 == 160 for a, b in zip(stamps, stamps[1:])), stamps
            # held for the jitter allowance (5 packets, 100 ms), with generous bounds
            first = call.got[0][0] - call.start
            assert 0.05 <= first <= 1.0, first
    # 10.5 buffers only after its first 30 packets and adds no delay of its own: its
    # order is shown, not checked.
    print("oracle order:", results["oracle"])


def test_gap_becomes_fill_with_dtx_delay():
    ours, oracle = pair(["--dtx-delay=60"])
    try:
        lost = {20, 21, 22, 23}
        order = [None if i in lost else i for i in range(50)]
        for label, daemon in (("ours", ours), ("oracle", oracle)):
            call = Call(daemon, label)
            call.stream(order)
            call.close()
            packets = [p for _, p in call.got]
            indices = [index_of(p) for p in packets]
            # both: the four lost packet times come as silence in their place, and the
            # output's timestamps run on without a jump
            assert indices[:20] == list(range(20)), (label, indices)
            assert indices[20:24] == [None] * 4, (label, indices)
            assert all(rms(p) < 50 for p in packets[20:24]), (label, [rms(p) for p in packets[20:24]])
            assert indices[24:50] == list(range(24, 50)), (label, indices)
            stamps = [int.from_bytes(p[4:8], "big") for p in packets[1:50]]
            assert all((b - a) % 2**32 == 160 for a, b in zip(stamps, stamps[1:])), (label, stamps)
    finally:
        stop_with_oracle((ours, oracle))


def test_gap_becomes_comfort_noise_with_dtx_cn_params():
    ours, oracle = pair(["--dtx-delay=60", "--dtx-cn-params=30"])
    try:
        call = Call(ours, "cn-fill")
        call.stream([None if i in (10, 11, 12) else i for i in range(30)])
        call.close()
        packets = [p for _, p in call.got]
        assert [index_of(p) for p in packets[:10]] == list(range(10))
        noise = packets[10:13]
        assert [index_of(p) for p in noise] == [None] * 3
        # -30 dBov noise: clearly not silence, clearly not the signal
        assert all(100 < rms(p) < 2500 for p in noise), [rms(p) for p in noise]
        assert [index_of(p) for p in packets[13:30]] == list(range(13, 30))
    finally:
        stop_with_oracle((ours, oracle))


def test_delay_buffer_delays_media():
    ours, oracle = pair([])
    try:
        call = Call(ours, "delay", offer_keys={"delay-buffer": 300})
        call.stream(list(range(20)))
        call.close()
        assert [index_of(p) for _, p in call.got] == list(range(20))
        first = call.got[0][0] - call.start
        assert 0.25 <= first <= 1.5, first
        # 10.5 takes the key but delays nothing on this path (measured: its first packet
        # comes within a few ms); shown, not checked.
        call = Call(oracle, "delay", offer_keys={"delay-buffer": 300})
        call.stream(list(range(20)))
        call.close()
        print("oracle's first packet after %.0f ms" % ((call.got[0][0] - call.start) * 1000 if call.got else -1))
    finally:
        stop_with_oracle((ours, oracle))


def test_silence_becomes_cn_packets():
    ours, oracle = pair(["--silence-detect=1", "--cn-payload=40"])
    try:
        for label, daemon in (("ours", ours), ("oracle", oracle)):
            call = Call(daemon, label, answer_cn=True)
            call.stream(list(range(30)), payload=lambda i: silent_pcmu() if 10 <= i < 20 else indexed_pcmu(i))
            call.close()
            packets = [p for _, p in call.got]
            kinds = [p[1] & 0x7F for p in packets]
            # both: one CN packet (RFC 3389, the configured level alone) per silent packet time
            assert kinds[10:20] == [13] * 10, (label, kinds)
            assert all(p[12:] == bytes([40]) for p in packets[10:20]), label
            assert [index_of(p) for p in packets[20:30]] == list(range(20, 30)), label
            assert kinds.count(8) >= 18, (label, kinds)
    finally:
        stop_with_oracle((ours, oracle))


def test_garbage_jumps_and_duplicates_do_not_stall_the_chain():
    ours, oracle = pair(["--jitter-buffer=3", "--dtx-delay=40"])
    try:
        call = Call(ours, "garbage")
        rng = random.Random(7)
        # duplicates, jumping sequence numbers and timestamps, another SSRC, payloads of
        # every size up to beyond what a slot holds, none of it valid PCMU by intent
        for k in range(300):
            size = rng.choice([0, 1, 7, 160, 161, 1400, 1600, 4000])
            call.send(rng.randrange(65536), rng.randrange(2**32), bytes(rng.randrange(256) for _ in range(size)),
                      ssrc=rng.choice([0xA0A0A0A0, 0x12345678]))
            if k % 10 == 0:
                call.collect(time.monotonic() + 0.002)
        call.collect(time.monotonic() + 0.3)
        call.got = []
        # then a sane stream of a new SSRC: it comes through in order
        t0 = time.monotonic()
        for i in range(40):
            call.send(5000 + i, 777777 + i * 160, indexed_pcmu(i), ssrc=0xBEEF)
            call.collect(t0 + (i + 1) * 0.02)
        call.collect(time.monotonic() + 0.5)
        indices = [index_of(p) for _, p in call.got]
        q = call.close()
        assert q["result"] == "ok"
        real = [i for i in indices if i is not None]
        assert real == sorted(real) and len(real) >= 36, indices
        assert ours.alive(), ours.log()[-2000:]
    finally:
        stop_with_oracle((ours, oracle))


def pcma(samples):
    return audioop.lin2alaw(struct.pack("<%dh" % len(samples), *samples), 2)


def square_pcma(index):
    """160 samples of a 400 Hz square wave at 3000: speech-like energy for any codec."""
    return pcma([3000 if (n // 10) % 2 else -3000 for n in range(160)])


def encoded_by_us(call, count, payload):
    """count payloads of the offerer's codec as the daemon encodes them: the answerer sends
    PCMA (payload(i)) towards the offerer, who receives them transcoded."""
    got = []
    t0 = time.monotonic()
    for i in range(count):
        call.b.rtp.sendto(struct.pack("!BBHII", 0x80, 8, 2000 + i, i * 160, 0xB0B0B0B0) + payload(i),
                          ("127.0.0.1", call.b_to))
        while time.monotonic() < t0 + (i + 1) * 0.02:
            got += drain(call.a.rtp)
            time.sleep(0.002)
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        got += drain(call.a.rtp)
        time.sleep(0.002)
    return [p[12:] for p in got]


def send_with_gap(call, payloads, pt, ts_step, lost):
    """The offerer sends payloads in turn at 20 ms, nothing in the slots of lost (whose
    sequence numbers and timestamps go by all the same); the answerer's PCMA in their
    place after (what follows is the fill after the sender stopped, up to --max-dtx)."""
    t0 = time.monotonic()
    for i, payload in enumerate(payloads):
        if i not in lost:
            call.send(1000 + i, i * ts_step, payload, pt=pt)
        call.collect(t0 + (i + 1) * 0.02)
    call.collect(time.monotonic() + 0.6)
    return [p for _, p in call.got][:len(payloads)]


def offerer_playout(query):
    return query["tags"]["a"]["medias"][0]["streams"][0]["playout"]


# The offerer's codec, its RTP clock's ticks per 20 ms.
WIDE_CODECS = [((9, "G722/8000"), 160), ((96, "opus/48000/2"), 960)]


@pytest.mark.parametrize("offer,ts_step", WIDE_CODECS, ids=["G722", "opus"])
def test_comfort_noise_fills_gaps_of_wideband_chains(offer, ts_step):
    """--dtx-cn-params where the chain decodes 16 kHz (G.722) or 48 kHz (opus): the CN
    decoder's 8 kHz noise is resampled to that, so the gap is noise, not silence."""
    ours = start_ng_daemon(["--dtx-delay=60", "--dtx-cn-params=30"])
    try:
        call = Call(ours, "cn-" + offer[1].split("/")[0], offer=offer)
        silence = encoded_by_us(call, 40, lambda i: pcma([0] * 160))
        assert len(silence) >= 30, len(silence)
        lost = {15, 16, 17}
        packets = send_with_gap(call, silence[:30], offer[0], ts_step, lost)
        q = call.close()
        assert len(packets) == 30, len(packets)
        levels = [rms(p) for p in packets]
        # -30 dBov noise in the gap, the sender's silence around it
        assert all(100 < levels[i] < 2500 for i in lost), levels
        assert all(level < 60 for level in levels[5:15] + levels[18:30]), levels
        playout = offerer_playout(q)
        assert playout["filled"] >= 3 and playout["late"] == 0, playout
    finally:
        stop_ng_daemon(ours)


@pytest.mark.parametrize("amr_dtx", ["native", "CN"])
def test_amr_gaps_are_filled_as_amr_dtx_says(amr_dtx):
    """An AMR sender's gap: with --amr-dtx=native (the default) the AMR decoder is given
    NO_DATA frames and its own output (here, after speech, its concealment) fills the gap;
    with CN, silence as for other codecs (no --dtx-cn-params). Either way every packet time
    comes out."""
    ours = start_ng_daemon(["--dtx-delay=60", "--amr-dtx=" + amr_dtx])
    try:
        call = Call(ours, "amr-" + amr_dtx, offer=(96, "AMR/8000", "octet-align=1"))
        speech = encoded_by_us(call, 40, square_pcma)
        assert len(speech) >= 30, len(speech)
        lost = {15, 16}
        packets = send_with_gap(call, speech[:30], 96, 160, lost)
        q = call.close()
        assert len(packets) == 30, len(packets)
        levels = [rms(p) for p in packets]
        assert all(level > 300 for level in levels[5:15] + levels[17:30]), levels
        if amr_dtx == "native":
            assert all(levels[i] > 50 for i in lost), levels
        else:
            assert all(levels[i] < 10 for i in lost), levels
        assert offerer_playout(q)["filled"] >= 2, offerer_playout(q)
    finally:
        stop_ng_daemon(ours)


@pytest.mark.parametrize("shift", [10, 0])
def test_dtx_shift_waits_for_a_slow_sender(shift):
    """A sender whose clock runs 10 % slow (a 20 ms packet every 22 ms): with --dtx-shift
    the clock is moved back when the buffer runs dry and nothing is filled in between its
    packets; without, each packet that comes late gets a fill before it. The query shows
    which."""
    ours = start_ng_daemon(["--dtx-delay=60", "--dtx-shift=%d" % shift, "--max-dtx=1"])
    try:
        call = Call(ours, "slow")
        t0 = time.monotonic()
        for i in range(60):
            call.send(1000 + i, i * 160, indexed_pcmu(i))
            call.collect(t0 + (i + 1) * 0.022)
        call.collect(time.monotonic() + 0.6)
        q = call.close()
        indices = [index_of(p) for _, p in call.got]
        while indices and indices[-1] is None:  # the fill after the sender stopped
            indices.pop()
        playout = offerer_playout(q)
        if shift:
            assert indices == list(range(60)), (indices, playout)
            assert playout["shifted back"] >= 3, playout
        else:
            assert [i for i in indices if i is not None] == list(range(60)), (indices, playout)
            assert indices.count(None) >= 10 and playout["shifted back"] == 0, (indices, playout)
    finally:
        stop_ng_daemon(ours)
