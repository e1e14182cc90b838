"""Differential SDP test: our daemon against Debian's upstream rtpengine (the oracle).

Every case of sdp_corpus/cases.json is played against both daemons with the same call-id,
from-tag and to-tag; the SDP bodies they return must be byte-identical once the values that
legitimately differ are normalized:

  * media ports: the port of every m= line (except 0, a rejected stream) and of every a=rtcp
    line.  Ports are replaced by tokens numbered in order of first appearance within the case
    (P1, P2, ...), and an a=rtcp port that is its m= port plus one is written "<Pn>+1", so the
    relation between ports (RTCP next to RTP, same port kept across a re-INVITE) is still
    compared;
  * the random id of the a=rtpengine: attribute that the loop-protect flag adds.

The o= line is compared literally: upstream never generates session ids or versions (it only
increments the version with replace: sdp-version, deterministically).

The other keys of the offer/answer replies are compared literally; query steps and the
delete reply that ends every case are compared in shape (keys, list lengths, strings), with
every integer (timestamps, ports, counters) normalized. A step "from": "callee" is the
callee's re-INVITE (from-tag and to-tag swapped).

RTPE_DIFF_SELFTEST=1 runs the oracle on both sides, which proves the normalization.
The oracle must exist at /usr/bin/rtpengine: without it the test fails.
"""

import difflib
import json
import os
import random
import re
import signal
import subprocess
import tempfile
import time
import uuid

import pytest

from rtpe_testlib import OUR_STREAM_ADDITIONS, NgClient, daemon_binary, free_udp_port

ORACLE = "/usr/bin/rtpengine"
CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sdp_corpus")
SELFTEST = os.environ.get("RTPE_DIFF_SELFTEST", "") not in ("", "0")

with open(os.path.join(CORPUS, "cases.json")) as _f:
    CASES = json.load(_f)["cases"]

# Same interfaces on both sides: an unnamed IPv4 and IPv6 pair (logical interface "default")
# and two named ones for "direction".
INTERFACE_ARGS = ["-i", "127.0.0.1", "-i", "::1", "-i", "internal/127.0.0.2", "-i", "external/127.0.0.3"]


class Proc:
    """One daemon in the foreground, its output in a file, stopped by PID."""

    def __init__(self, label, binary, port_min, port_max, oracle):
        self.label = label
        self.ng_port = free_udp_port()
        self.workdir = tempfile.mkdtemp(prefix="diff-%s-" % label)
        self.log_path = os.path.join(self.workdir, "daemon.log")
        args = [binary, "--config-file=none"]
        args += ["-f", "-E"] if oracle else ["--foreground", "--log-stderr"]
        args += ["-t", "-1"] + INTERFACE_ARGS + [
            "-n", "127.0.0.1:%d" % self.ng_port, "-m", str(port_min), "-M", str(port_max),
            "-L", "6", "--num-threads=1"]
        if oracle:
            args += ["--log-level-crypto=4", "--log-level-srtp=4"]
        self.args = args
        self.proc = None

    def start(self, timeout=10.0):
        self.log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.args, stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if "Startup complete" in self.log():
                self.client = NgClient(("127.0.0.1", self.ng_port), timeout=3.0)
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %d:\n%s" % (self.label, self.proc.returncode, self.log()))
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("%s did not start:\n%s" % (self.label, self.log()))

    def log(self):
        with open(self.log_path, "r", errors="replace") as f:
            return f.read()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def request(self, d):
        return self.client.request(d)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log_file.close()
        if getattr(self, "client", None):
            self.client.close()


@pytest.fixture(scope="module")
def daemons():
    if not os.path.exists(ORACLE):
        pytest.fail("the oracle %s is missing: install the Debian package rtpengine-daemon "
                    "(apt-get install rtpengine-daemon)" % ORACLE)
    subject = ORACLE if SELFTEST else daemon_binary()
    # Two disjoint 1000-port media ranges above the usual ephemeral range of Linux.
    base = random.choice((61000, 62000, 63000))
    ranges = [(base, base + 999), (base + 1000, base + 1999)]
    random.shuffle(ranges)
    oracle = Proc("oracle", ORACLE, ranges[0][0], ranges[0][1], oracle=True)
    ours = Proc("selftest-oracle" if SELFTEST else "ours", subject, ranges[1][0], ranges[1][1],
                oracle=SELFTEST)
    started = []
    try:
        for d in (oracle, ours):
            d.start()
            started.append(d)
        yield oracle, ours
    finally:
        for d in started:
            d.stop()


# --- normalization ---

class PortTokens:
    """Maps (address, port) pairs to P1, P2, ... in order of first appearance, per side and case."""

    def __init__(self):
        self.map = {}

    def token(self, port):
        if port not in self.map:
            self.map[port] = "P%d" % (len(self.map) + 1)
        return "<%s>" % self.map[port]


_M_LINE = re.compile(r"^(m=\S+ )(\d+)(.*)$")
_RTCP_LINE = re.compile(r"^(a=rtcp:)(\d+)(.*)$")
_LOOP_LINE = re.compile(r"^(a=rtpengine:)(\S+)$")


def _section_addresses(lines):
    """The connection address in force for each m= section (index of its m= line -> address)."""
    session_addr = None
    result = {}
    current = None
    for i, line in enumerate(lines):
        if line.startswith("m="):
            current = i
            result[i] = session_addr
        elif line.startswith("c="):
            addr = line.split(" ")[-1]
            if current is None:
                session_addr = addr
            else:
                result[current] = addr
    return result


def normalize_sdp(sdp, tokens):
    """Replaces ports and generated ids; keeps every byte else, line endings included.

    Port tokens are keyed by (connection address, port): two interfaces have separate port
    pools, so the same number can legitimately show up on two addresses."""
    text = sdp.decode("utf-8", errors="surrogateescape")
    parts = re.split(r"(\r\n|\n)", text)
    lines = parts[0::2]
    addresses = _section_addresses(lines)
    out = []
    m_key = None
    addr = None
    for i, line in enumerate(lines):
        m = _M_LINE.match(line)
        if m:
            port = int(m.group(2))
            addr = addresses[i]
            m_key = (addr, port)
            line = m.group(1) + ("0" if port == 0 else tokens.token(m_key)) + m.group(3)
        else:
            r = _RTCP_LINE.match(line)
            if r:
                port = int(r.group(2))
                rtcp_addr = r.group(3).split(" ")[-1] if r.group(3) else addr
                if m_key and m_key[1] and (rtcp_addr, port) == (m_key[0], m_key[1] + 1):
                    rep = tokens.token(m_key)[:-1] + "+1>"
                else:
                    rep = tokens.token((rtcp_addr, port))
                line = r.group(1) + rep + r.group(3)
            elif _LOOP_LINE.match(line):
                line = "a=rtpengine:<ID>"
        out.append(line)
        if 2 * i + 1 < len(parts):
            out.append(parts[2 * i + 1])
    return "".join(out)


def shape(value):
    """A delete or query reply without its integers (times, ports, counters), and without
    the per-stream keys our query adds to upstream's (docs/ng.md)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items() if k not in OUR_STREAM_ADDITIONS}
    if isinstance(value, list):
        return [shape(v) for v in value]
    if isinstance(value, int):
        return "<int>"
    return value


def visible(sdp_text):
    return [l + "\n" for l in sdp_text.replace("\r\n", "\\r\\n\n").split("\n")]


def sdp_diff(expected, got, what):
    return "".join(difflib.unified_diff(visible(expected), visible(got),
                                        "oracle " + what, "ours " + what))


def read_corpus(name):
    with open(os.path.join(CORPUS, name), "rb") as f:
        return f.read().decode()


# --- the tests ---

def test_corpus_is_well_formed():
    names = set(os.listdir(CORPUS))
    offers = [n for n in names if n.endswith("_offer.sdp")]
    assert len(offers) >= 32
    for n in names:
        if n.endswith(".sdp"):
            data = open(os.path.join(CORPUS, n), "rb").read()
            assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b""), n
            assert b"a=candidate" not in data and b"a=fingerprint" not in data and b"a=ice-" not in data, n
    used = {s["sdp"] for c in CASES for s in c["steps"] if "sdp" in s}
    assert used <= names, used - names
    assert len({c["name"] for c in CASES}) == len(CASES)


def run_case(daemon, case, call_id, tokens):
    """Plays the steps of a case. A step is an offer or answer (by default from the caller,
    from-tag ft-...; with "from": "callee" the callee's re-INVITE, the tags swapped) or a
    query, whose reply is kept in shape like the delete reply."""
    replies = []
    caller, callee = "ft-" + call_id[-8:], "tt-" + call_id[-8:]
    for step in case["steps"]:
        if step["command"] == "query":
            reply = daemon.request({"command": "query", "call-id": call_id})
            replies.append({"command": "query", "sdp_file": "-", "keys": shape(reply)})
            continue
        from_tag, to_tag = (callee, caller) if step.get("from") == "callee" else (caller, callee)
        req = {"command": step["command"], "call-id": call_id, "from-tag": from_tag,
               "sdp": read_corpus(step["sdp"])}
        if step["command"] == "answer" or step.get("from") == "callee":
            req["to-tag"] = to_tag
        req.update(step["keys"])
        reply = daemon.request(req)
        entry = {"command": step["command"], "sdp_file": step["sdp"],
                 "keys": {k: v for k, v in reply.items() if k != "sdp"}}
        if "sdp" in reply:
            entry["sdp"] = normalize_sdp(reply["sdp"], tokens)
        replies.append(entry)
    delete = daemon.request({"command": "delete", "call-id": call_id, "from-tag": caller})
    return replies, shape(delete)


def _case_param(case):
    # A case needing a capability that is not built yet is an expected failure, reported as
    # such (never as a pass); strict, so it turns into a failure once it starts to match.
    marks = [pytest.mark.xfail(strict=True, reason=case["pending"])] if case.get("pending") else []
    return pytest.param(case, id=case["name"], marks=marks)


@pytest.mark.parametrize("case", [_case_param(c) for c in CASES])
def test_sdp_matches_oracle(daemons, case):
    oracle, ours = daemons
    call_id = "diff-%s-%s" % (case["name"], uuid.uuid4().hex[:8])
    want, want_delete = run_case(oracle, case, call_id, PortTokens())
    got, got_delete = run_case(ours, case, call_id, PortTokens())
    assert oracle.alive(), oracle.log()[-4000:]
    assert ours.alive(), "%s died:\n%s" % (ours.label, ours.log()[-4000:])

    problems = []
    for i, (w, g) in enumerate(zip(want, got)):
        what = "step %d %s(%s)" % (i + 1, w["command"], w["sdp_file"])
        if w["keys"].get("result") != b"ok":
            problems.append("%s: the oracle itself answered %r" % (what, w["keys"]))
        if g["keys"] != w["keys"]:
            if w["command"] == "query":
                problems.append("%s: query reply differs:\n%s" % (what, "".join(difflib.unified_diff(
                    json.dumps(w["keys"], indent=1, sort_keys=True, default=repr).splitlines(True),
                    json.dumps(g["keys"], indent=1, sort_keys=True, default=repr).splitlines(True),
                    "oracle query", "ours query"))))
            else:
                problems.append("%s: reply keys differ: oracle %r, ours %r" % (what, w["keys"], g["keys"]))
        if w.get("sdp") != g.get("sdp"):
            if "sdp" not in g or "sdp" not in w:
                problems.append("%s: sdp present in oracle reply: %s, in ours: %s"
                                % (what, "sdp" in w, "sdp" in g))
            else:
                problems.append("%s: SDP differs\n%s" % (what, sdp_diff(w["sdp"], g["sdp"], what)))
    if want_delete != got_delete:
        problems.append("delete reply differs:\n" + "".join(difflib.unified_diff(
            json.dumps(want_delete, indent=1, sort_keys=True, default=repr).splitlines(True),
            json.dumps(got_delete, indent=1, sort_keys=True, default=repr).splitlines(True),
            "oracle delete", "ours delete")))
    assert not problems, "\n".join(problems)


ERROR_REQUESTS = [
    ("answer_unknown_call", {"command": "answer", "call-id": "nosuch", "from-tag": "a", "to-tag": "b",
                             "sdp": "sipp_uas_answer.sdp"}),
    ("offer_no_sdp", {"command": "offer", "call-id": "x", "from-tag": "a"}),
    ("offer_no_call_id", {"command": "offer", "from-tag": "a", "sdp": "sipp_uac_offer.sdp"}),
    ("offer_no_from_tag", {"command": "offer", "call-id": "x", "sdp": "sipp_uac_offer.sdp"}),
    ("answer_no_to_tag", {"command": "answer", "call-id": "x", "from-tag": "a", "sdp": "sipp_uas_answer.sdp"}),
    ("offer_garbage_sdp", {"command": "offer", "call-id": "x", "from-tag": "a", "sdp": "=garbage"}),
    ("offer_truncated_sdp", {"command": "offer", "call-id": "x", "from-tag": "a", "sdp": "v=0\r\no=x\r\n"}),
    ("delete_unknown_call", {"command": "delete", "call-id": "nosuch", "from-tag": "a"}),
    ("query_unknown_call", {"command": "query", "call-id": "nosuch"}),
]


@pytest.mark.parametrize("name, request_dict", ERROR_REQUESTS, ids=[e[0] for e in ERROR_REQUESTS])
def test_error_reply_matches_oracle(daemons, name, request_dict):
    oracle, ours = daemons
    req = dict(request_dict)
    if "sdp" in req and req["sdp"].endswith(".sdp"):
        req["sdp"] = read_corpus(req["sdp"])
    suffix = uuid.uuid4().hex[:8]
    if "call-id" in req:
        req["call-id"] = "%s-%s" % (req["call-id"], suffix)
    want = oracle.request(req)
    got = ours.request(req)
    assert got == want
