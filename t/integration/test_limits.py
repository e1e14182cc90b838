"""Limits on new calls (--max-sessions, --max-load, --max-cpu, --max-bandwidth), changed at
runtime through the CLI, and the CDR written when a call ends (--log-facility-cdr)."""

import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from rtpe_testlib import start_ng_daemon, stop_ng_daemon
from test_calls import Peer, exchange, make_sdp, offer_answer
from test_cli import CLIENTS, raw_cli

LEGACY_REFUSAL = b"Parallel session limit reached"


def start_daemon(extra, env=None):
    return start_ng_daemon(["-d", "0"] + extra, cli=True, env=env)


@pytest.fixture
def make_daemon():
    started = []

    def make(extra, env=None):
        d = start_daemon(extra, env)
        started.append(d)
        return d

    yield make
    for d in started:
        stop_ng_daemon(d)


def offer(ng, call_id, peer, **keys):
    return ng.request(dict({"command": "offer", "call-id": call_id, "from-tag": "A",
                            "sdp": make_sdp(peer.host, peer.port)}, **keys))


def test_max_sessions_refuses_new_calls_only(make_daemon):
    d = make_daemon(["--max-sessions=2"])
    a, b = Peer(), Peer()
    offer_answer(d.ng, "c1", a, b)
    assert offer(d.ng, "c2", a)["result"] == b"ok"
    refused = offer(d.ng, "c3", a)
    assert refused == {"result": b"error", "error-reason": LEGACY_REFUSAL}
    assert "Parallel session limit reached (2)" in d.log()
    # Kamailio announces that it understands the "load limit" result and tries elsewhere.
    assert offer(d.ng, "c3", a, supports=["load limit"]) == {"result": b"load limit", "message": LEGACY_REFUSAL}
    # A re-INVITE of a running call is never refused.
    assert offer(d.ng, "c1", a)["result"] == b"ok"
    assert d.ng.request({"command": "delete", "call-id": "c2"})["result"] == b"ok"
    assert offer(d.ng, "c3", a)["result"] == b"ok"
    a.close()
    b.close()


@pytest.mark.parametrize("client", CLIENTS)
def test_limits_changed_through_the_cli(make_daemon, client):
    d = make_daemon([])
    a = Peer()
    assert client(d.cli_port, "list maxsessions") == "Maximum sessions configured on rtpengine: -1\n"
    assert client(d.cli_port, "list maxcpu") == "Maximum CPU usage configured on rtpengine: 0.0\n"
    assert client(d.cli_port, "list maxload") == "Maximum load average configured on rtpengine: 0.00\n"
    assert client(d.cli_port, "list maxbw") == "Maximum bandwidth configured on rtpengine: 0\n"
    assert client(d.cli_port, "set maxsessions 1") == "Success setting maxsessions to 1\n"
    assert client(d.cli_port, "get maxsessions") == "Maximum sessions configured on rtpengine: 1\n"
    assert offer(d.ng, "c1", a)["result"] == b"ok"
    assert offer(d.ng, "c2", a)["error-reason"] == LEGACY_REFUSAL
    assert client(d.cli_port, "set maxsessions -1") == "Success setting maxsessions to -1; disable feature\n"
    assert offer(d.ng, "c2", a)["result"] == b"ok"
    assert client(d.cli_port, "set maxsessions -5") == \
        "Fail setting maxsessions to -5; either positive or -1 values allowed\n"
    assert client(d.cli_port, "set maxsessions abc") == "Fail setting maxsessions to abc; no digists found\n"
    assert client(d.cli_port, "set maxcpu 12.345") == "Success setting maxcpu to 12.3\n"
    assert client(d.cli_port, "list maxcpu") == "Maximum CPU usage configured on rtpengine: 12.3\n"
    assert client(d.cli_port, "set maxload 1.239") == "Success setting maxload to 1.24\n"
    # Kept in hundredths, as upstream: the listing truncates.
    assert client(d.cli_port, "list maxload") == "Maximum load average configured on rtpengine: 1.23\n"
    assert client(d.cli_port, "set maxload x") == "Fail setting maxload to x; no digists found\n"
    assert client(d.cli_port, "set maxbw 5abc") == "Success setting maxbw to 5\n"
    assert client(d.cli_port, "list maxbw") == "Maximum bandwidth configured on rtpengine: 5\n"
    assert client(d.cli_port, "set maxbw") == "More parameters required.\n"
    a.close()


def test_max_load_refuses_with_its_own_message(make_daemon):
    # A negative limit is below any load average: upstream compares any non-zero limit.
    d = make_daemon(["--max-load=-1"])
    a = Peer()
    assert offer(d.ng, "c1", a) == {"result": b"error", "error-reason": LEGACY_REFUSAL}
    assert offer(d.ng, "c1", a, supports=["load limit"]) == {"result": b"load limit",
                                                             "message": b"Load limit exceeded"}
    assert re.search(r"WARNING: \[c1\]: \[core\] Load limit exceeded \(\d+\.\d\d > -1\.00\)", d.log())
    # 0 turns the limit off.
    assert raw_cli(d.cli_port, "set maxload 0") == "Success setting maxload to 0.00\n"
    assert offer(d.ng, "c1", a)["result"] == b"ok"
    a.close()


def test_max_cpu_refuses_once_sampled(make_daemon):
    d = make_daemon(["--max-cpu=-1"])
    a = Peer()
    time.sleep(1.2)  # CPU usage needs a sampling period
    assert offer(d.ng, "c1", a, supports=["load limit"]) == {"result": b"load limit",
                                                             "message": b"CPU usage limit exceeded"}
    a.close()


def test_max_bandwidth_refuses_while_media_flows(make_daemon):
    d = make_daemon(["--max-bandwidth=1000"])
    a, b, c = Peer(), Peer(), Peer()
    offer_sdp, answer_sdp = offer_answer(d.ng, "c1", a, b)
    assert offer(d.ng, "idle", c)["result"] == b"ok"
    # About 2 x 172 x 20 bytes a second, well above 1000, for over two sampling periods.
    deadline = time.time() + 2.5
    while time.time() < deadline:
        exchange(a, b, offer_sdp, answer_sdp, count=2)
        time.sleep(0.1)
    assert offer(d.ng, "c2", c, supports=["load limit"]) == {"result": b"load limit",
                                                             "message": b"Bandwidth limit exceeded"}
    assert re.search(r"Bandwidth limit exceeded \(\d+ > 1000\)", d.log())
    # Existing calls are still served.
    assert offer(d.ng, "c1", a)["result"] == b"ok"
    # Once the media stops, the next samples show no traffic and new calls are taken again.
    time.sleep(2.2)
    assert offer(d.ng, "c2", c)["result"] == b"ok"
    for p in (a, b, c):
        p.close()


SYSLOG_SHIM = r"""
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
/* Writes what would go to syslog to stderr, so a test can read it. */
void vsyslog(int pri, const char *fmt, va_list ap) {
    char line[65536];
    int n = snprintf(line, sizeof line, "SYSLOG<%d> ", pri);
    n += vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    if (n > (int)sizeof line - 2) n = sizeof line - 2;
    line[n++] = '\n';
    write(2, line, n);
}
void syslog(int pri, const char *fmt, ...) { va_list ap; va_start(ap, fmt); vsyslog(pri, fmt, ap); va_end(ap); }
void __syslog_chk(int pri, int flag, const char *fmt, ...) {
    (void)flag; va_list ap; va_start(ap, fmt); vsyslog(pri, fmt, ap); va_end(ap);
}
void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap) { (void)flag; vsyslog(pri, fmt, ap); }
"""


@pytest.fixture(scope="module")
def syslog_shim():
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler for the syslog shim")
    workdir = tempfile.mkdtemp(prefix="syslog-shim-")
    source = os.path.join(workdir, "shim.c")
    with open(source, "w") as f:
        f.write(SYSLOG_SHIM)
    library = os.path.join(workdir, "shim.so")
    subprocess.run([cc, "-shared", "-fPIC", "-o", library, source], check=True)
    yield library
    shutil.rmtree(workdir)


def cdr_fields(log):
    lines = [line for line in log.splitlines() if "ci=" in line and line.startswith("SYSLOG<")]
    assert len(lines) == 1, log
    priority = int(re.match(r"SYSLOG<(\d+)>", lines[0]).group(1))
    body = lines[0].split("> ", 1)[1]
    assert body.endswith(", ")
    return priority, body, dict(pair.split("=", 1) for pair in body[:-2].split(", "))


def shim_env(shim):
    # Under an ASan build the sanitizer runtime insists on being first in the library list;
    # the shim only wraps syslog(), so the order does not matter here.
    return {"LD_PRELOAD": shim, "ASAN_OPTIONS": "verify_asan_link_order=0"}


def test_cdr_on_delete(make_daemon, syslog_shim):
    # Upstream sends CDRs to syslog even when log lines go to stderr (-E).
    d = make_daemon(["--log-facility-cdr=local1"], env=shim_env(syslog_shim))
    a, b = Peer(), Peer()
    offer_sdp, answer_sdp = offer_answer(d.ng, "cdr-call", a, b)
    exchange(a, b, offer_sdp, answer_sdp, count=3)
    time.sleep(0.2)  # a worker counts a packet after forwarding it
    assert d.ng.request({"command": "delete", "call-id": "cdr-call", "from-tag": "A"})["result"] == b"ok"
    priority, body, f = cdr_fields(d.log())
    assert priority == (17 << 3) | 6  # local1.info
    assert body.startswith("ci=cdr-call, created_from=127.0.0.1:")
    assert f["ml0_local_tag"] == "A" and f["ml0_local_tag_type"] == "FROM_TAG" and f["ml0_remote_tag"] == "B"
    assert f["ml1_local_tag"] == "B" and f["ml1_local_tag_type"] == "TO_TAG" and f["ml1_remote_tag"] == "A"
    assert f["ml0_termination"] == "REGULAR" and f["ml1_termination"] == "REGULAR"
    # A's socket received what A sent: 3 packets of 172 bytes; so did B's.
    for ml in ("ml0", "ml1"):
        assert f[ml + "_midx1_rtp_relayed_packets"] == "3"
        assert f[ml + "_midx1_rtp_relayed_bytes"] == str(3 * 172)
        assert f[ml + "_midx1_rtcp_relayed_packets"] == "0"
    assert f["ml0_midx1_rtp_endpoint_port"] == str(a.port)
    assert f["ml1_midx1_rtp_endpoint_port"] == str(b.port)
    assert float(f["ml0_end_time"]) - float(f["ml0_start_time"]) == pytest.approx(float(f["ml0_duration"]), abs=1e-5)
    keys = [pair.split("=", 1)[0] for pair in body[:-2].split(", ")]
    assert keys[:4] == ["ci", "created_from", "last_signal", "tos"]
    assert keys[4:12] == ["ml0_start_time", "ml0_end_time", "ml0_duration", "ml0_termination", "ml0_local_tag",
                          "ml0_local_tag_type", "ml0_remote_tag", "payload_type"]
    a.close()
    b.close()


def test_cdr_names_forced_termination(make_daemon, syslog_shim):
    d = make_daemon(["--log-facility-cdr=local1"], env=shim_env(syslog_shim))
    a = Peer()
    assert offer(d.ng, "gone", a)["result"] == b"ok"
    assert raw_cli(d.cli_port, "terminate gone").endswith("successfully terminated by operator.\n\n")
    _, _, f = cdr_fields(d.log())
    assert f["ci"] == "gone" and f["ml0_termination"] == "FORCED"
    a.close()


def test_no_cdr_without_the_option(make_daemon, syslog_shim):
    d = make_daemon([], env=shim_env(syslog_shim))
    a = Peer()
    assert offer(d.ng, "quiet", a)["result"] == b"ok"
    assert d.ng.request({"command": "delete", "call-id": "quiet"})["result"] == b"ok"
    assert "ci=" not in d.log()
    a.close()


def test_no_cdr_for_calls_ended_by_shutdown(syslog_shim):
    d = start_daemon(["--log-facility-cdr=local1"], env=shim_env(syslog_shim))
    a = Peer()
    assert offer(d.ng, "running", a)["result"] == b"ok"
    d.ng.close()
    assert d.stop() == 0
    assert "ci=" not in d.log()
    a.close()
