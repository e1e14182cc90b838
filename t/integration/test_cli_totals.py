"""`list totals` against Debian's rtpengine (the oracle): the same ng requests to both, then
the two outputs, fetched through Debian's rtpengine-ctl, must match line for line once every
number is masked; counters that do not depend on timing must match exactly."""

import os
import re
import subprocess
import time

import pytest

from rtpe_testlib import Daemon, NgClient, free_tcp_port, free_udp_port
from test_calls import Peer, make_sdp, offer_answer, rtp_packet, sdp_port

ORACLE = "/usr/bin/rtpengine"
RTPENGINE_CTL = "/usr/bin/rtpengine-ctl"


def start(oracle, port_min, extra=()):
    ng_port = free_udp_port()
    cli_port = free_tcp_port()
    args = ["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % ng_port, "-t", "-1",
            "--listen-cli=127.0.0.1:%d" % cli_port, "-m", str(port_min), "-M", str(port_min + 499)]
    if oracle:
        args += ["-L", "6", "--num-threads=1"]  # it logs "Startup complete" at level 6
    d = Daemon(args=args + list(extra), binary=ORACLE if oracle else None)
    d.start()
    d.cli_port = cli_port
    d.ng = NgClient(("127.0.0.1", ng_port))
    return d


@pytest.fixture
def pair(request):
    if not os.path.exists(ORACLE) or not os.path.exists(RTPENGINE_CTL):
        pytest.fail("the oracle (%s, %s) is missing: install rtpengine-daemon and rtpengine-utils"
                    % (ORACLE, RTPENGINE_CTL))
    extra = getattr(request, "param", ())
    daemons = []
    try:
        daemons.append(start(True, 33000, extra))
        daemons.append(start(False, 33500, extra))
        yield daemons
    finally:
        for d in daemons:
            d.ng.close()
            d.stop()


def totals(d):
    r = subprocess.run([RTPENGINE_CTL, "-ip", "127.0.0.1", "-port", str(d.cli_port), "list", "totals"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout


def masked(text):
    return re.sub(r"\d+", "N", text)


def values(text):
    """label -> value text of the " label:value" lines."""
    out = {}
    for line in text.split("\n"):
        m = re.match(r" (\S.*?)\s*:(\S.*)$", line)
        if m:
            out.setdefault(m.group(1), m.group(2))
    return out


def control_rows(text):
    lines = text.split("\n")
    start = lines.index("Control statistics:") + 2
    rows = []
    for line in lines[start:]:
        if not line:
            break
        rows.append([cell.strip() for cell in line.split("|")])
    return rows


def sequence(ng):
    peers = [Peer() for _ in range(4)]
    for i, call_id in enumerate(("totals-one", "totals-two")):
        offer_answer(ng, call_id, peers[2 * i], peers[2 * i + 1])
    assert ng.request({"command": "delete", "call-id": "totals-one", "from-tag": "A"})["result"] == b"ok"
    assert ng.request({"command": "query", "call-id": "totals-two"})["result"] == b"ok"
    assert ng.request({"command": "ping"})["result"] == b"pong"
    for p in peers:
        p.close()


def test_layout_matches_upstream(pair):
    oracle, ours = pair
    before = [totals(d) for d in pair]
    assert masked(before[1]) == masked(before[0])
    for d in pair:
        sequence(d.ng)
    after = [totals(d) for d in pair]
    assert masked(after[1]) == masked(after[0])
    # The layout changed with the calls: a proxy row appeared in the control table.
    assert masked(after[1]) != masked(before[1])

    v = values(after[1])
    assert v["Owned sessions"] == "2"
    assert v["Total sessions"] == "2"
    assert v["Total managed sessions"] == "0"  # the deleted call waits out its delete delay
    assert v["Total rejected sessions"] == "0"
    assert v["Average call duration"] == "0.000000 seconds"
    assert v["Min/Max/Avg offer processing delay"] == "0.000000/0.000000/0.000000 sec"
    header = control_rows(after[1])[0]
    assert header[:4] == ["Proxy", "Ping", "Offer", "Answer"] and header[-1] == "Unsub"
    for text in after:
        rows = control_rows(text)
        assert len(rows) == 2
        row = dict(zip(rows[0], rows[1]))
        assert row["Proxy"] == "127.0.0.1"
        assert (row["Ping"], row["Offer"], row["Answer"], row["Delete"], row["Query"], row["List"]) == \
            ("1", "2", "2", "1", "1", "0")
    assert control_rows(after[0]) == control_rows(after[1])


def send_rtp(sender, to_port, count=3):
    for i in range(count):
        sender.rtp.sendto(rtp_packet(i), ("127.0.0.1", to_port))


@pytest.mark.parametrize("pair", [("-d", "0", "--max-sessions=2")], indirect=True)
def test_ended_call_counters_match_upstream(pair):
    """Calls that ended, by how their streams carried media, and a refused offer."""
    for d in pair:
        peers = [Peer() for _ in range(6)]
        silent = offer_answer(d.ng, "silent", peers[0], peers[1])
        one_way = offer_answer(d.ng, "one-way", peers[2], peers[3])
        send_rtp(peers[2], sdp_port(one_way[1]))
        assert peers[3].rtp.recv(2048)
        time.sleep(0.2)
        for call_id in ("silent", "one-way"):
            assert d.ng.request({"command": "delete", "call-id": call_id, "from-tag": "A"})["result"] == b"ok"
        both = offer_answer(d.ng, "both-ways", peers[4], peers[5])
        send_rtp(peers[4], sdp_port(both[1]))
        send_rtp(peers[5], sdp_port(both[0]))
        assert peers[5].rtp.recv(2048) and peers[4].rtp.recv(2048)
        offer_answer(d.ng, "filler", Peer(), Peer())
        refused = d.ng.request({"command": "offer", "call-id": "refused", "from-tag": "A",
                                "sdp": make_sdp("127.0.0.1", 40000)})
        assert refused["result"] == b"error"
        time.sleep(0.2)
        assert d.ng.request({"command": "delete", "call-id": "both-ways", "from-tag": "A"})["result"] == b"ok"
        time.sleep(0.2)
        for p in peers:
            p.close()
        del silent
    oracle, ours = [totals(d) for d in pair]
    assert masked(ours) == masked(oracle)
    mine, theirs = values(ours), values(oracle)
    expected = {
        "Owned sessions": "1",
        "Total managed sessions": "3",
        "Total rejected sessions": "1",
        "Total regular terminated sessions": "3",
        "Total forced terminated sessions": "0",
        "Total timed-out sessions via TIMEOUT": "0",
        "Total relayed packets": "9",
        "Total number of streams with no relayed packets": "1",
        "Total number of 1-way streams": "1",
    }
    for label, value in expected.items():
        assert (label, mine[label]) == (label, value)
        assert (label, theirs[label]) == (label, value)
    assert float(mine["Average call duration"].split()[0]) > 0
    assert float(mine["Total calls duration"].split()[0]) > 0
    rows = [dict(zip(control_rows(t)[0], control_rows(t)[1])) for t in (ours, oracle)]
    assert rows[0]["Offer"] == rows[1]["Offer"] == "5"
    assert rows[0]["Delete"] == rows[1]["Delete"] == "3"
