"""utils/: our rtpengine-ctl against Debian's Perl one (same daemon, same commands, same
stdout and exit status), and rtpengine-ng-client driving a call through our daemon."""

import os
import re
import socket
import subprocess
import time

import pytest

from rtpe_testlib import daemon_binary, start_ng_daemon, stop_ng_daemon
from test_calls import Peer, make_sdp, offer_answer

DEBIAN_CTL = "/usr/bin/rtpengine-ctl"


@pytest.fixture(scope="module", autouse=True)
def debian_ctl_present():
    # The oracle; scripts/install-deps.sh --test installs Debian's rtpengine-utils.
    assert os.access(DEBIAN_CTL, os.X_OK), "Debian's rtpengine-ctl is missing: make test-deps"


def util(name):
    return os.path.join(os.path.dirname(daemon_binary()), name)



@pytest.fixture(scope="module")
def daemon():
    d = start_ng_daemon(["--port-min=32000", "--port-max=32999"], cli=True)
    peers = [Peer(), Peer()]
    offer_answer(d.ng, "utils-call", peers[0], peers[1])
    yield d
    for p in peers:
        p.close()
    stop_ng_daemon(d)


def run(argv, timeout=15):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


# --- rtpengine-ctl ---------------------------------------------------------------------

# Values that can legitimately change between the two runs of one command.
VOLATILE = [
    (re.compile(r"(Uptime of rtpengine\s*:\s*)\d+"), r"\1N"),
    (re.compile(r"(duration:?\s+)[\d.]+"), r"\1N"),
    (re.compile(r"(last signal[^:\n]*:\s*)\d+"), r"\1N"),
]


def masked(text):
    for pattern, repl in VOLATILE:
        text = pattern.sub(repl, text)
    return text


CTL_COMMANDS = [
    ["list", "numsessions"],
    ["list", "sessions", "all"],
    ["list", "sessions", "utils-call"],
    ["list", "totals"],
    ["list", "timeout"],
    ["set", "timeout", "120"],
    ["get", "timeout"],
    ["list", "loglevel"],
    ["list", "interfaces"],
    ["frobnicate", "this"],
    ["list", "sessions", "no-such-call"],
]


@pytest.mark.parametrize("command", CTL_COMMANDS, ids=lambda c: "_".join(c))
def test_ctl_matches_debian(daemon, command):
    for address in (["-ip", "127.0.0.1", "-port", str(daemon.cli_port)],
                    ["-ip", "127.0.0.1:%d" % daemon.cli_port]):
        theirs = run([DEBIAN_CTL] + address + command)
        ours = run([util("rtpengine-ctl")] + address + command)
        assert ours.returncode == theirs.returncode == 0, (ours, theirs)
        assert ours.stdout.strip(), "empty reply to %s" % command
        assert masked(ours.stdout) == masked(theirs.stdout)


def test_ctl_reply_reflects_daemon_state(daemon):
    r = run([util("rtpengine-ctl"), "-ip", "127.0.0.1", "-port", str(daemon.cli_port), "set", "timeout", "77"])
    assert r.returncode == 0
    r = run([util("rtpengine-ctl"), "--ip=127.0.0.1:%d" % daemon.cli_port, "get", "timeout"])
    assert r.stdout == "TIMEOUT=77\n"
    r = run([util("rtpengine-ctl"), "-ip", "127.0.0.1", "-port", str(daemon.cli_port), "list", "sessions", "all"])
    assert "utils-call" in r.stdout


@pytest.mark.parametrize("argv", [
    [],                                   # no command: usage, status 1
    ["-h"],                               # usage, status 0
    ["--help"],
    ["-port", "70000", "list", "totals"],  # port out of range
    ["-port", "abc", "list", "totals"],    # not a number
    ["-bogus", "list", "totals"],          # unknown option
    ["-ip"],                               # missing value
    ["0"],                                 # a false command in Perl's eyes
    ["-ip", "127.0.0.1", "-port", "1", "list", "totals"],  # nobody listening
], ids=lambda a: " ".join(a) or "none")
def test_ctl_command_line_matches_debian(argv, tmp_path):
    # A config file without listen-cli keeps the machine's /etc/rtpengine out of it.
    conf = tmp_path / "rtpengine.conf"
    conf.write_text("[rtpengine]\nlisten-cli = 127.0.0.1:1\n")
    args = ["-config-file", str(conf)] + argv
    theirs = run([DEBIAN_CTL] + args)
    ours = run([util("rtpengine-ctl")] + args)
    assert ours.returncode == theirs.returncode
    assert ours.stdout == theirs.stdout
    if "Cannot connect" in theirs.stderr:
        assert ours.stderr == theirs.stderr


def test_ctl_reads_listen_cli_from_config(daemon, tmp_path):
    conf = tmp_path / "rtpengine.conf"
    conf.write_text("# comment\n[other]\nlisten-cli = 1\n[rtpengine]\nlisten-cli = 127.0.0.1:%d\n" % daemon.cli_port)
    r = run([util("rtpengine-ctl"), "--config-file", str(conf), "list", "numsessions"])
    assert r.returncode == 0, r.stderr
    assert "Current sessions own" in r.stdout or "sessions" in r.stdout.lower()
    # A bare number is the port; the address stays the default, which the -ip option overrides.
    conf.write_text("[rtpengine]\nlisten-cli = %d\n" % daemon.cli_port)
    r = run([util("rtpengine-ctl"), "-c", str(conf), "-ip", "127.0.0.1", "get", "timeout"])
    assert r.returncode == 0 and r.stdout.startswith("TIMEOUT="), r


# --- rtpengine-ng-client ---------------------------------------------------------------

def ng_client(daemon, *args, timeout=15):
    return run([util("rtpengine-ng-client"), "--proxy-address=127.0.0.1", "--proxy-port", str(daemon.ng_port)]
               + list(args), timeout=timeout)


def test_ng_client_ping(daemon):
    r = ng_client(daemon, "ping")
    assert r.returncode == 0, r.stderr
    assert "Result dictionary:" in r.stdout
    assert "result => 'pong'" in r.stdout
    r = ng_client(daemon, "--json", "ping")
    assert r.returncode == 0, r.stderr
    assert '{"result":"pong"}' in r.stdout


def test_ng_client_offer_query_delete(daemon, tmp_path):
    peer = Peer()
    try:
        sdp_file = tmp_path / "offer.sdp"
        sdp_file.write_text(make_sdp("192.0.2.10", peer.port))
        r = ng_client(daemon, "offer", "--call-id=ngc-1", "--from-tag=ft1", "--sdp-file", str(sdp_file),
                      "--replace-origin", "--replace-session-connection", "--ICE=remove",
                      "--flags=trust-address", "--direction=default,default", "--address-family=IP4",
                      "--transport-protocol=RTP/AVP", "--received-from=IP4", "--received-from=192.0.2.10")
        assert r.returncode == 0, r.stderr + r.stdout
        assert "Old SDP:" in r.stdout and "c=IN IP4 192.0.2.10" in r.stdout
        new_sdp = r.stdout.split("New SDP:", 1)[1]
        assert "c=IN IP4 127.0.0.1" in new_sdp
        port = int(re.search(r"^m=audio (\d+) RTP/AVP", new_sdp, re.M).group(1))
        assert 32000 <= port <= 32999

        r = ng_client(daemon, "query", "--call-id", "ngc-1")
        assert r.returncode == 0, r.stderr
        assert "ft1" in r.stdout and "totals" in r.stdout

        r = ng_client(daemon, "list")
        assert "'ngc-1'" in r.stdout

        r = ng_client(daemon, "delete", "--call-id=ngc-1", "--from-tag=ft1", "--delete-delay=0")
        assert r.returncode == 0, r.stderr
        assert "Result dictionary:" in r.stdout

        # The call is gone: the daemon's error comes back on stderr with status 1.
        r = ng_client(daemon, "query", "--call-id=ngc-1")
        assert r.returncode == 1
        assert 'Error reason: "Unknown call-id"' in r.stderr
    finally:
        peer.close()


def test_ng_client_retries_then_gives_up():
    # A bound UDP socket that never answers, so the client must resend and time out.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        start = time.time()
        r = run([util("rtpengine-ng-client"), "--proxy-address=127.0.0.1", "--proxy-port=%d" % port,
                 "--timeout=0.3", "--retries=3", "ping"])
        elapsed = time.time() - start
        assert r.returncode == 2
        assert "no reply" in r.stderr
        assert elapsed >= 0.85
        s.settimeout(0.1)
        datagrams = []
        try:
            while True:
                datagrams.append(s.recv(65536))
        except socket.timeout:
            pass
        assert len(datagrams) == 3
        assert len(set(datagrams)) == 1          # the same cookie every time
        cookie, body = datagrams[0].split(b" ", 1)
        assert re.fullmatch(rb"[0-9a-z]{16}", cookie)
        assert body == b"d7:command4:pinge"


def test_ng_client_bad_command_line():
    r = run([util("rtpengine-ng-client"), "--no-such-option", "ping"])
    assert r.returncode == 2 and "Unknown option" in r.stderr
    r = run([util("rtpengine-ng-client")])
    assert r.returncode == 2
