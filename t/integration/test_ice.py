"""ICE (RFC 8445) against Debian's rtpengine 10.5 as the oracle, and against an independent
ICE implementation (Debian's python3-aioice) as the participant.

Signalling: the ICE key's absent/force/default/remove with and without ICE in the offer
and in the answer; the rewritten SDPs' ICE lines (credentials and foundations, which are
random, normalized) and query's ICE flags must be the oracle's.

Media: an aioice agent as the offerer (it controls, we are controlled towards it) and as the
answerer (we control and nominate), with a plain RTP endpoint on the other side. ICE must
complete, media must flow both ways through the pair ICE selected, and query must show the
selected address. The same test runs against the oracle, which proves the test itself.
"""

import asyncio
import itertools
import re
import socket
import struct

import pytest

from rtpe_testlib import decoded

aioice = pytest.importorskip("aioice", reason="needs Debian's python3-aioice")  # installed by make check
if aioice is None:  # pragma: no cover
    raise AssertionError("python3-aioice missing")

# aioice leaves loopback out of its host candidates; the tests talk only to 127.0.0.1.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


# ---- signalling ----

def sdp(origin, port, with_ice, trickle=True):
    lines = ["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
             "m=audio %d RTP/AVP 0" % port]
    if with_ice:
        lines += ["a=ice-ufrag:%sufrag" % origin, "a=ice-pwd:%spwdpwdpwdpwdpwdpwdpwdpwd" % origin]
        if trickle:
            lines.append("a=ice-options:trickle")
        lines += ["a=candidate:1 1 UDP 2130706431 127.0.0.1 %d typ host" % port,
                  "a=candidate:1 2 UDP 2130706430 127.0.0.1 %d typ host" % (port + 1),
                  "a=candidate:2 1 UDP 1694498815 192.0.2.1 %d typ srflx raddr 127.0.0.1 rport %d"
                  % (port + 100, port),
                  "a=candidate:3 1 UDP 16777215 192.0.2.9 %d typ relay raddr 192.0.2.1 rport %d"
                  % (port + 200, port + 100)]
    return "\r\n".join(lines) + "\r\n"


def normalized(sdp_text, names):
    out = []
    for line in sdp_text.split("\r\n"):
        line = re.sub(r"^a=ice-ufrag:\S+", "a=ice-ufrag:U", line)
        line = re.sub(r"^a=ice-pwd:\S+", "a=ice-pwd:P", line)
        line = re.sub(r"^a=candidate:[A-Za-z0-9]+ ", "a=candidate:F ", line)
        line = re.sub(r"\b(\d{5})\b", lambda m: names.get(int(m.group(1)), m.group(1)), line)
        out.append(line)
    return out


def observe(daemon, call_id, mode, offer_ice, answer_ice, trickle, keys=None):
    offer = {"command": "offer", "call-id": call_id, "from-tag": "ft",
             "sdp": sdp("a", 6000, offer_ice, trickle)}
    if mode:
        offer["ICE"] = mode
    offer.update(keys or {})
    r1 = decoded(daemon.ng.request(offer))
    q_offer = decoded(daemon.ng.request({"command": "query", "call-id": call_id}))
    r2 = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
                                    "sdp": sdp("b", 7000, answer_ice, trickle)}))
    q = decoded(daemon.ng.request({"command": "query", "call-id": call_id}))
    daemon.ng.request({"command": "delete", "call-id": call_id})
    names = {}
    for tag in ("ft", "tt"):
        for i, s in enumerate(q["tags"][tag]["medias"][0]["streams"]):
            names[s["local port"]] = "%s%d" % (tag, i)
    seen = {"offer": normalized(r1["sdp"], names), "answer": normalized(r2["sdp"], names)}
    for label, query in (("after offer", q_offer), ("after answer", q)):
        for tag, p in query["tags"].items():
            m = p["medias"][0]
            seen["%s %s" % (label, tag)] = (m["flags"], [s["flags"] for s in m["streams"]])
    return seen


CASES = [(mode, o, a, t) for mode in ("", "force", "default", "remove", "optional", "force-relay")
         for o, a in itertools.product((False, True), repeat=2) for t in (False, True) if o or a or t]


@pytest.mark.parametrize("mode,offer_ice,answer_ice,trickle", CASES,
                         ids=["%s-%d%d-%s" % (m or "absent", o, a, "trickle" if t else "plain") for m, o, a, t in CASES])
def test_signalling_matches_oracle(daemons, mode, offer_ice, answer_ice, trickle):
    ours, oracle = daemons
    call_id = "ice-%s-%d%d%d" % (mode, offer_ice, answer_ice, trickle)
    expected = observe(oracle, call_id, mode, offer_ice, answer_ice, trickle)
    assert observe(ours, call_id, mode, offer_ice, answer_ice, trickle) == expected


EXTRA = [{"ICE-lite": v} for v in ("forward", "backward", "both", "off")] + [{"flags": ["reject ICE"]}]


@pytest.mark.parametrize("keys", EXTRA, ids=[str(k) for k in EXTRA])
@pytest.mark.parametrize("mode", ["", "force"])
def test_lite_and_reject_match_oracle(daemons, keys, mode):
    ours, oracle = daemons
    for offer_ice, answer_ice in ((True, True), (True, False), (False, True)):
        call_id = "ice-extra-%s-%s-%d%d" % (mode, sorted(keys.items()), offer_ice, answer_ice)
        expected = observe(oracle, call_id, mode, offer_ice, answer_ice, True, keys)
        assert observe(ours, call_id, mode, offer_ice, answer_ice, True, keys) == expected


def test_trickle_flag_matches_oracle(daemons):
    ours, oracle = daemons
    seen = []
    for d in (ours, oracle):
        r = decoded(d.ng.request({"command": "offer", "call-id": "ice-trickle-flag", "from-tag": "ft",
                                  "ICE": "force", "flags": ["trickle ICE"], "sdp": sdp("a", 6000, False)}))
        d.ng.request({"command": "delete", "call-id": "ice-trickle-flag"})
        seen.append([l.split(":")[0] for l in r["sdp"].split("\r\n") if l.startswith("a=")])
    assert seen[0] == seen[1]
    assert "a=ice-options" in seen[0] and "a=end-of-candidates" in seen[0]


# ---- media with an independent ICE agent ----

def rtp(seq, marker=0xAB):
    return struct.pack("!BBHII", 0x80, 0, seq, seq * 160, 0x55667788) + bytes([marker]) * 160


def ice_sdp(origin, conn, mux=True):
    port = conn.local_candidates[0].port
    lines = ["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
             "m=audio %d RTP/AVP 0" % port, "a=ice-ufrag:" + conn.local_username,
             "a=ice-pwd:" + conn.local_password]
    if mux:
        lines.append("a=rtcp-mux")
    lines += ["a=candidate:" + c.to_sdp() for c in conn.local_candidates]
    return "\r\n".join(lines) + "\r\n"


async def give_remote(conn, sdp_text):
    conn.remote_username = re.search(r"a=ice-ufrag:(\S+)", sdp_text).group(1)
    conn.remote_password = re.search(r"a=ice-pwd:(\S+)", sdp_text).group(1)
    for value in re.findall(r"a=candidate:(.*)", sdp_text):
        await conn.add_remote_candidate(aioice.Candidate.from_sdp(value.strip()))
    await conn.add_remote_candidate(None)


class PlainPeer:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)

    def port(self):
        return self.sock.getsockname()[1]


async def exchange_media(conn, plain, target_port):
    """aioice sends through its selected pair, the plain peer to our port; both must receive."""
    loop = asyncio.get_running_loop()
    got_plain, got_ice = [], []
    for seq in range(1, 6):
        await conn.send(rtp(seq))
        plain.sock.sendto(rtp(seq, 0xCD), ("127.0.0.1", target_port))
        await asyncio.sleep(0.05)
        try:
            while True:
                got_plain.append(plain.sock.recv(2048))
        except BlockingIOError:
            pass
        try:
            while True:
                got_ice.append(await asyncio.wait_for(conn.recv(), 0.05))
        except asyncio.TimeoutError:
            pass
    del loop
    return got_plain, got_ice


def run(coroutine):
    return asyncio.new_event_loop().run_until_complete(asyncio.wait_for(coroutine, 20))


@pytest.mark.parametrize("lite", [False, True], ids=["full", "we-are-lite"])
@pytest.mark.parametrize("which", ["ours", "oracle"])
def test_ice_offerer_reaches_plain_answerer(daemons, which, lite):
    """The offerer controls; we answer its checks (and, as a full agent, check it too)."""
    daemon = daemons[0 if which == "ours" else 1]

    async def scenario():
        conn = aioice.Connection(ice_controlling=True, components=1)
        plain = PlainPeer()
        call_id = "ice-media-offerer-%s-%d" % (which, lite)
        try:
            await conn.gather_candidates()
            offer = {"command": "offer", "call-id": call_id, "from-tag": "ft", "rtcp-mux": ["demux"],
                     "sdp": ice_sdp("a", conn)}
            if lite:
                offer["ICE-lite"] = "backward"
            r = decoded(daemon.ng.request(offer))
            to_plain = int(re.search(r"m=audio (\d+)", r["sdp"]).group(1))
            answer = sdp("b", plain.port(), False)
            r = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft",
                                           "to-tag": "tt", "sdp": answer}))
            assert "a=ice-ufrag" in r["sdp"] and "a=rtcp-mux" in r["sdp"], r["sdp"]
            assert ("a=ice-lite" in r["sdp"]) == lite
            assert len(re.findall(r"a=candidate:", r["sdp"])) == 1  # mux: component 1 only
            await give_remote(conn, r["sdp"])
            await conn.connect()
            got_plain, got_ice = await exchange_media(conn, plain, to_plain)
            assert any(p[12] == 0xAB for p in got_plain), "offerer's RTP did not reach the plain side"
            assert any(p[12] == 0xCD for p in got_ice), "plain side's RTP did not reach the ICE offerer"
            q = decoded(daemon.ng.request({"command": "query", "call-id": call_id}))
            ft = q["tags"]["ft"]["medias"][0]
            assert "ICE" in ft["flags"]
            assert ft["streams"][0]["endpoint"]["port"] == conn.local_candidates[0].port
        finally:
            daemon.ng.request({"command": "delete", "call-id": call_id})
            await conn.close()
            plain.sock.close()

    run(scenario())


@pytest.mark.parametrize("mode", ["force", "force-relay"])
@pytest.mark.parametrize("which", ["ours", "oracle"])
def test_ice_answerer_is_nominated_by_us(daemons, which, mode):
    """With force-relay the offer keeps the plain offerer's own c= and m=: the ICE answerer
    reaches us only through our relay candidate."""
    daemon = daemons[0 if which == "ours" else 1]

    async def scenario():
        conn = aioice.Connection(ice_controlling=False, components=1)
        plain = PlainPeer()
        call_id = "ice-media-answerer-%s-%s" % (which, mode)
        try:
            await conn.gather_candidates()
            r = decoded(daemon.ng.request({"command": "offer", "call-id": call_id, "from-tag": "ft", "ICE": mode,
                                           "rtcp-mux": ["require"], "sdp": sdp("a", plain.port(), False)}))
            offer_to_ice = r["sdp"]
            assert "a=ice-ufrag" in offer_to_ice
            if mode == "force-relay":
                assert "m=audio %d " % plain.port() in offer_to_ice
                assert re.search(r"a=candidate:\S+ 1 UDP \d+ 127\.0\.0\.1 \d+ typ relay", offer_to_ice), offer_to_ice
            r = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft",
                                           "to-tag": "tt", "sdp": ice_sdp("b", conn)}))
            to_ice_side = int(re.search(r"m=audio (\d+)", r["sdp"]).group(1))
            await give_remote(conn, offer_to_ice)
            await conn.connect()  # completes only once we nominated a pair
            got_plain, got_ice = await exchange_media(conn, plain, to_ice_side)
            assert any(p[12] == 0xAB for p in got_plain), "answerer's RTP did not reach the plain side"
            assert any(p[12] == 0xCD for p in got_ice), "plain side's RTP did not reach the ICE answerer"
            q = decoded(daemon.ng.request({"command": "query", "call-id": call_id}))
            tt = q["tags"]["tt"]["medias"][0]
            assert "ICE" in tt["flags"] and "ICE controlling" in tt["flags"]
            assert tt["streams"][0]["endpoint"]["port"] == conn.local_candidates[0].port
        finally:
            daemon.ng.request({"command": "delete", "call-id": call_id})
            await conn.close()
            plain.sock.close()

    run(scenario())


def test_wrong_password_is_refused_and_media_is_not_redirected(daemons):
    """A check signed with another password must not select a pair: media keeps going to
    the address the SDP and traffic gave, not to whoever sent the check."""
    ours = daemons[0]

    async def scenario():
        conn = aioice.Connection(ice_controlling=True, components=1)
        plain = PlainPeer()
        call_id = "ice-bad-pwd"
        try:
            await conn.gather_candidates()
            ours.ng.request({"command": "offer", "call-id": call_id, "from-tag": "ft", "rtcp-mux": ["demux"],
                             "sdp": ice_sdp("a", conn)})
            r = decoded(ours.ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
                                         "sdp": sdp("b", plain.port(), False)}))
            await give_remote(conn, r["sdp"].replace("a=ice-pwd:", "a=ice-pwd:x"))
            with pytest.raises(ConnectionError):
                await conn.connect()
            q = decoded(ours.ng.request({"command": "query", "call-id": call_id}))
            learning = q["tags"]["ft"]["medias"][0]["streams"][0].get("learning", {})
            assert learning.get("state") != "ICE", learning
        finally:
            ours.ng.request({"command": "delete", "call-id": call_id})
            await conn.close()
            plain.sock.close()

    run(scenario())
