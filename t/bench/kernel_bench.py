#!/usr/bin/python3
"""Kernel forwarding benchmark: CPU per forwarded packet with the streams in the kernel
(xt_RTPENGINE) against our userspace relay, measured in the same qemu guest.

Builds the module, the iptables plugin and the guest program t/kernel/guest/kbench.c,
packs the t/kernel initramfs with t/kernel/guest/bench.sh as /init and boots Debian's
kernel in qemu (t/kernel/harness.py). The guest runs, per round and with the same
offered load, our daemon with --table=-1 (userspace), our daemon with --table=0 and the
iptables rule (kernel), and the same packets with no relay at all (sink, the baseline),
and prints KBENCH lines; this script reads them and prints the figures. It is a
benchmark, not a test: it never fails on a figure. See t/bench/README.md.

Under TCG (the default: no KVM) every guest CPU time is emulated time, many times the
native cost and skewed differently for different code: only the ratio kernel/userspace
means anything, not the microseconds.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "t", "kernel"))
import harness  # noqa: E402

GUEST = os.path.join(REPO, "t", "kernel", "guest")
MODES = ("user", "kernel", "sink")
CLK_TCK_HOST = os.sysconf("SC_CLK_TCK")
QUIET = 0.25  # cores of other load on the host under which a phase counts as undisturbed


def build_kbench(work):
    out = os.path.join(work, "kbench")
    harness.run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter",
                 "-I" + os.path.join(REPO, "kernel-module"), "-o", out, os.path.join(GUEST, "kbench.c")])
    return out


def qemu_cpu_ns(pid):
    """CPU time of the qemu process, all its threads (vCPUs and I/O), in ns: the sum of
    each thread's sum_exec_runtime from /proc/PID/task/*/schedstat (exact, where
    /proc/PID/stat has 10 ms ticks)."""
    total = 0
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                    total += int(f.read().split()[0])
            except (OSError, IndexError, ValueError):
                pass  # a thread that just ended
    except OSError:
        return None
    return total


def host_busy_ns():
    """Busy CPU time of the whole host, all CPUs, ns (from /proc/stat's cpu line)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 1e9 / CLK_TCK_HOST


def boot_and_collect(args, work):
    built = harness.build(work)
    kbench = build_kbench(work)
    vmlinuz, moddir = harness.fetch_kernel(built["kver"])
    conf = os.path.join(work, "bench.conf")
    with open(conf, "w") as f:
        f.write("ROUNDS=%d\nCALLS=%d\nRATE=%d\nDURATION=%d\n" % (args.rounds, args.calls, args.rate, args.seconds))
    image = harness.make_initramfs(work, built, moddir, init=os.path.join(GUEST, "bench.sh"),
                                   extra={"/bin/kbench": kbench, "/bench.conf": conf})
    cmd, accel = harness.qemu_cmd(vmlinuz, image)
    cmd[cmd.index("-smp") + 1] = str(args.smp)
    # the guest's own run time, generously: boot, and per phase a daemon start, the calls,
    # the warm-up (up to 10 s waiting for the kernel targets) and the sending window
    timeout = args.timeout or 240 + args.rounds * 3 * (args.seconds + 40)
    print("booting the guest (%s, %d vCPUs): %d rounds x 3 phases of %d s, %d calls, %d pkt/s; up to %d s"
          % (accel, args.smp, args.rounds, args.seconds, args.calls, args.rate, timeout), flush=True)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    timer = threading.Timer(timeout, proc.kill)  # the qemu we started, by its pid
    timer.start()
    marks, results, errors, console = {}, [], [], []
    try:
        for raw in proc.stdout:
            line = raw.decode(errors="replace").replace("\r", "").rstrip("\n")
            console.append(line)
            if not line.startswith("KBENCH "):
                continue
            words = line.split()
            if words[1] == "MARK" and len(words) >= 5:
                # taken as the line arrives: the guest prints it right before (begin) or
                # after (end) its /proc/stat reading
                marks[(words[2], words[3], int(words[4]))] = (qemu_cpu_ns(proc.pid), host_busy_ns(),
                                                              time.monotonic())
            elif words[1] == "RESULT":
                r = dict(w.split("=", 1) for w in words[2:] if "=" in w)
                r = {k: (v if k == "mode" else int(v)) for k, v in r.items()}
                results.append(r)
                print("  round %d %-6s recv %d/%d, guest busy %.0f ticks, %.0f s since boot"
                      % (r["round"], r["mode"], r["recv"], r["sent"], busy(r), time.monotonic() - start),
                      flush=True)
            elif words[1] in ("ERROR", "DAEMONLOG", "DMESG"):
                errors.append(line)
                print("  " + line, flush=True)
            elif words[1] in ("START", "END"):
                print("  " + line, flush=True)
        proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with open(os.path.join(work, "console.log"), "w") as f:
        f.write("\n".join(console) + "\n")
    if not any(l.startswith("KBENCH END") for l in console):
        errors.append("the guest did not finish (timeout %d s or a crash); console log in %s"
                      % (timeout, os.path.join(work, "console.log")))
    for r in results:
        b, e = marks.get(("begin", r["mode"], r["round"])), marks.get(("end", r["mode"], r["round"]))
        r["qemu_ns"] = r["host_other_load"] = None
        if b and e and b[0] is not None and e[0] is not None:
            r["qemu_ns"] = e[0] - b[0]
            # what the rest of the host did meanwhile, in cores (the 2-core box is shared)
            r["host_other_load"] = ((e[1] - b[1]) - (e[0] - b[0])) / 1e9 / (e[2] - b[2])
    return results, errors, accel, time.monotonic() - start


def busy(r):
    """Guest CPU time that was not idle, all CPUs, in the guest's ticks: the window's
    length times the CPUs minus idle and iowait. The guest's kernel measures idle time
    (NO_HZ: from the clock, at each entry to and exit from idle), while it only samples the
    busy columns with its tick, and under TCG a tick that comes late (the host had the
    vCPU's thread descheduled) still counts as one: the busy columns lose time when the
    host is busy, the idle one does not."""
    return r["ncpus"] * r["stat_us"] * r["clk_tck"] / 1e6 - r["cpu_idle"] - r["cpu_iowait"]


def sampled(r):
    """The busy columns of /proc/stat as they are: tick-sampled."""
    return sum(r["cpu_" + k] for k in ("user", "nice", "system", "irq", "softirq", "steal"))


def per_round(results):
    """Figures per round: {round: {mode: {...}}}."""
    rounds = {}
    for r in results:
        recv = r["recv"]
        if recv <= 0:
            continue
        tick_us = 1e6 / r["clk_tck"]
        total = r["ncpus"] * r["stat_us"] * r["clk_tck"] / 1e6
        f = {
            "busy_us": busy(r) * tick_us / recv,
            "sampled_us": sampled(r) * tick_us / recv,
            "softirq_us": r["cpu_softirq"] * tick_us / recv,
            "system_us": r["cpu_system"] * tick_us / recv,
            "user_us": (r["cpu_user"] + r["cpu_nice"]) * tick_us / recv,
            "guest_load": 100.0 * busy(r) / total if total else 0.0,
            "busy_ticks": busy(r),
            "loss": 100.0 * (r["sent"] - recv) / r["sent"] if r["sent"] else 0.0,
            "misrouted": r["misrouted"],
            "late_ms": r["late_ms"],
            "recv": recv,
        }
        if r["daemon"] >= 0:
            f["daemon_us"] = r["daemon"] * tick_us / recv
        if r.get("qemu_ns") is not None:
            f["qemu_us"] = r["qemu_ns"] / 1e3 / recv
            f["host_other_load"] = r["host_other_load"]
        if r["mode"] == "kernel":
            f["kernel_share"] = 100.0 * r["kernel_fwd"] / recv
            f["targets"] = r["targets"]
        rounds.setdefault(r["round"], {})[r["mode"]] = f
    # the relay's own cost: what the relay mode costs per packet over the sink baseline
    for modes in rounds.values():
        base = modes.get("sink")
        for m in ("user", "kernel"):
            if base and m in modes:
                modes[m]["relay_us"] = modes[m]["busy_us"] - base["busy_us"]
                if "qemu_us" in modes[m] and "qemu_us" in base:
                    modes[m]["relay_qemu_us"] = modes[m]["qemu_us"] - base["qemu_us"]
        if "user" in modes and "kernel" in modes:
            u, k = modes["user"], modes["kernel"]
            modes["ratio"] = {}
            for key in ("relay_us", "relay_qemu_us", "busy_us"):
                if key in u and key in k and u[key] > 0:
                    modes["ratio"][key] = k[key] / u[key]
    return rounds


def med(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


def fmt(m, digits=1):
    if m is None:
        return "-"
    v, lo, hi = m
    return "%.*f (%.*f-%.*f)" % (digits, v, digits, lo, digits, hi)


ROWS = [
    ("relay CPU per packet, guest (µs)", "relay_us", 1),
    ("relay CPU per packet, host qemu (µs)", "relay_qemu_us", 1),
    ("guest busy CPU per packet (µs)", "busy_us", 1),
    ("  tick-sampled busy columns (µs)", "sampled_us", 1),
    ("    of them softirq (µs)", "softirq_us", 1),
    ("    of them system (µs)", "system_us", 1),
    ("    of them user (µs)", "user_us", 1),
    ("daemon process CPU per packet (µs)", "daemon_us", 1),
    ("host qemu CPU per packet (µs)", "qemu_us", 1),
    ("guest load (% of its vCPUs)", "guest_load", 1),
    ("other load on the host (cores)", "host_other_load", 2),
    ("loss (%)", "loss", 2),
    ("forwarded in the kernel (%)", "kernel_share", 1),
]


def report(rounds, args, accel, errors):
    print()
    print("Kernel forwarding against the userspace relay: %d calls (%d streams), %d pkt/s in all, %d s per phase, "
          "%d round(s), accel %s, %d vCPU(s)" % (args.calls, 2 * args.calls, args.rate, args.seconds, len(rounds), accel,
                                                  getattr(args, "smp", 2)))
    print("Medians over the rounds, (min-max). 'relay' = that mode's per-packet figure minus the sink's of the "
          "same round.\nA round is quiet when the host's other load stayed under %.2f cores in all three phases."
          % QUIET)
    print()
    w = 38
    print("%-*s %-22s %-22s %-22s" % (w, "figure", "user (--table=-1)", "kernel (--table=0)", "sink (no relay)"))
    for label, key, digits in ROWS:
        cells = [fmt(med([rounds[r][m].get(key) for r in rounds if m in rounds[r]]), digits) for m in MODES]
        if all(c == "-" for c in cells):
            continue
        print("%-*s %-22s %-22s %-22s" % (w, label, *cells))
    print()
    # The headline: each relay mode's median per-packet figure minus the sink's median, and
    # their ratio (the sink's own round-to-round noise would otherwise go into every round's
    # small kernel figure); the per-round ratios (against the same round's sink) show the spread.
    quiet = [r for r in rounds if all(rounds[r].get(m, {}).get("host_other_load") is not None and
                                      rounds[r][m]["host_other_load"] < QUIET for m in MODES)]
    print("CPU per relayed packet, kernel against userspace: median of the mode minus median of the sink")
    for total, key, what in (("qemu_us", "relay_qemu_us", "host CPU of qemu"),
                             ("busy_us", "relay_us", "guest, window x vCPUs - idle")):
        ms = {m: med([rounds[r][m].get(total) for r in rounds if m in rounds[r]]) for m in MODES}
        if not all(ms.values()):
            continue
        k, u = ms["kernel"][0] - ms["sink"][0], ms["user"][0] - ms["sink"][0]
        per = [rounds[r]["ratio"][key] for r in sorted(rounds) if key in rounds[r].get("ratio", {})]
        qm = med([rounds[r].get("ratio", {}).get(key) for r in quiet])
        print("  %-30s kernel %5.1f µs, userspace %5.1f µs: ratio %.2f   (per round %s; quiet rounds %s)"
              % (what, k, u, k / u if u > 0 else float("nan"), ", ".join("%.2f" % x for x in per),
                 "%.2f" % qm[0] if qm else "-"))
        print("  %-30s without the sink subtracted: ratio %.2f (%.1f / %.1f µs)"
              % ("", ms["kernel"][0] / ms["user"][0], ms["kernel"][0], ms["user"][0]))
    if not quiet:
        print("  no quiet round (other load on the host under %.2f cores in all three phases): "
              "trust the host qemu figure more than the guest's" % QUIET)
    print()
    for r in sorted(rounds):
        ratio = rounds[r].get("ratio", {})
        other = ["%.1f" % rounds[r][m]["host_other_load"] if rounds[r].get(m, {}).get("host_other_load") is not None
                 else "-" for m in MODES]
        print("round %d: ratio %s guest, %s host qemu; relay %s / %s µs (host qemu, kernel / user); "
              "other host load %s cores (user/kernel/sink)"
              % (r, "%.2f" % ratio["relay_us"] if "relay_us" in ratio else "-",
                 "%.2f" % ratio["relay_qemu_us"] if "relay_qemu_us" in ratio else "-",
                 "%.1f" % rounds[r]["kernel"]["relay_qemu_us"] if "relay_qemu_us" in rounds[r].get("kernel", {}) else "-",
                 "%.1f" % rounds[r]["user"]["relay_qemu_us"] if "relay_qemu_us" in rounds[r].get("user", {}) else "-",
                 "/".join(other)))
    if accel == "tcg":
        print()
        print("TCG: the guest's CPU is emulated, so its microseconds are many times the native cost and not")
        print("uniformly so (kernel and user code, system calls and interrupts emulate at different speeds).")
        print("Only the ratio kernel/userspace, measured in the same guest, is meaningful, and even that")
        print("depends on the emulation's cost of wake-ups (t/bench/README.md: 0.3-0.4 with 2 vCPUs, ~0.7 with 1).")
    busy_phases = []
    for r in sorted(rounds):
        for m in MODES:
            f = rounds[r].get(m)
            if f and (f["loss"] > 1.0 or f["misrouted"]):
                print("round %d %s: loss %.2f %%, misrouted %d" % (r, m, f["loss"], f["misrouted"]))
            if f and f["guest_load"] > 70:
                busy_phases.append("%d %s %.0f %%" % (r, m, f["guest_load"]))
    if busy_phases:
        print("the guest was over 70 %% busy in %s: near saturation the daemon reads bigger batches per wake-up "
              "and its per-packet cost falls; lower --rate" % ", ".join(busy_phases))
        k = rounds[r].get("kernel")
        if k and k.get("kernel_share", 0) < 95:
            print("round %d kernel: only %.1f %% of the packets were forwarded in the kernel (targets %d)"
                  % (r, k.get("kernel_share", 0), k.get("targets", -1)))
    if errors:
        print()
        for e in errors:
            print(e)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7, help="rounds of user, kernel and sink (default 7)")
    ap.add_argument("--calls", type=int, default=10, help="calls, each two streams (default 10)")
    ap.add_argument("--rate", type=int, default=5000, help="packets per second over all streams (default 5000)")
    ap.add_argument("--seconds", type=int, default=8, help="sending window per phase (default 8)")
    ap.add_argument("--quick", action="store_true", help="1 round of 4 s: a smoke run, coarse figures")
    ap.add_argument("--smp", type=int, default=2, choices=(1, 2), help="the guest's vCPUs (default 2, as the test)")
    ap.add_argument("--timeout", type=int, default=0, help="kill the guest after this many seconds")
    ap.add_argument("--work", help="keep the build and the console log in this directory")
    ap.add_argument("--json", help="also write every per-round figure to this file")
    args = ap.parse_args()
    if args.quick:
        args.rounds, args.seconds = 1, 4
    work = args.work or tempfile.mkdtemp(prefix="rtpe-kbench-")
    os.makedirs(work, exist_ok=True)
    try:
        results, errors, accel, secs = boot_and_collect(args, work)
    except harness.HarnessError as e:
        print("kernel_bench: %s" % e, file=sys.stderr)
        return 1
    finally:
        if not args.work:
            log = os.path.join(work, "console.log")
            if os.path.exists(log):
                os.makedirs(harness.CACHE, exist_ok=True)
                os.replace(log, os.path.join(harness.CACHE, "last-kbench-console.log"))
            subprocess.run(["rm", "-rf", work])
    rounds = per_round(results)
    report(rounds, args, accel, errors)
    print("\nguest ran %.0f s" % secs)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "accel": accel, "results": results,
                       "rounds": {str(k): v for k, v in rounds.items()}, "errors": errors}, f, indent=1)
    return 0 if rounds else 1


if __name__ == "__main__":
    sys.exit(main())
