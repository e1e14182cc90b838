#!/usr/bin/python3
"""Relay benchmark: our rtpengine against Debian's upstream rtpengine, side by side.

A benchmark, not a test: it measures and prints, it never passes or fails on a figure.
Both daemons run at once on 127.0.0.1 (different ng ports and media port ranges), each
with --num-threads=1. Every figure is the daemon's own CPU time (utime+stime of the whole
process, all threads, from /proc/PID/stat) taken around a phase, so the load generator's
CPU and the wall clock do not enter it. Phases are run for both daemons in alternating
order for several rounds and the medians are reported. See t/bench/README.md.

Only the processes this script starts are ended, each by its PID.
"""

import argparse
import base64
import json
import os
import re
import selectors
import socket
import struct
import shutil
import subprocess
import sys
import tempfile
import time

from benchlib import (run_and_report, CLK_TCK, RTP_HEADER, Measure, add_common_args, format_row, loadavg,
                      make_peer_socket, median, proc_cpu_ns, proc_cpu_ticks, sdp_port, spread, udp_rcvbuf_errors)

PCMU_PAYLOAD = 160            # 20 ms of PCMU: 172-byte RTP packets


def make_sdp(port, protocol="RTP/AVP", crypto=None):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d %s 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n" % (port, protocol)
            + ("a=crypto:%s\r\n" % crypto if crypto else ""))


# SRTP phases: which suite each side speaks, and how much longer its packets are.
SRTP_TAG_BYTES = {80: 10, 32: 4}
SRTP_SUITE = {80: "AES_CM_128_HMAC_SHA1_80", 32: "AES_CM_128_HMAC_SHA1_32"}


def random_sdes_key():
    return base64.b64encode(os.urandom(30)).decode()


def offered_tag(sdp, suite):
    m = re.search(rb"a=crypto:(\d+) " + suite.encode() + rb" inline:", sdp)
    if not m:
        raise RuntimeError("no %s offered" % suite)
    return int(m.group(1))


# ---------------------------------------------------------------- daemons -----------

# ---------------------------------------------------------------- phases ------------

def phase_idle(daemon, seconds):
    with Measure(daemon) as m:
        time.sleep(seconds)
    return {"idle_ms_per_s": 1e3 * m.cpu / m.wall, "ticks": m.ticks, "precise": m.precise}


def phase_calls(daemon, count, tag):
    """count sequential offer+answer+delete; no media."""
    ng = daemon.ng
    failures = 0
    with Measure(daemon) as m:
        for i in range(count):
            call_id = "calls-%s-%d" % (tag, i)
            port = 40000 + 2 * (i % 1000)
            o = ng.request({"command": "offer", "call-id": call_id, "from-tag": "ft", "sdp": make_sdp(port)})
            a = ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
                            "sdp": make_sdp(port + 2)})
            d = ng.request({"command": "delete", "call-id": call_id, "from-tag": "ft"})
            failures += sum(1 for r in (o, a, d) if r.get("result") != b"ok")
    return {"us_per_call": 1e6 * m.cpu / count, "ticks": m.ticks, "precise": m.precise, "wall": m.wall,
            "calls_per_s_wall": count / m.wall, "failures": failures}


def plain_streams(a, b, a_sends_to, b_sends_to, i):
    """The load generator's two streams of call i, plain RTP: A sends to port a_sends_to
    and its packets reach B from b_sends_to; B sends to b_sends_to, reaching A from
    a_sends_to."""
    plain = RTP_HEADER + PCMU_PAYLOAD
    return [{"send": a.fileno(), "dst": a_sends_to, "recv": b.fileno(), "src": b_sends_to,
             "ssrc": 0x10000000 + 2 * i, "expect_len": plain},
            {"send": b.fileno(), "dst": b_sends_to, "recv": a.fileno(), "src": a_sends_to,
             "ssrc": 0x10000001 + 2 * i, "expect_len": plain}]


def setup_media_calls(daemon, count, pool_size, tag, srtp=None):
    """count calls whose A and B sides use a small pool of sockets.

    Returns (sockets, streams, call_ids); each call gives two streams: A -> B (A sends to
    the port in the answer reply, arrives at B from the port in the offer reply) and B -> A.
    srtp: None (plain RTP both sides), "rtp-srtp" (A plain, B SDES-SRTP through
    transport-protocol: the daemon protects A's packets and unprotects B's), "rekey" (both
    SRTP with their own keys and suites, _80 and _32: the daemon unprotects and protects
    every packet) or "plain-busy" (plain RTP, but the sender does the re-keying phase's
    libsrtp work per packet and throws it away: our plain relay at the SRTP phases' pace).
    """
    pool = max(1, min(pool_size, count))
    a_socks = [make_peer_socket() for _ in range(pool)]
    b_socks = [make_peer_socket() for _ in range(pool)]
    streams, call_ids = [], []
    for i in range(count):
        a, b = a_socks[i % pool], b_socks[i % pool]
        call_id = "media-%s-%d" % (tag, i)
        key_a, key_b = random_sdes_key(), random_sdes_key()
        offer = {"command": "offer", "call-id": call_id, "from-tag": "ft", "sdp": make_sdp(a.getsockname()[1])}
        if srtp == "rtp-srtp":
            offer["transport-protocol"] = "RTP/SAVP"
        elif srtp == "rekey":
            offer["sdp"] = make_sdp(a.getsockname()[1], "RTP/SAVP", "1 %s inline:%s" % (SRTP_SUITE[80], key_a))
        o = daemon.ng.request(offer)
        if o.get("result") != b"ok":
            raise RuntimeError("%s offer failed: %r" % (daemon.label, o))
        answer_sdp = make_sdp(b.getsockname()[1])
        b_suite = 80 if srtp == "rtp-srtp" else 32
        if srtp in ("rtp-srtp", "rekey"):
            # B takes a line of the daemon's (not A's own), so its keys differ from A's.
            answer_sdp = make_sdp(b.getsockname()[1], "RTP/SAVP", "%d %s inline:%s" % (
                offered_tag(o["sdp"], SRTP_SUITE[b_suite]), SRTP_SUITE[b_suite], key_b))
        r = daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
                               "sdp": answer_sdp})
        if r.get("result") != b"ok":
            raise RuntimeError("%s answer failed: %r" % (daemon.label, r))
        call_ids.append(call_id)
        to_b_side = sdp_port(o["sdp"])   # B sends here; A's packets reach B from here
        to_a_side = sdp_port(r["sdp"])   # A sends here; B's packets reach A from here
        plain = RTP_HEADER + PCMU_PAYLOAD
        a_to_b, b_to_a = plain_streams(a, b, to_a_side, to_b_side, i)
        if srtp == "plain-busy":
            a_to_b["busy_srtp"] = {"key": key_a, "suite": 80}
            b_to_a["busy_srtp"] = {"key": key_b, "suite": 32}
        elif srtp:
            a_to_b["expect_len"] = plain + SRTP_TAG_BYTES[b_suite]
            b_to_a["srtp"] = {"key": key_b, "suite": b_suite}
        if srtp == "rekey":
            a_to_b["srtp"] = {"key": key_a, "suite": 80}
            b_to_a["expect_len"] = plain + SRTP_TAG_BYTES[80]
        streams += [a_to_b, b_to_a]
    return a_socks + b_socks, streams, call_ids


def teardown_media_calls(daemon, sockets, call_ids):
    for call_id in call_ids:
        try:
            daemon.ng.request({"command": "delete", "call-id": call_id, "from-tag": "ft"})
        except TimeoutError:
            pass
    for s in sockets:
        s.close()


def run_helper(daemon, sockets, config, timeout):
    """Runs the load generator in its own process (its CPU is its own) around a Measure."""
    fds = [s.fileno() for s in sockets]
    helper = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--_helper"], pass_fds=fds,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        helper.stdin.write(json.dumps(config) + "\n")
        helper.stdin.flush()
        if helper.stdout.readline().strip() != "ready":
            raise RuntimeError("load generator did not start")
        drops0 = udp_rcvbuf_errors()
        with Measure(daemon) as m:
            helper.stdin.write("go\n")
            helper.stdin.flush()
            line = helper.stdout.readline()
        m.rcvbuf_drops = udp_rcvbuf_errors() - drops0
        if not line:
            raise RuntimeError("load generator ended without a result")
        helper.wait(timeout)
        return json.loads(line), m
    finally:
        if helper.poll() is None:
            helper.kill()           # by its PID, via Popen
            helper.wait()


def phase_paced(daemon, calls, seconds, pps, pool, tag):
    sockets, streams, call_ids = setup_media_calls(daemon, calls, pool, tag)
    try:
        result, m = run_helper(daemon, sockets, {"mode": "paced", "seconds": seconds, "pps": pps,
                                                 "streams": streams}, timeout=seconds + 30)
    finally:
        teardown_media_calls(daemon, sockets, call_ids)
    sent, received = sum(result["sent"]), sum(result["received"])
    return {"us_per_packet": 1e6 * m.cpu / max(received, 1), "ticks": m.ticks, "precise": m.precise, "sent": sent,
            "received": received, "loss_pct": 100.0 * (sent - received) / max(sent, 1),
            "misrouted": result["misrouted"], "rcvbuf_drops": m.rcvbuf_drops, "late_ms": result["max_lag_ms"],
            "sender_cpu_pct": 100.0 * result["cpu"] / result["wall"]}


def phase_max(daemon, streams_wanted, seconds, window, tag, srtp=None):
    calls = max(1, (streams_wanted + 1) // 2)
    sockets, streams, call_ids = setup_media_calls(daemon, calls, calls, tag, srtp)
    streams = streams[:streams_wanted]
    try:
        result, m = run_helper(daemon, sockets, {"mode": "max", "seconds": seconds, "window": window,
                                                 "streams": streams}, timeout=seconds + 30)
    finally:
        teardown_media_calls(daemon, sockets, call_ids)
    sent, received = sum(result["sent"]), sum(result["received"])
    return {"pps": received / result["wall"], "us_per_packet": 1e6 * m.cpu / max(received, 1),
            "ticks": m.ticks, "precise": m.precise, "sent": sent, "received": received,
            "loss_pct": 100.0 * (sent - received) / max(sent, 1), "misrouted": result["misrouted"],
            "rcvbuf_drops": m.rcvbuf_drops, "stalls": result["stalls"], "daemon_cpu_pct": 100.0 * m.cpu / m.wall,
            "sender_cpu_pct": 100.0 * result["cpu"] / result["wall"]}


# ---------------------------------------------------------------- the floor ---------

def build_bare_relay(workdir):
    """Compiles bare_relay.c; returns (binary, modes): io_uring too when liburing is there."""
    binary = os.path.join(workdir, "bare_relay")
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bare_relay.c")
    uring = os.path.exists("/usr/include/liburing.h")
    subprocess.run(["cc", "-O2", "-Wall", "-o", binary, source] + (["-DHAVE_LIBURING", "-luring"] if uring else []),
                   check=True)
    return binary, ["epoll", "uring"] if uring else ["epoll"]


class BareRelay:
    """bare_relay running for one phase; enough of BenchDaemon for Measure."""

    def __init__(self, binary, mode, peer_ports):
        self.label = "bare-" + mode
        self.proc = subprocess.Popen([binary, mode] + ["%d:%d" % p for p in peer_ports], stdout=subprocess.PIPE,
                                     text=True, start_new_session=True)
        self.ports = []
        for line in self.proc.stdout:
            if line.strip() == "ready":
                return
            self.ports.append(tuple(int(w) for w in line.split()))
        raise RuntimeError("bare_relay %s did not start" % mode)

    def cpu_ticks(self):
        return proc_cpu_ticks(self.proc.pid)

    def cpu_ns(self):
        return proc_cpu_ns(self.proc.pid)

    def stop(self):
        self.proc.kill()        # by its PID, via Popen
        self.proc.wait()


def phase_bare(binary, mode, paced, args):
    """The paced or the max-rate phase, with the same load as the daemons get, through
    bare_relay: what a relay that only moves datagrams costs here."""
    calls = args.streams if paced else max(1, (args.max_streams + 1) // 2)
    pool = max(1, min(args.pool if paced else calls, calls))
    a_socks = [make_peer_socket() for _ in range(pool)]
    b_socks = [make_peer_socket() for _ in range(pool)]
    peers = [(a_socks[i % pool], b_socks[i % pool]) for i in range(calls)]
    relay = BareRelay(binary, mode, [(a.getsockname()[1], b.getsockname()[1]) for a, b in peers])
    try:
        streams = []
        for i, ((a, b), (x, y)) in enumerate(zip(peers, relay.ports)):
            streams += plain_streams(a, b, x, y, i)
        if paced:
            config = {"mode": "paced", "seconds": args.seconds, "pps": args.pps, "streams": streams}
        else:
            config = {"mode": "max", "seconds": args.seconds, "window": args.window,
                      "streams": streams[:args.max_streams]}
        result, m = run_helper(relay, a_socks + b_socks, config, timeout=args.seconds + 30)
    finally:
        relay.stop()
        for s in a_socks + b_socks:
            s.close()
    sent, received = sum(result["sent"]), sum(result["received"])
    return {"us_per_packet": 1e6 * m.cpu / max(received, 1), "loss_pct": 100.0 * (sent - received) / max(sent, 1)}


def report_floor(args, results, daemons):
    """Runs bare_relay through the paced and max-rate phases (args.rounds rounds, modes
    alternating), adds its rows to results (as "bare-epoll" and "bare-uring", for --json)
    and sets its figures beside the daemons' medians."""
    workdir = tempfile.mkdtemp(prefix="relay-bench-floor-")
    try:
        binary, modes = build_bare_relay(workdir)
        for mode in modes:
            results["bare-" + mode] = {"paced": [], "max": []}
        for rnd in range(args.rounds):
            for phase in ("paced", "max"):
                for mode in (modes if rnd % 2 == 0 else modes[::-1]):
                    row = phase_bare(binary, mode, phase == "paced", args)
                    results["bare-" + mode][phase].append(row)
                    print("  floor round %d %-6s %-5s %s" % (rnd + 1, phase, mode, format_row(row)), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    print("The floor: bare_relay (t/bench/bare_relay.c), only moving datagrams, under the same load;")
    print("medians over %d round(s), (min-max). ours/bare above 1 is what our pipeline adds; bare/reference is"
          % args.rounds)
    print("the best ratio against the reference that any userspace socket relay reaches on this machine.")
    header = "%-28s %-6s %26s %10s %15s" % ("figure", "mode", "bare", "ours/bare", "bare/reference")
    print(header)
    print("-" * len(header))
    for phase, label in (("paced", "CPU per packet (%d pps)" % args.pps), ("max", "CPU per packet (max rate)")):
        ours = median([r["us_per_packet"] for r in results[daemons[0].label].get(phase, [])])
        ref = median([r["us_per_packet"] for r in results[daemons[1].label].get(phase, [])])
        for mode in modes:
            values = [r["us_per_packet"] for r in results["bare-" + mode][phase]]
            bare = median(values)
            print("%-28s %-6s %26s %10.2f %15.2f" % (label, mode, "%.2f µs%s" % (bare, spread(values, "{:.2f}")),
                                                     ours / bare, bare / ref))
        lossy = [r for mode in modes for r in results["bare-" + mode][phase] if r["loss_pct"] > 1.0]
        if lossy:
            print("  NOTE: %d floor round(s) of %s lost more than 1%%" % (len(lossy), phase))


# ---------------------------------------------------------------- load generator ----

def helper_main():
    """Separate process: sends RTP on the inherited sockets, counts what comes back."""
    config = json.loads(sys.stdin.readline())
    specs = config["streams"]
    socks = {}
    for fd in {s["send"] for s in specs} | {s["recv"] for s in specs}:
        socks[fd] = socket.socket(fileno=fd)
        socks[fd].setblocking(False)
    n = len(specs)
    send_sock = [socks[s["send"]] for s in specs]
    dst = [("127.0.0.1", s["dst"]) for s in specs]
    by_source = {(s["recv"], s["src"]): k for k, s in enumerate(specs)}
    protectors = [None] * n
    for k, s in enumerate(specs):
        spec = s.get("srtp") or s.get("busy_srtp")
        if spec:
            import pylibsrtp  # only the SRTP phases need it (Debian's python3-pylibsrtp)
            profile = (pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_80 if spec["suite"] == 80
                       else pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_32)
            session = pylibsrtp.Session(policy=pylibsrtp.Policy(
                key=base64.b64decode(spec["key"]), srtp_profile=profile,
                ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND))
            if s.get("srtp"):
                protectors[k] = session.protect
            else:
                # The work, not its result: the plain packet goes out.
                protectors[k] = lambda data, protect=session.protect: (protect(data), data)[1]
    expect_len = [s.get("expect_len", RTP_HEADER + PCMU_PAYLOAD) for s in specs]
    packets = []
    for s in specs:
        buf = bytearray(RTP_HEADER + PCMU_PAYLOAD)
        buf[0], buf[1] = 0x80, 0x00     # RTP v2, PT 0 (PCMU)
        buf[RTP_HEADER:] = b"\xff" * PCMU_PAYLOAD
        struct.pack_into("!I", buf, 8, s["ssrc"])
        packets.append(buf)
    sent = [0] * n
    received = [0] * n
    misrouted = 0
    sel = selectors.DefaultSelector()
    for fd in {s["recv"] for s in specs}:
        sel.register(socks[fd], selectors.EVENT_READ, fd)
    pack_into = struct.pack_into

    def send(k):
        seq = sent[k]
        pack_into("!HI", packets[k], 2, seq & 0xffff, (seq * PCMU_PAYLOAD) & 0xffffffff)
        try:
            protect = protectors[k]
            send_sock[k].sendto(protect(bytes(packets[k])) if protect else packets[k], dst[k])
        except (BlockingIOError, ConnectionRefusedError):
            return False
        sent[k] = seq + 1
        return True

    def drain(timeout):
        nonlocal misrouted
        got = 0
        for key, _ in sel.select(timeout):
            sock, fd = key.fileobj, key.data
            while True:
                try:
                    data, source = sock.recvfrom(2048)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                k = by_source.get((fd, source[1]))
                if k is None or len(data) != expect_len[k]:
                    misrouted += 1
                else:
                    received[k] += 1
                got += 1
        return got

    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    cpu0, start = os.times(), time.monotonic()
    seconds = config["seconds"]
    max_lag = 0.0
    stalls = 0
    if config["mode"] == "paced":
        # Stream k sends its j-th packet at start + j/pps + k/(pps*n): evenly spread, no bursts.
        per_stream = int(round(config["pps"] * seconds))
        total = per_stream * n
        slot = 1.0 / (config["pps"] * n)
        j = 0
        while j < total:
            now = time.monotonic()
            due = start + j * slot
            if due <= now:
                max_lag = max(max_lag, now - due)
                while j < total and start + j * slot <= now:
                    send(j % n)
                    j += 1
                drain(0)
            else:
                drain(due - now)
    else:
        # As fast as this process can, but with at most `window` packets of a stream in
        # flight, so that no socket buffer overflows and the count stays meaningful.
        # A stream is refilled only once all its packets are back: refilling while the
        # daemon is still reading that socket would keep its read loop going, and upstream
        # mutes a socket whose read loop runs past 50 packets too often.
        window = config["window"]
        written_off = [0] * n
        end = start + seconds
        while time.monotonic() < end:
            progressed = False
            for k in range(n):
                if sent[k] - received[k] - written_off[k] > 0:
                    continue
                for _ in range(window):
                    if not send(k):
                        break
                    progressed = True
            if not progressed and drain(0.1) == 0:
                # Nothing came back for 100 ms: count what is in flight as lost, do not stall.
                written_off = [sent[k] - received[k] for k in range(n)]
                stalls += 1
            elif progressed:
                drain(0)
    send_end = time.monotonic()
    # Collect stragglers: until everything arrived or 0.3 s without any packet.
    quiet_since = time.monotonic()
    while sum(received) + misrouted < sum(sent) and time.monotonic() - quiet_since < 0.3:
        if drain(0.05):
            quiet_since = time.monotonic()
    cpu1 = os.times()
    print(json.dumps({"sent": sent, "received": received, "misrouted": misrouted,
                      "wall": send_end - start, "max_lag_ms": 1e3 * max_lag, "stalls": stalls,
                      "cpu": (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)}), flush=True)


# ---------------------------------------------------------------- report ------------

FIGURES = [
    # key, phase, field, label, unit, format, ratio meaningful
    ("idle", "idle", "idle_ms_per_s", "idle CPU", "ms/s", "{:.2f}", False),
    ("call", "calls", "us_per_call", "CPU per call (offer+answer+delete)", "µs", "{:.0f}", True),
    ("paced", "paced", "us_per_packet", "CPU per packet (%(pps)s pps)", "µs", "{:.2f}", True),
    ("paced_loss", "paced", "loss_pct", "loss (%(pps)s pps)", "%", "{:.3f}", False),
    ("max_pps", "max", "pps", "max rate relayed", "pkt/s", "{:.0f}", True),
    ("max_cpu", "max", "us_per_packet", "CPU per packet (max rate)", "µs", "{:.2f}", True),
    ("max_loss", "max", "loss_pct", "loss (max rate)", "%", "{:.3f}", False),
    ("max_dcpu", "max", "daemon_cpu_pct", "daemon CPU use at max rate", "%", "{:.0f}", False),
    ("max_scpu", "max", "sender_cpu_pct", "sender CPU use at max rate", "%", "{:.0f}", False),
    ("rtp_srtp_cpu", "max_rtp_srtp", "us_per_packet", "CPU per packet, RTP<->SRTP (max rate)", "µs", "{:.2f}", True),
    ("rtp_srtp_loss", "max_rtp_srtp", "loss_pct", "loss, RTP<->SRTP", "%", "{:.3f}", False),
    ("rekey_cpu", "max_rekey", "us_per_packet", "CPU per packet, SRTP<->SRTP re-keying", "µs", "{:.2f}", True),
    ("rekey_loss", "max_rekey", "loss_pct", "loss, SRTP<->SRTP re-keying", "%", "{:.3f}", False),
    ("busy_cpu", "max_plain_busy", "us_per_packet", "CPU per packet, plain at the SRTP pace", "µs", "{:.2f}", True),
]


def report(results, daemons, args):
    ours, ref = daemons
    names = {"pps": args.pps}
    print()
    print("Medians over %d round(s); (min-max) across rounds. Lower CPU is better; higher pkt/s is better."
          % len(results[ours.label]["calls"]))
    header = "%-36s %30s %30s %6s" % ("figure", "ours", "reference", "ratio")
    print(header)
    print("-" * len(header))
    ratios = []
    for key, phase, field, label, unit, fmt, has_ratio in FIGURES:
        label = label % names
        cells, meds = [], []
        for d in daemons:
            values = [r[field] for r in results[d.label].get(phase, [])]
            if not values:
                cells.append("-")
                meds.append(None)
                continue
            med = median(values)
            meds.append(med)
            cell = (fmt.format(med) + " " + unit + spread(values, fmt))
            rows = results[d.label][phase]
            coarse = median([r["ticks"] for r in rows]) < 20 and not all(r.get("precise") for r in rows)
            if phase != "idle" and field not in ("loss_pct", "sender_cpu_pct") and coarse:
                cell += " *"
            cells.append(cell)
        ratio = ""
        if has_ratio and None not in meds and meds[1]:
            ratio = "%.2f" % (meds[0] / meds[1])
            ratios.append("%s: ours %s %s, reference %s %s, ratio %s"
                          % (label, fmt.format(meds[0]), unit, fmt.format(meds[1]), unit, ratio))
        print("%-36s %30s %30s %6s" % (label, cells[0], cells[1], ratio))
    print("(* fewer than 20 clock ticks of daemon CPU in the median round, and a thread came or went: coarse, scale the phase up)")
    print()
    for line in ratios:
        print(line)
    # SRTP against our own plain relay: at the plain phase's pace, and at the SRTP phases'
    # (the sender doing the same libsrtp work per packet), which is the fair comparison.
    for baseline, what in (("max", "plain relay"), ("max_plain_busy", "plain relay at the SRTP pace")):
        plain = [r["us_per_packet"] for r in results[ours.label].get(baseline, [])]
        for phase, label in (("max_rtp_srtp", "RTP<->SRTP"), ("max_rekey", "SRTP<->SRTP re-keying")):
            values = [r["us_per_packet"] for r in results[ours.label].get(phase, [])]
            if values and plain:
                print("%s CPU per packet against our %s: ours %.2f µs / %.2f µs = %.2f"
                      % (label, what, median(values), median(plain), median(values) / median(plain)))

    # Who limited the max-rate phase?
    print()
    for d in daemons:
        rows = results[d.label].get("max", [])
        if not rows:
            continue
        dcpu = median([r["daemon_cpu_pct"] for r in rows])
        scpu = median([r["sender_cpu_pct"] for r in rows])
        if dcpu >= 90:
            verdict = "the daemon was saturated (~one core busy): pkt/s is its relay capacity here"
        elif scpu >= 90:
            verdict = ("NOTE: the sender is the bottleneck (sender %.0f%% of a core, daemon %.0f%%): "
                       "pkt/s is a lower bound for the daemon, CPU per packet is still valid" % (scpu, dcpu))
        else:
            verdict = ("NOTE: neither the sender (%.0f%%) nor the daemon (%.0f%%) used a whole core: "
                       "the machine is contended; pkt/s is a lower bound" % (scpu, dcpu))
        print("max rate, %s: %s" % (d.label, verdict))
        lossy = [r for r in rows if r["loss_pct"] > 1.0]
        if lossy:
            print("max rate, %s: NOTE: %d of %d round(s) lost more than 1%% (worst %.1f%%, %d stall(s) of 100 ms): "
                  "the daemon stopped reading a stream; pkt/s of those rounds is not comparable "
                  "(see what it logged below)" % (d.label, len(lossy), len(rows),
                                                  max(r["loss_pct"] for r in lossy), sum(r["stalls"] for r in lossy)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_args(parser, time_limit=540.0)
    parser.add_argument("--calls", type=int, default=500, help="offer+answer+delete per round (default 500)")
    parser.add_argument("--streams", type=int, default=50,
                        help="calls with media in the paced phase, each two streams (default 50)")
    parser.add_argument("--pps", type=int, default=50, help="packets/s per stream in the paced phase (default 50)")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="duration of the paced and of the max-rate phase (default 10)")
    parser.add_argument("--max-streams", type=int, default=4, help="streams in the max-rate phase (default 4)")
    parser.add_argument("--window", type=int, default=16,
                        help="max-rate phase: burst per stream, refilled when all back (default 16; upstream reads "
                             "at most 50 packets per socket wake-up and mutes a socket that exceeds that repeatedly)")
    parser.add_argument("--idle-seconds", type=float, default=2.0, help="idle measurement per round (default 2)")
    parser.add_argument("--pool", type=int, default=8, help="sockets per side in the paced phase (default 8)")
    parser.add_argument("--quick", action="store_true",
                        help="about 30 s: --calls 200 --streams 10 --seconds 1.5 --idle-seconds 0.5")
    parser.add_argument("--no-floor", action="store_true",
                        help="skip the floor: bare_relay.c (needs cc) through the paced and max-rate phases")
    parser.add_argument("--no-srtp", action="store_true",
                        help="skip the SRTP phases (they need Debian's python3-pylibsrtp for the load generator)")
    args = parser.parse_args()
    if args.quick:
        args.calls, args.streams, args.seconds, args.idle_seconds = 200, 10, 1.5, 0.5

    t_start = time.monotonic()
    print("relay_bench: nproc %d, clock ticks %d/s (CPU resolution %.0f ms), load average %s"
          % (os.cpu_count(), CLK_TCK, 1e3 / CLK_TCK, loadavg()))
    print("ours      %s" % args.ours)
    print("reference %s (--config-file=none)" % args.reference)
    print("rounds %d, calls %d, paced %d calls x 2 streams at %d pps for %.1f s, max rate %d streams for %.1f s"
          % (args.rounds, args.calls, args.streams, args.pps, args.seconds, args.max_streams, args.seconds))

    def warm_up(d):
        # Not measured: first calls, first packets.
        phase_calls(d, 20, "warm")
        phase_max(d, 2, 0.3, args.window, "warm")

    def phases_of_round(rnd):
        phases = [("idle", lambda d: phase_idle(d, args.idle_seconds))] if args.idle_seconds > 0 else []
        phases += [
            ("calls", lambda d: phase_calls(d, args.calls, "r%d" % rnd)),
            ("paced", lambda d: phase_paced(d, args.streams, args.seconds, args.pps, args.pool, "r%d" % rnd)),
            ("max", lambda d: phase_max(d, args.max_streams, args.seconds, args.window, "r%d" % rnd)),
        ]
        if not args.no_srtp:
            phases += [
                ("max_rtp_srtp", lambda d: phase_max(d, args.max_streams, args.seconds, args.window,
                                                     "s%d" % rnd, "rtp-srtp")),
                ("max_rekey", lambda d: phase_max(d, args.max_streams, args.seconds, args.window,
                                                  "k%d" % rnd, "rekey")),
                ("max_plain_busy", lambda d: phase_max(d, args.max_streams, args.seconds, args.window,
                                                       "p%d" % rnd, "plain-busy")),
            ]
        return phases

    run_and_report(args, "relay-bench", t_start, warm_up, phases_of_round, "calls", report,
                   after=None if args.no_floor else lambda results, daemons: report_floor(args, results, daemons))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--_helper":
        helper_main()
    else:
        main()
