#!/usr/bin/python3
"""Transcoding benchmark: our rtpengine against Debian's upstream rtpengine, side by side.

A benchmark, not a test: it measures and prints, it never passes or fails on a figure.
Both daemons run at once on 127.0.0.1, each with --num-threads=1 (benchlib.py starts them
as the relay benchmark does), and every figure is the daemon's own CPU time (the run time
of all its threads, from /proc/PID/task/*/schedstat, in ns) over a window of steady,
real-time paced traffic. Two kinds of phase:

* transcoding (PCMA<->Opus, PCMU<->G.729): N calls, each transcoding both ways (one side
  sends G.711, the other Opus resp. G.729, 20 ms packets at 50 pps); the figure is
  channels per core, N / (daemon CPU seconds / wall seconds). The Opus and G.729 side
  replays payloads a daemon itself encoded during the warm-up, with its own sequence
  numbers and timestamps, so the decoders get valid frames.
* passthrough: calls offered with a codec to transcode to, answered with the codec the
  offer had, so no chain runs, against plain calls without codec options, the two sets
  taking turns in short slices: CPU per packet.

What arrives at the far side is counted per direction; a daemon that delivers (almost)
nothing gets no figure. Phases alternate the daemons' order over rounds; medians are
reported. See t/bench/README.md.

Only the processes this script starts are ended, each by its PID.
"""

import argparse
import math
import os
import random
import re
import selectors
import struct
import time

from benchlib import (run_and_report, CLK_TCK, RTP_HEADER, add_common_args, loadavg, make_peer_socket, median,
                      sdp_port, spread)

PPS = 50                  # 20 ms packets on every stream
G711_PAYLOAD = 160        # 20 ms of PCMA/PCMU
SIGNAL_PACKETS = 100      # the G.711 side loops over 2 s of signal
RECORD_SECONDS = 2.0      # warm-up: what each daemon encodes from that much G.711
MIN_RECORDED = 25         # fewer encoded payloads than this: that daemon's recording is not used
DELIVERED_MIN = 0.9       # a direction delivering less than this share gets no figure


# ---------------------------------------------------------------- signal / G.711 ----

def _segment(value, ends):
    for seg, end in enumerate(ends):
        if value <= end:
            return seg
    return len(ends)


def linear_to_alaw(sample):
    """ITU-T G.711 A-law of one 16-bit sample."""
    value = sample >> 3
    if value >= 0:
        mask = 0xD5
    else:
        mask = 0x55
        value = -value - 1
    seg = _segment(value, (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF))
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((value >> (1 if seg < 2 else seg)) & 0x0F)) ^ mask


def linear_to_ulaw(sample):
    """ITU-T G.711 mu-law of one 16-bit sample."""
    value = sample >> 2
    if value < 0:
        value, mask = -value, 0x7F
    else:
        mask = 0xFF
    value = min(value, 8159) + 0x21
    seg = _segment(value, (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF))
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((value >> (seg + 1)) & 0x0F)) ^ mask


def speech_like_signal():
    """2 s at 8 kHz: two tones, a sweep and some noise at a varying level, so that the
    encoders have something to do (silence would make Opus cheap)."""
    rng = random.Random(1)
    samples = []
    total = SIGNAL_PACKETS * G711_PAYLOAD
    for n in range(total):
        t = n / 8000.0
        level = 0.55 + 0.45 * math.sin(2 * math.pi * 1.5 * t)
        x = (0.3 * math.sin(2 * math.pi * 440 * t) + 0.2 * math.sin(2 * math.pi * 1250 * t)
             + 0.15 * math.sin(2 * math.pi * (300 + 1500 * n / total) * t) + 0.05 * rng.uniform(-1, 1))
        samples.append(int(level * x * 16000))
    return samples


def g711_payloads(encode):
    samples = speech_like_signal()
    table = {}
    out = []
    for p in range(SIGNAL_PACKETS):
        chunk = samples[p * G711_PAYLOAD:(p + 1) * G711_PAYLOAD]
        out.append(bytes(table[s] if s in table else table.setdefault(s, encode(s)) for s in chunk))
    return out


# ---------------------------------------------------------------- SDP / calls -------

# A codec pair: the G.711 side (A, the offerer) and the far side (B, the answerer).
PAIRS = {
    "opus": {"label": "PCMA<->Opus", "g711": (8, "PCMA/8000", linear_to_alaw), "far": "opus",
             "rtpmap": "opus/48000/2", "fmtp": None, "static_pt": None},
    "g729": {"label": "PCMU<->G.729", "g711": (0, "PCMU/8000", linear_to_ulaw), "far": "G729",
             "rtpmap": "G729/8000", "fmtp": "annexb=no", "static_pt": 18},
}


def make_sdp(origin, port, codecs):
    """codecs: [(payload type, rtpmap, fmtp or None)]."""
    lines = ["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
             "m=audio %d RTP/AVP %s" % (port, " ".join(str(pt) for pt, _, _ in codecs))]
    for pt, rtpmap, fmtp in codecs:
        lines.append("a=rtpmap:%d %s" % (pt, rtpmap))
        if fmtp:
            lines.append("a=fmtp:%d %s" % (pt, fmtp))
    lines.append("a=ptime:20")
    return "\r\n".join(lines) + "\r\n"


def offered_pt(sdp, pair):
    """The payload type the daemon's offer gives the far codec."""
    m = re.search(rb"a=rtpmap:(\d+) " + re.escape(pair["rtpmap"].split("/")[0].encode()) + rb"/", sdp, re.I)
    if m:
        return int(m.group(1))
    mline = re.search(rb"m=audio \d+ \S+ ([\d ]+)", sdp)
    if pair["static_pt"] is not None and mline and str(pair["static_pt"]).encode() in mline.group(1).split():
        return pair["static_pt"]
    raise RuntimeError("the offer has no %s: %r" % (pair["far"], sdp))


def transcoding_flag(daemon, call_id):
    """Whether the daemon's query flags the offerer's media as transcoding."""
    try:
        q = daemon.ng.request({"command": "query", "call-id": call_id})
        return any(b"transcoding" in m.get("flags", []) for m in q["tags"]["ft"]["medias"])
    except (KeyError, TypeError, TimeoutError):
        return None


class Calls:
    """count calls between an A and a B pool of sockets, set up with one ng offer and answer
    each; self.streams holds what the load generator needs for both directions of each."""

    def __init__(self, daemon, count, pool, tag, kind, pair=None):
        self.daemon = daemon
        pool = max(1, min(pool, count))
        self.a_socks = [make_peer_socket() for _ in range(pool)]
        self.b_socks = [make_peer_socket() for _ in range(pool)]
        self.call_ids = []
        self.streams = []
        try:
            for i in range(count):
                self._setup(i, self.a_socks[i % pool], self.b_socks[i % pool], tag, kind, pair)
        except Exception:
            self.close()
            raise
        self.transcoding = transcoding_flag(daemon, self.call_ids[0])

    def _setup(self, i, a, b, tag, kind, pair):
        call_id = "%s-%s-%s-%d" % (kind, pair["far"] if pair else "pcmu", tag, i)
        self.call_ids.append(call_id)
        a_port, b_port = a.getsockname()[1], b.getsockname()[1]
        pcmu = [(0, "PCMU/8000", None)]
        offer = {"command": "offer", "call-id": call_id, "from-tag": "ft"}
        if kind == "transcode":
            g711_pt, g711_rtpmap, _ = pair["g711"]
            offer["sdp"] = make_sdp("a", a_port, [(g711_pt, g711_rtpmap, None)])
            offer["codec"] = {"transcode": [pair["far"]]}
        else:
            offer["sdp"] = make_sdp("a", a_port, pcmu)
            if kind == "passthrough":
                offer["codec"] = {"transcode": ["opus"]}
        o = self.daemon.ng.request(offer)
        if o.get("result") != b"ok":
            raise RuntimeError("%s offer failed: %r" % (self.daemon.label, o))
        if kind == "transcode":
            far_pt = offered_pt(o["sdp"], pair)
            answer_sdp = make_sdp("b", b_port, [(far_pt, pair["rtpmap"], pair["fmtp"])])
        else:
            answer_sdp = make_sdp("b", b_port, pcmu)
        r = self.daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
                                    "sdp": answer_sdp})
        if r.get("result") != b"ok":
            raise RuntimeError("%s answer failed: %r" % (self.daemon.label, r))
        to_b_side = sdp_port(o["sdp"])   # B sends here; A's packets reach B from here
        to_a_side = sdp_port(r["sdp"])   # A sends here; B's packets reach A from here
        a_pt = pair["g711"][0] if kind == "transcode" else 0
        b_pt = far_pt if kind == "transcode" else 0
        g711_len = RTP_HEADER + G711_PAYLOAD
        rng = random.Random(call_id)
        ids = [{"ssrc": rng.randrange(1, 1 << 32), "seq0": rng.randrange(1 << 16), "ts0": rng.randrange(1 << 32),
                "count": 0} for _ in range(2)]
        # A -> B: G.711, arriving at B as b_pt; B -> A: b_pt (payloads set later), arriving as G.711.
        self.streams.append({"send": a, "dst": to_a_side, "pt": a_pt, "ts_step": G711_PAYLOAD,
                             "recv": b, "src": to_b_side, "expect_pt": b_pt,
                             "expect_len": None if kind == "transcode" else g711_len, "dir": "ab", **ids[0]})
        self.streams.append({"send": b, "dst": to_b_side, "pt": b_pt, "ts_step": G711_PAYLOAD,
                             "recv": a, "src": to_a_side, "expect_pt": a_pt,
                             "expect_len": g711_len, "dir": "ba", **ids[1]})

    def close(self):
        for call_id in self.call_ids:
            try:
                self.daemon.ng.request({"command": "delete", "call-id": call_id, "from-tag": "ft"})
            except TimeoutError:
                pass
        for s in self.a_socks + self.b_socks:
            s.close()


# ---------------------------------------------------------------- load generator ----

def paced_load(daemon, streams, warm, seconds, record=False):
    """Every stream sends 20 ms packets at 50 pps, evenly spread in time (stream k's j-th
    packet at start + j/50 + k/(50 n)), for warm + seconds; the daemon's CPU and the
    packets received are taken over the last `seconds` only (the chains are set up and
    the first packets out of the way by then). After the last packet, stragglers are
    collected for up to 0.5 s. One process, non-blocking sockets, an epoll selector;
    packets are a header packed per send in front of a precomputed payload.

    Streams: send (socket), dst (port), pt, ts_step, ssrc, seq0, ts0, count (packets sent
    in earlier runs: a stream's sequence numbers and timestamps go on where they stopped),
    payloads (list of bytes, looped); recv (socket), src (port), expect_pt, expect_len
    (None: any). record=True keeps what arrives (payload and timestamp) per stream."""
    n = len(streams)
    socks = {}
    for s in streams:
        for sock in (s["send"], s["recv"]):
            socks[sock.fileno()] = sock
            sock.setblocking(False)
    by_source = {(s["recv"].fileno(), s["src"]): k for k, s in enumerate(streams)}
    expect = [(s["expect_pt"], s["expect_len"]) for s in streams]
    sel = selectors.DefaultSelector()
    for fd in {s["recv"].fileno() for s in streams}:
        sel.register(socks[fd], selectors.EVENT_READ, fd)
    state = []
    for s in streams:
        state.append([s["send"].sendto, ("127.0.0.1", s["dst"]), s["pt"] & 0x7F, s["ts_step"],
                      s["ssrc"], s["seq0"] + s["count"], s["ts0"] + s["count"] * s["ts_step"], s["payloads"]])
    sent = [0] * n
    received = [0] * n
    bad = 0
    recorded = [[] for _ in range(n)] if record else None
    pack = struct.Struct("!BBHII").pack

    def send(k):
        sendto, dst, pt, step, ssrc, seq0, ts0, payloads = state[k]
        j = sent[k]
        try:
            sendto(pack(0x80, pt, (seq0 + j) & 0xFFFF, (ts0 + j * step) & 0xFFFFFFFF, ssrc)
                   + payloads[j % len(payloads)], dst)
        except (BlockingIOError, ConnectionRefusedError):
            return
        sent[k] = j + 1

    def drain(timeout):
        nonlocal bad
        got = 0
        for key, _ in sel.select(timeout):
            sock, fd = key.fileobj, key.data
            while True:
                try:
                    data, source = sock.recvfrom(2048)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                got += 1
                k = by_source.get((fd, source[1]))
                if k is None or len(data) <= RTP_HEADER or (data[1] & 0x7F) != expect[k][0] \
                        or (expect[k][1] is not None and len(data) != expect[k][1]):
                    bad += 1
                    continue
                received[k] += 1
                if recorded is not None:
                    recorded[k].append((data[RTP_HEADER:], struct.unpack_from("!I", data, 4)[0]))
        return got

    per_stream = int(round(PPS * (warm + seconds)))
    warm_index = int(round(PPS * warm)) * n
    total = per_stream * n
    slot = 1.0 / (PPS * n)
    marks = {}

    def mark(name):
        own = os.times()
        ns, tids = daemon.cpu_ns()
        marks[name] = {"t": time.monotonic(), "ns": ns, "tids": tids, "ticks": daemon.cpu_ticks(),
                       "sent": sum(sent), "received": sum(received), "own": own.user + own.system}

    start = time.monotonic()
    max_lag = 0.0
    j = 0
    if warm_index == 0:
        mark("begin")
    while j < total:
        now = time.monotonic()
        due = start + j * slot
        if due <= now:
            max_lag = max(max_lag, now - due)
            while j < total and start + j * slot <= now:
                send(j % n)
                j += 1
                if j == warm_index:
                    mark("begin")
            drain(0)
        else:
            drain(due - now)
    # The window ends where the last packet was due to go, one slot after it.
    while time.monotonic() < start + total * slot:
        drain(start + total * slot - time.monotonic())
    mark("end")
    quiet_since = time.monotonic()
    while sum(received) + bad < sum(sent) and time.monotonic() - quiet_since < 0.5:
        if drain(0.05):
            quiet_since = time.monotonic()
    sel.close()
    for k, s in enumerate(streams):
        s["count"] += sent[k]       # the next run of this stream goes on from here
    b, e = marks["begin"], marks["end"]
    wall = e["t"] - b["t"]
    ticks = e["ticks"] - b["ticks"]
    # Run time in ns from schedstat; if a thread came or went in between, the ticks.
    same_threads = b["tids"] == e["tids"]
    cpu = (e["ns"] - b["ns"]) / 1e9 if same_threads else ticks / CLK_TCK
    return {"wall": wall, "cpu": cpu, "ticks": ticks, "same_threads": same_threads,
            "sender_cpu_pct": 100.0 * (e["own"] - b["own"]) / wall,
            "window_sent": e["sent"] - b["sent"], "window_received": e["received"] - b["received"],
            "sent": sent, "received": received, "bad": bad, "max_lag_ms": 1e3 * max_lag,
            "recorded": recorded}


def direction_counts(streams, result):
    out = {}
    for d in ("ab", "ba"):
        ks = [k for k, s in enumerate(streams) if s["dir"] == d]
        out[d] = (sum(result["sent"][k] for k in ks), sum(result["received"][k] for k in ks))
    return out


# ---------------------------------------------------------------- phases ------------

def record_far_payloads(daemon):
    """Warm-up for one daemon: one call per codec pair, 2 s of G.711 from A only; what
    arrives at B, the daemon's own Opus / G.729, is kept for the far side to replay."""
    calls = {name: Calls(daemon, 1, 1, "rec", "transcode", pair) for name, pair in PAIRS.items()}
    try:
        streams = []
        for name, c in calls.items():
            a_to_b = dict(c.streams[0], payloads=g711_payloads(PAIRS[name]["g711"][2]), pair=name)
            streams.append(a_to_b)
        result = paced_load(daemon, streams, 0.0, RECORD_SECONDS, record=True)
    finally:
        for c in calls.values():
            c.close()
    out = {}
    for k, s in enumerate(streams):
        got = result["recorded"][k]
        steps = [(b[1] - a[1]) & 0xFFFFFFFF for a, b in zip(got, got[1:])]
        out[s["pair"]] = {"payloads": [p for p, _ in got], "ts_step": median(steps) if steps else None,
                          "sizes": sorted({len(p) for p, _ in got}), "sent": result["sent"][k]}
    return out


def phase_transcode(daemon, name, far, channels, pool, warm, seconds, tag):
    pair = PAIRS[name]
    calls = Calls(daemon, channels, pool, tag, "transcode", pair)
    g711 = g711_payloads(pair["g711"][2])
    try:
        for s in calls.streams:
            if s["dir"] == "ab":
                s["payloads"] = g711
            else:
                s["payloads"] = far["payloads"]
                s["ts_step"] = int(far["ts_step"])
        result = paced_load(daemon, calls.streams, warm, seconds)
    finally:
        calls.close()
    counts = direction_counts(calls.streams, result)
    delivered = {d: received / max(sent, 1) for d, (sent, received) in counts.items()}
    load = result["cpu"] / result["wall"]
    ok = min(delivered.values()) >= DELIVERED_MIN
    return {"channels_per_core": (channels / load if load > 0 else float("inf")) if ok else None,
            "status": "ok" if ok else ("no output" if max(delivered.values()) < 0.01 else "lossy"),
            "cpu_pct": 100.0 * load, "cpu_s": result["cpu"], "ticks": result["ticks"],
            "same_threads": result["same_threads"], "wall": result["wall"],
            "sent_ab": counts["ab"][0], "recv_b": counts["ab"][1],
            "sent_ba": counts["ba"][0], "recv_a": counts["ba"][1],
            "delivered_ab_pct": 100.0 * delivered["ab"], "delivered_ba_pct": 100.0 * delivered["ba"],
            "bad": result["bad"], "late_ms": result["max_lag_ms"], "sender_cpu_pct": result["sender_cpu_pct"],
            "transcoding": calls.transcoding}


def phase_relay(daemon, count, pool, warm, seconds, slice_seconds, tag, first):
    """count passthrough calls (transcode offered, the offer's codec answered: no chain
    runs) and count plain calls (no codec options), all set up at once; traffic on one set
    at a time, in alternating slices of slice_seconds (first: which set begins), until each
    set had `seconds` measured. Each slice opens after 0.2 s of traffic (the first after
    `warm`), so the switch from one set to the other is not in it. A slow drift of the
    machine (another process's load, the CPU clock) then hits both sets alike."""
    calls = {}
    pcmu = g711_payloads(linear_to_ulaw)
    try:
        for kind in ("passthrough", "plain"):
            calls[kind] = Calls(daemon, count, pool, tag, kind)
            for s in calls[kind].streams:
                s["payloads"] = pcmu
        order = ("passthrough", "plain") if first == "passthrough" else ("plain", "passthrough")
        slices = max(1, int(round(seconds / slice_seconds)))
        totals = {kind: {"cpu": 0.0, "ticks": 0, "same_threads": True, "wall": 0.0, "window_received": 0, "sent": 0, "received": 0, "bad": 0,
                         "late_ms": 0.0, "sender_cpu": 0.0} for kind in order}
        for i in range(slices):
            for kind in order:
                r = paced_load(daemon, calls[kind].streams, warm if i == 0 else 0.2, slice_seconds)
                t = totals[kind]
                t["cpu"] += r["cpu"]
                t["ticks"] += r["ticks"]
                t["same_threads"] = t["same_threads"] and r["same_threads"]
                t["wall"] += r["wall"]
                t["window_received"] += r["window_received"]
                t["sent"] += sum(r["sent"])
                t["received"] += sum(r["received"])
                t["bad"] += r["bad"]
                t["late_ms"] = max(t["late_ms"], r["max_lag_ms"])
                t["sender_cpu"] += r["sender_cpu_pct"] * r["wall"] / 100.0
    finally:
        for c in calls.values():
            c.close()
    row = {}
    for kind, short in (("passthrough", "pt"), ("plain", "plain")):
        t = totals[kind]
        row.update({"%s_us" % short: 1e6 * t["cpu"] / max(t["window_received"], 1),
                    "%s_ticks" % short: t["ticks"], "%s_cpu_pct" % short: 100.0 * t["cpu"] / t["wall"],
                    "%s_received" % short: t["window_received"],
                    "%s_loss_pct" % short: 100.0 * (t["sent"] - t["received"]) / max(t["sent"], 1),
                    "%s_bad" % short: t["bad"], "%s_transcoding" % short: calls[kind].transcoding})
    row["pt_over_plain"] = row["pt_us"] / row["plain_us"] if row["plain_us"] else None
    row["same_threads"] = all(t["same_threads"] for t in totals.values())
    row["slices"] = slices
    row["first"] = first
    row["late_ms"] = max(t["late_ms"] for t in totals.values())
    row["sender_cpu_pct"] = 100.0 * sum(t["sender_cpu"] for t in totals.values()) / sum(t["wall"] for t in totals.values())
    return row


# ---------------------------------------------------------------- report ------------

def cell(rows, field, fmt, unit):
    """Median (min-max) of one figure over the rounds; rounds without it (no figure) are
    counted."""
    values = [r[field] for r in rows if r.get(field) is not None]
    if not values:
        return None, "/".join(sorted({r.get("status", "-") for r in rows})) if rows else "-"
    med = median(values)
    text = fmt.format(med) + " " + unit + spread(values, fmt)
    if len(values) < len(rows):
        text += " [%d of %d rounds]" % (len(values), len(rows))
    return med, text


def report(results, daemons, args):
    ours = daemons[0]
    rounds = max(len(v) for d in daemons for v in results[d.label].values())
    print()
    print("Medians over %d round(s); (min-max) across rounds. Higher channels per core is better; "
          "lower CPU per packet is better." % rounds)
    header = "%-46s %32s %32s %6s" % ("figure", "ours", "reference", "ratio")
    print(header)
    print("-" * len(header))
    sentences = []

    def line(label, phase, field, fmt, unit, ratio=True):
        meds, cells = [], []
        for d in daemons:
            med, text = cell(results[d.label].get(phase, []), field, fmt, unit)
            meds.append(med)
            cells.append(text)
        r = ""
        if ratio and None not in meds and meds[1]:
            r = "%.2f" % (meds[0] / meds[1])
            sentences.append("%s: ours %s %s, reference %s %s, ratio %s"
                             % (label, fmt.format(meds[0]), unit, fmt.format(meds[1]), unit, r))
        print("%-46s %32s %32s %6s" % (label, cells[0], cells[1], r))

    for name, pair in PAIRS.items():
        phase = "tc_" + name
        if phase not in results[ours.label]:
            continue
        lbl = pair["label"]
        line("%s channels per core" % lbl, phase, "channels_per_core", "{:.0f}", "ch")
        line("%s daemon CPU, %d channels" % (lbl, args.channels), phase, "cpu_pct", "{:.1f}", "%", ratio=False)
        line("%s delivered A->B (G.711 in)" % lbl, phase, "delivered_ab_pct", "{:.1f}", "%", False)
        line("%s delivered B->A (G.711 out)" % lbl, phase, "delivered_ba_pct", "{:.1f}", "%", False)
    if "relay" in results[ours.label]:
        line("passthrough (chain idle): CPU per packet", "relay", "pt_us", "{:.2f}", "µs")
        line("plain relay: CPU per packet", "relay", "plain_us", "{:.2f}", "µs")
        line("passthrough / plain (per round)", "relay", "pt_over_plain", "{:.3f}", "", False)
        line("passthrough loss", "relay", "pt_loss_pct", "{:.2f}", "%", False)
        line("plain loss", "relay", "plain_loss_pct", "{:.2f}", "%", False)
    print("(a channel is one call transcoding both ways; ratio = ours / reference: above 1 is better for us "
          "for channels per core, below 1 for CPU per packet)")
    print()
    for text in sentences:
        print(text)
    for d in daemons:
        rows = results[d.label].get("relay", [])
        if rows:
            pt, plain = median([r["pt_us"] for r in rows]), median([r["plain_us"] for r in rows])
            print("%s: passthrough / plain CPU per packet: %.2f µs / %.2f µs = %.3f; per round %s"
                  % (d.label, pt, plain, pt / plain if plain else float("nan"),
                     ", ".join("%.3f" % r["pt_over_plain"] for r in rows if r["pt_over_plain"] is not None)))

    # What came out at the far sides, and anything that makes a figure doubtful.
    print()
    for d in daemons:
        for name, pair in PAIRS.items():
            rows = results[d.label].get("tc_" + name, [])
            if not rows:
                continue
            notes = []
            if any(r["status"] != "ok" for r in rows):
                notes.append("NO FIGURE in %d round(s): %s" % (sum(r["status"] != "ok" for r in rows),
                                                              ", ".join(sorted({r["status"] for r in rows}))))
            if any(r["bad"] for r in rows):
                notes.append("%d packet(s) with an unexpected payload type, size or source"
                             % sum(r["bad"] for r in rows))
            if any(r["transcoding"] is False for r in rows):
                notes.append("its query did not flag the media as transcoding")
            print("%s %s: received at B %d of %d sent by A, at A %d of %d sent by B (all rounds)%s"
                  % (d.label, pair["label"], sum(r["recv_b"] for r in rows), sum(r["sent_ab"] for r in rows),
                     sum(r["recv_a"] for r in rows), sum(r["sent_ba"] for r in rows),
                     "; " + "; ".join(notes) if notes else ""))
        all_rows = [r for phase in results[d.label].values() for r in phase]
        if not all(r["same_threads"] for r in all_rows):
            print("%s: NOTE: a thread came or went during %d window(s): those figures are from "
                  "/proc/PID/stat, to 10 ms" % (d.label, sum(not r["same_threads"] for r in all_rows)))
        rows = results[d.label].get("relay", [])
        if any(r["pt_transcoding"] or r["plain_transcoding"] for r in rows):
            print("%s: NOTE: its query flagged passthrough or plain media as transcoding" % d.label)
        if any(r["pt_bad"] or r["plain_bad"] for r in rows):
            print("%s: NOTE: %d relayed packet(s) with an unexpected payload type, size or source"
                  % (d.label, sum(r["pt_bad"] + r["plain_bad"] for r in rows)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_args(parser, time_limit=420.0)
    parser.add_argument("--channels", type=int, default=30,
                        help="calls transcoding both ways per codec pair (default 30: about half a core for "
                             "the reference's PCMA<->Opus)")
    parser.add_argument("--relay-calls", type=int, default=100,
                        help="calls in each of the passthrough and the plain set, each two streams (default 100)")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="measured seconds per phase, and per set in the passthrough/plain phase (default 10)")
    parser.add_argument("--warm", type=float, default=1.0,
                        help="traffic before a phase's window opens, not measured (default 1)")
    parser.add_argument("--slice", type=float, default=1.0,
                        help="passthrough/plain phase: measured seconds per slice, the sets alternating (default 1)")
    parser.add_argument("--pool", type=int, default=8, help="sockets per side (calls share them round-robin; default 8)")
    parser.add_argument("--quick", action="store_true",
                        help="about a minute: --rounds 2 --seconds 2.5 --warm 0.5 --slice 0.5")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.seconds, args.warm, args.slice = 2, 2.5, 0.5, 0.5

    t_start = time.monotonic()
    print("transcode_bench: nproc %d, load average %s; daemon CPU from /proc/PID/task/*/schedstat"
          % (os.cpu_count(), loadavg()))
    print("ours      %s" % args.ours)
    print("reference %s (--config-file=none)" % args.reference)
    print("rounds %d; %d pps per stream; %d channels per codec pair for %.1f s after %.1f s; passthrough and plain "
          "%d calls each, %.1f s each in slices of %.1f s" % (args.rounds, PPS, args.channels, args.seconds, args.warm,
                                                              args.relay_calls, args.seconds, args.slice))
    recordings = {}

    def warm_up(d):
        recordings[d.label] = rec = record_far_payloads(d)
        phase_relay(d, 2, 1, 0.2, 0.3, 0.3, "warm", "plain")
        for name, r in rec.items():
            print("warm-up %-9s %s: %d of %d G.711 packets came out as %s, payload sizes %s, timestamp step %s"
                  % (d.label, PAIRS[name]["label"], len(r["payloads"]), r["sent"], PAIRS[name]["far"],
                     r["sizes"][:3] + (["..."] if len(r["sizes"]) > 3 else []), r["ts_step"]))

    far = {}

    def phases_of_round(rnd):
        if rnd == 0:
            # One recording for both daemons, so both decode the same frames: the reference's,
            # or ours when the reference emitted too little.
            for name, pair in PAIRS.items():
                for label in ("reference", "ours"):
                    r = recordings.get(label, {}).get(name)
                    if r and len(r["payloads"]) >= MIN_RECORDED and r["ts_step"]:
                        far[name] = r
                        print("the %s side replays the %d payloads recorded from %s's output"
                              % (pair["far"], len(r["payloads"]), label))
                        break
                else:
                    print("NOTE: neither daemon encoded %s in the warm-up: %s not measured"
                          % (pair["far"], pair["label"]))
        tag = "r%d" % rnd
        phases = [("tc_" + name, lambda d, name=name: phase_transcode(d, name, far[name], args.channels, args.pool,
                                                                       args.warm, args.seconds, tag))
                  for name in PAIRS if name in far]
        first = "passthrough" if rnd % 2 == 0 else "plain"
        phases.append(("relay", lambda d: phase_relay(d, args.relay_calls, args.pool, args.warm, args.seconds,
                                                      args.slice, tag, first)))
        return phases

    run_and_report(args, "transcode-bench", t_start, warm_up, phases_of_round, "relay", report)

if __name__ == "__main__":
    main()
