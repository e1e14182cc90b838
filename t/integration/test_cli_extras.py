"""CLI commands beyond the basics: maxopenfiles, controltos (and --control-tos), transcoders,
params start|current|diff|revert and debug CALLID, through Debian's rtpengine-ctl and ours,
against a daemon with two live calls."""

import functools
import os
import re
import socket

import pytest

from rtpe_testlib import daemon_binary, free_udp_port, run_daemon_once, start_ng_daemon, stop_ng_daemon
from test_calls import Peer, make_sdp, offer_answer
from test_cli import run_ctl

DEBIAN_CTL = "/usr/bin/rtpengine-ctl"


def our_ctl():
    return os.path.join(os.path.dirname(daemon_binary()), "rtpengine-ctl")


def make_ctl(binary):
    return functools.partial(run_ctl, binary)


CLIENTS = [pytest.param(make_ctl(DEBIAN_CTL), id="debian-ctl"), pytest.param(make_ctl(our_ctl()), id="our-ctl")]


@pytest.fixture(scope="module", autouse=True)
def clients_present():
    assert os.access(DEBIAN_CTL, os.X_OK), "Debian's rtpengine-ctl is missing: make test-deps"
    assert os.access(our_ctl(), os.X_OK), "build/bin/rtpengine-ctl is missing"


@pytest.fixture
def daemon():
    d = start_ng_daemon(["--port-min=33000", "--port-max=33999",
                         "--control-tos=184", "--timeout=60", "--max-sessions=50",
                         "--b2b-url=http://%%:8090/RPC2", "--xmlrpc-format=2"], cli=True)
    peers = [Peer(), Peer()]
    offer_answer(d.ng, "call-one", peers[0], peers[1])
    reply = d.ng.request({"command": "offer", "call-id": "call-two", "from-tag": "X",
                          "sdp": make_sdp("127.0.0.1", free_udp_port())})
    assert reply["result"] == b"ok"
    yield d
    for p in peers:
        p.close()
    stop_ng_daemon(d)


def params_dict(text):
    pairs = [line.split(" = ", 1) for line in text.splitlines()]
    return [(k, v) for k, v in pairs]


@pytest.mark.parametrize("ctl", CLIENTS)
def test_maxopenfiles(daemon, ctl):
    out = ctl(daemon.cli_port, "list maxopenfiles")
    m = re.fullmatch(r"Maximum open-files configured on rtpengine: (\d+|infinite); cat /proc/(\d+)/limits\n", out)
    assert m, out
    assert int(m.group(2)) == daemon.proc.pid
    with open("/proc/%d/limits" % daemon.proc.pid) as f:
        soft = re.search(r"^Max open files\s+(\S+)", f.read(), re.M).group(1)
    assert m.group(1) == ("infinite" if soft == "unlimited" else soft)
    assert ctl(daemon.cli_port, "get maxopenfiles") == out
    assert ctl(daemon.cli_port, "set maxopenfiles 1000") == \
        "Fail setting open_files to 1000; can't set it under 65536\n"
    assert ctl(daemon.cli_port, "set maxopenfiles none") == "Fail setting open_files to none; no digists found\n"
    assert ctl(daemon.cli_port, "set maxopenfiles") == "More parameters required.\n"


@pytest.mark.parametrize("ctl", CLIENTS)
def test_controltos(daemon, ctl):
    assert ctl(daemon.cli_port, "list controltos") == "184\n"
    assert ctl(daemon.cli_port, "set controltos 300") == "Invalid control-tos value 300, must be between 0 and 255\n"
    assert ctl(daemon.cli_port, "set controltos -1") == "Invalid control-tos value -1, must be between 0 and 255\n"
    assert ctl(daemon.cli_port, "get controltos") == "184\n"
    # Upstream's success message names another setting; it is kept word for word.
    assert ctl(daemon.cli_port, "set controltos 32") == "Success setting redis-connect-timeout to 32\n"
    assert ctl(daemon.cli_port, "list controltos") == "32\n"
    assert ctl(daemon.cli_port, "set controltos") == "More parameters required.\n"
    # ng keeps answering on the re-marked socket.
    assert daemon.ng.request({"command": "ping"})["result"] == b"pong"


def test_control_tos_marks_ng_replies(daemon):
    """The TOS byte is visible on the reply: receive it with IP_RECVTOS."""
    ng_port = daemon.ng.address[1]
    ctl = make_ctl(our_ctl())

    def reply_tos():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
        s.settimeout(2)
        s.sendto(b"c1 d7:command4:pinge", ("127.0.0.1", ng_port))
        data, ancillary, _, _ = s.recvmsg(65535, socket.CMSG_SPACE(4))
        s.close()
        assert data == b"c1 d6:result4:ponge"
        for level, kind, value in ancillary:
            if level == socket.IPPROTO_IP and kind == socket.IP_TOS:
                return value[0]
        return None

    assert reply_tos() == 184
    assert ctl(daemon.cli_port, "set controltos 64") == "Success setting redis-connect-timeout to 64\n"
    assert reply_tos() == 64


@pytest.mark.parametrize("bad", ["--control-tos=256", "--control-tos=-1", "--control-tos=x"])
def test_control_tos_is_validated(bad):
    r = run_daemon_once(["--config-file=none", "-i", "127.0.0.1", "-n", "127.0.0.1:%d" % free_udp_port(),
                         "-f", "-E", bad])
    assert r.returncode != 0
    assert "invalid value" in r.stderr and "control-tos" in r.stderr


@pytest.mark.parametrize("ctl", CLIENTS)
def test_transcoders(daemon, ctl):
    assert ctl(daemon.cli_port, "list transcoders") == "No stats entries\n"


@pytest.mark.parametrize("ctl", CLIENTS)
def test_params_start_and_current(daemon, ctl):
    start = params_dict(ctl(daemon.cli_port, "params start"))
    current = params_dict(ctl(daemon.cli_port, "params current"))
    s = dict(start)
    c = dict(current)
    assert s["log-level-core"] == "6" and s["log-level-internals"] == "-1"
    assert s["timeout"] == "60" and s["max-sessions"] == "50" and s["control-tos"] == "184"
    assert s["port-min"] == "33000" and s["port-max"] == "33999" and s["table"] == "-1"
    assert s["xmlrpc-format"] == "2" and s["b2b_url"] == "http://%%:8090/RPC2"
    assert s["interface[0]"] == "default\\127.0.0.1 "
    assert s["max-bandwidth"] == "0" and c["max-bw"] == "0"
    assert s["redis"] == ":0/-1" and c["redis-db"] == "-1"
    assert [v for k, v in start if k == "listen-cli"] == ["127.0.0.1:%d" % daemon.cli_port, ""]
    assert [v for k, v in start if k == "listen-tcp"] == ["", ""]
    # upstream 10.5's keys, in its order
    assert [k for k, _ in start][13:30] == [
        "table", "max-sessions", "timeout", "silent-timeout", "final-timeout", "offer-timeout", "delete-delay",
        "redis-expires", "tos", "control-tos", "graphite-interval", "redis-num-threads", "homer-protocol",
        "homer-id", "no-fallback", "port-min", "port-max"]
    assert [k for k, _ in start[:13]] == ["log-level-" + n for n in (
        "core", "spandsp", "ffmpeg", "transcoding", "codec", "rtcp", "ice", "crypto", "srtp", "internals",
        "http", "control", "dtx")]
    renamed = {"redis": "redis-db", "redis-write": "redis-write-db", "max-bandwidth": "max-bw"}
    assert [renamed.get(k, k) for k, _ in start] == [k for k, _ in current]
    # nothing changed yet: both agree on what can change
    for key in ("timeout", "max-sessions", "control-tos", "log-level-core", "max-cpu"):
        assert s[key] == c[key]
    assert ctl(daemon.cli_port, "params diff") == ""


@pytest.mark.parametrize("ctl", CLIENTS)
def test_params_diff_and_revert(daemon, ctl):
    port = daemon.cli_port
    assert ctl(port, "set timeout 10") == "Success setting timeout to 10\n"
    assert ctl(port, "set maxsessions 5") == "Success setting maxsessions to 5\n"
    assert ctl(port, "set maxcpu 50.5") == "Success setting maxcpu to 50.5\n"
    assert ctl(port, "set loglevel core 7") == "Success setting loglevel to 7\n"
    assert ctl(port, "set controltos 16") == "Success setting redis-connect-timeout to 16\n"
    assert ctl(port, "set offertimeout 99") == "Success setting timeout to 99\n"  # not compared upstream
    assert ctl(port, "params diff") == (
        "log-level-core: 6 => 7\n"
        "max-sessions: 50 => 5\n"
        "max-cpu: 0 => 5050\n"
        "timeout: 60 => 10\n"
        "control-tos: 184 => 16\n")
    c = dict(params_dict(ctl(port, "params current")))
    assert c["timeout"] == "10" and c["max-sessions"] == "5" and c["max-cpu"] == "50.5"
    assert c["log-level-core"] == "7" and c["control-tos"] == "16" and c["offer-timeout"] == "99"
    s = dict(params_dict(ctl(port, "params start")))
    assert s["timeout"] == "60" and s["log-level-core"] == "6"

    assert ctl(port, "params revert") == ""
    assert ctl(port, "params diff") == ""
    assert ctl(port, "list timeout") == "TIMEOUT=60\n"
    assert ctl(port, "list maxsessions") == "Maximum sessions configured on rtpengine: 50\n"
    assert ctl(port, "list maxcpu") == "Maximum CPU usage configured on rtpengine: 0.0\n"
    assert ctl(port, "list loglevel core") == "6\n"
    assert ctl(port, "list controltos") == "184\n"
    assert ctl(port, "list offertimeout") == "OFFER_TIMEOUT=99\n"
    assert ctl(port, "params bogus") == "Unknown or incomplete command::bogus\n"


@pytest.mark.parametrize("ctl", CLIENTS)
def test_debug(daemon, ctl):
    port = daemon.cli_port
    assert ctl(port, "debug") == "No call ID specified\n"
    assert ctl(port, "debug no-such-call") == "Call ID 'no-such-call' not found\n"
    assert ctl(port, "debug no-such-call off") == "Call ID 'no-such-call' not found\n"
    assert ctl(port, "debug call-one maybe") == "Invalid on/off flag ('maybe') specified\n"
    assert ctl(port, "debug call-one on") == "Enabled debugging for call 'call-one'\n"

    # While on, call-one's ng requests log their debug lines; call-two's do not.
    q1 = daemon.ng.request({"command": "query", "call-id": "call-one"})
    q2 = daemon.ng.request({"command": "query", "call-id": "call-two"})
    assert q1["result"] == b"ok" and q2["result"] == b"ok"
    log = daemon.log()
    assert re.search(r"DEBUG: \[call-one\]: \[control\] Dump for 'query'", log)
    assert not re.search(r"DEBUG: \[call-two\]", log)

    assert ctl(port, "debug call-one off") == "Disabled debugging for call 'call-one'\n"
    before = daemon.log().count("DEBUG: [call-one]")
    assert daemon.ng.request({"command": "query", "call-id": "call-one"})["result"] == b"ok"
    assert daemon.log().count("DEBUG: [call-one]") == before

    assert ctl(port, "debug call-two enable") == "Enabled debugging for call 'call-two'\n"
    assert ctl(port, "debug call-two disable") == "Disabled debugging for call 'call-two'\n"
    assert ctl(port, "debug call-two") == "Enabled debugging for call 'call-two'\n"  # on by default


def test_debug_flag_ends_with_the_call(daemon):
    ctl = make_ctl(our_ctl())
    assert ctl(daemon.cli_port, "debug call-two on") == "Enabled debugging for call 'call-two'\n"
    assert daemon.ng.request({"command": "delete", "call-id": "call-two", "delete-delay": 0})["result"] == b"ok"
    # A new call under the same call-id starts without the flag.
    reply = daemon.ng.request({"command": "offer", "call-id": "call-two", "from-tag": "Y",
                               "sdp": make_sdp("127.0.0.1", free_udp_port())})
    assert reply["result"] == b"ok"
    before = daemon.log().count("DEBUG: [call-two]")
    assert daemon.ng.request({"command": "query", "call-id": "call-two"})["result"] == b"ok"
    assert daemon.log().count("DEBUG: [call-two]") == before


@pytest.mark.parametrize("ctl", CLIENTS)
def test_list_sessions_callid(daemon, ctl):
    out = ctl(daemon.cli_port, "list sessions call-one")
    assert "\ncallid: call-one\n" in out and "--- Tag 'A'" in out and "--- Tag 'B'" in out
    assert ctl(daemon.cli_port, "list sessions nope") == "\nCall ID not found (nope).\n\n"
    # upstream 10.5 has no "list session" (singular)
    assert ctl(daemon.cli_port, "list session call-one") == "Unknown or incomplete command::session call-one\n"
