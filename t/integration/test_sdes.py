"""SDES-SRTP (RFC 4568, RFC 3711) against Debian's rtpengine 10.5 as the oracle, and
against an independent SRTP implementation (libsrtp2 through Debian's python3-pylibsrtp)
as the participant.

Signalling: plain RTP <-> SRTP in both directions (transport-protocol) and SRTP <-> SRTP;
the rewritten SDPs' m= lines and a=crypto lines (keys, which are random, normalized) and
query's "SDES" flag and "crypto suite" must be the oracle's; so must the DTLS-SRTP lines
offered beside SDES (a=setup, a=fingerprint; compared by name, the fingerprints differ).

Media: the SRTP participant protects with its key and unprotects with the key our SDP gave
it, with libsrtp; the plain one sends and receives RTP; both must get what the other sent,
through both daemons. A packet with a broken tag is dropped and counted.
"""

import re
import struct
import time

import pytest

from media_testlib import PortPair as Peer, rtcp_sr, rtp, srtp_session
from rtpe_testlib import decoded

pylibsrtp = pytest.importorskip("pylibsrtp", reason="needs Debian's python3-pylibsrtp")

KEY_80 = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
KEY_32 = "NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj"


def sdp(origin, port, protocol, cryptos=()):
    lines = ["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
             "m=audio %d %s 0" % (port, protocol)]
    lines += ["a=crypto:%s" % c for c in cryptos]
    return "\r\n".join(lines) + "\r\n"


SCENARIOS = {
    # offerer plain, answerer SRTP: we offer every suite, the answerer takes one
    "rtp-to-srtp": ({"transport-protocol": "RTP/SAVP"}, ("RTP/AVP", []),
                    ("RTP/SAVP", ["7 AES_CM_128_HMAC_SHA1_80 inline:" + KEY_80])),
    # offerer SRTP, answerer plain: we answer the offerer's first line with a key of our own
    "srtp-to-rtp": ({"transport-protocol": "RTP/AVP"},
                    ("RTP/SAVP", ["1 AES_CM_128_HMAC_SHA1_32 inline:" + KEY_32,
                                  "2 AES_CM_128_HMAC_SHA1_80 inline:" + KEY_80]),
                    ("RTP/AVP", [])),
    # both SRTP: the offerer's lines are passed on (with their tags) before ours
    "srtp-to-srtp": ({}, ("RTP/SAVP", ["1 AES_CM_128_HMAC_SHA1_80 inline:%s|2^20|1:4" % KEY_80,
                                       "2 AES_CM_128_HMAC_SHA1_32 inline:" + KEY_32]),
                     ("RTP/SAVP", ["2 AES_CM_128_HMAC_SHA1_32 inline:" + KEY_80])),
}


def sdes_view(sdp_text):
    """m= and a=crypto lines, keys normalized (our passed-on keys are kept as they are)."""
    out = []
    for line in sdp_text.split("\r\n"):
        if line.startswith("m="):
            out.append(re.sub(r"\d{4,5}", "PORT", line))
        elif line.startswith("a=crypto:"):
            out.append(re.sub(r"inline:(?!%s|%s)[A-Za-z0-9+/]+" % (re.escape(KEY_80), re.escape(KEY_32)),
                              "inline:NEW", line))
    return out


def dtls_lines(sdp_text):
    return [line.split(" ")[0] for line in sdp_text.split("\r\n") if line.startswith(("a=setup", "a=fingerprint"))]


def observe(daemon, call_id, scenario):
    keys, (offer_proto, offer_crypto), (answer_proto, answer_crypto) = SCENARIOS[scenario]
    offer = {"command": "offer", "call-id": call_id, "from-tag": "ft", "sdp": sdp("a", 6000, offer_proto, offer_crypto)}
    offer.update(keys)
    r1 = decoded(daemon.ng.request(offer))
    r2 = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
                                    "sdp": sdp("b", 7000, answer_proto, answer_crypto)}))
    q = decoded(daemon.ng.request({"command": "query", "call-id": call_id}))
    daemon.ng.request({"command": "delete", "call-id": call_id})
    seen = {"offer": sdes_view(r1["sdp"]), "answer": sdes_view(r2["sdp"])}
    for tag in ("ft", "tt"):
        m = q["tags"][tag]["medias"][0]
        seen[tag] = (m.get("protocol"), [f for f in m["flags"] if f in ("SDES",)],
                     [s.get("crypto suite") for s in m["streams"]])
    return seen, (dtls_lines(r1["sdp"]), dtls_lines(r2["sdp"]))


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_signalling_matches_oracle(daemons, scenario):
    ours, oracle = daemons
    expected, _ = observe(oracle, "sdes-" + scenario, scenario)
    got, _ = observe(ours, "sdes-" + scenario, scenario)
    assert got == expected


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_dtls_offered_beside_sdes_as_the_oracle_does(daemons, scenario):
    ours, oracle = daemons
    _, expected = observe(oracle, "sdes-dtls-lines-" + scenario, scenario)
    _, got = observe(ours, "sdes-dtls-lines-" + scenario, scenario)
    assert got == expected


# ---- media through libsrtp ----

def offered_key(sdp_text, suite):
    m = re.search(r"a=crypto:(\d+) %s inline:([A-Za-z0-9+/=]+)" % suite, sdp_text)
    return int(m.group(1)), m.group(2)


@pytest.mark.parametrize("which", ["ours", "oracle"])
def test_rtp_and_srtp_endpoints_hear_each_other(daemons, which):
    """Plain offerer, SRTP answerer (transport-protocol=RTP/SAVP), RTP and RTCP both ways."""
    daemon = daemons[0 if which == "ours" else 1]
    a, b = Peer(), Peer()
    call_id = "sdes-media-" + which
    try:
        r = decoded(daemon.ng.request({"command": "offer", "call-id": call_id, "from-tag": "ft",
                                       "transport-protocol": "RTP/SAVP", "sdp": sdp("a", a.port(), "RTP/AVP")}))
        to_b = int(re.search(r"m=audio (\d+)", r["sdp"]).group(1))
        tag, our_key = offered_key(r["sdp"], "AES_CM_128_HMAC_SHA1_80")
        r = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
                                       "sdp": sdp("b", b.port(), "RTP/SAVP",
                                                  ["%d AES_CM_128_HMAC_SHA1_80 inline:%s" % (tag, KEY_80)])}))
        to_a = int(re.search(r"m=audio (\d+)", r["sdp"]).group(1))
        b_tx, b_rx = srtp_session(KEY_80, True), srtp_session(our_key, False)
        got_a, got_a_rtcp, got_b, got_b_rtcp = [], [], [], []
        for seq in range(1, 6):
            a.rtp.sendto(rtp(seq, 0x1111, 0xAA), ("127.0.0.1", to_a))
            a.rtcp.sendto(rtcp_sr(0x1111), ("127.0.0.1", to_a + 1))
            b.rtp.sendto(b_tx.protect(rtp(seq, 0x2222, 0xBB)), ("127.0.0.1", to_b))
            b.rtcp.sendto(b_tx.protect_rtcp(rtcp_sr(0x2222)), ("127.0.0.1", to_b + 1))
            time.sleep(0.05)
            got_a += a.drain(a.rtp)
            got_a_rtcp += a.drain(a.rtcp)
            got_b += [b_rx.unprotect(p) for p in b.drain(b.rtp)]
            got_b_rtcp += [b_rx.unprotect_rtcp(p) for p in b.drain(b.rtcp)]
        assert any(p[12:] == b"\xbb" * 160 for p in got_a), "the plain side did not get the SRTP side's RTP"
        assert any(p[12:] == b"\xaa" * 160 for p in got_b), "the SRTP side did not get protected RTP it can read"
        assert any(p[1] == 200 for p in got_b_rtcp), "the SRTP side did not get protected RTCP it can read"
        assert rtcp_sr(0x2222) in got_a_rtcp, "the plain side did not get the SRTP side's RTCP in clear"
        # A broken authentication tag is dropped (the plain side gets nothing for it).
        bad = bytearray(b_tx.protect(rtp(99, 0x2222, 0xCC)))
        bad[-1] ^= 0xFF
        b.rtp.sendto(bytes(bad), ("127.0.0.1", to_b))
        time.sleep(0.1)
        assert not any(p[12:] == b"\xcc" * 160 for p in a.drain(a.rtp))
        if which == "ours":  # our addition to query
            q = decoded(daemon.ng.request({"command": "query", "call-id": call_id}))
            assert q["tags"]["tt"]["medias"][0]["streams"][0]["classified"]["SRTP failures"] == 1
    finally:
        daemon.ng.request({"command": "delete", "call-id": call_id})
        a.close()
        b.close()


@pytest.mark.parametrize("which", ["ours", "oracle"])
def test_srtp_to_srtp_is_rekeyed(daemons, which):
    """Both SRTP with their own keys; each reads what the other sent with the key our SDP gave it."""
    daemon = daemons[0 if which == "ours" else 1]
    a, b = Peer(), Peer()
    call_id = "sdes-rekey-" + which
    try:
        r = decoded(daemon.ng.request({"command": "offer", "call-id": call_id, "from-tag": "ft",
                                       "sdp": sdp("a", a.port(), "RTP/SAVP",
                                                  ["1 AES_CM_128_HMAC_SHA1_80 inline:" + KEY_32])}))
        to_b = int(re.search(r"m=audio (\d+)", r["sdp"]).group(1))
        # The answerer takes a suite of ours, not the offerer's line, so we must re-key.
        tag, key_for_b = offered_key(r["sdp"], "AES_CM_128_HMAC_SHA1_32")
        r = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
                                       "sdp": sdp("b", b.port(), "RTP/SAVP",
                                                  ["%d AES_CM_128_HMAC_SHA1_32 inline:%s" % (tag, KEY_80)])}))
        to_a = int(re.search(r"m=audio (\d+)", r["sdp"]).group(1))
        _, key_for_a = offered_key(r["sdp"], "AES_CM_128_HMAC_SHA1_80")
        a_tx, a_rx = srtp_session(KEY_32, True), srtp_session(key_for_a, False)
        b_tx, b_rx = srtp_session(KEY_80, True, 32), srtp_session(key_for_b, False, 32)
        got_a, got_b = [], []
        for seq in range(1, 6):
            a.rtp.sendto(a_tx.protect(rtp(seq, 0x1111, 0xAA)), ("127.0.0.1", to_a))
            b.rtp.sendto(b_tx.protect(rtp(seq, 0x2222, 0xBB)), ("127.0.0.1", to_b))
            time.sleep(0.05)
            got_a += [a_rx.unprotect(p) for p in a.drain(a.rtp)]
            got_b += [b_rx.unprotect(p) for p in b.drain(b.rtp)]
        assert any(p[12:] == b"\xbb" * 160 for p in got_a)
        assert any(p[12:] == b"\xaa" * 160 for p in got_b)
    finally:
        daemon.ng.request({"command": "delete", "call-id": call_id})
        a.close()
        b.close()


@pytest.mark.parametrize("which", ["ours", "oracle"])
def test_an_agreed_line_passes_srtp_through_unchanged(daemons, which):
    """The answerer takes the offerer's own line: both ends use the same keys. We pass SRTP
    and SRTCP as they were sent: the sender's own SRTCP index (it protected a few reports
    before the call was up) reaches the other end. Upstream 10.5 protects SRTCP anew (its
    own index from 0), which the other end reads all the same."""
    daemon = daemons[0 if which == "ours" else 1]
    a, b = Peer(), Peer()
    call_id = "sdes-passthrough-" + which
    try:
        r = decoded(daemon.ng.request({"command": "offer", "call-id": call_id, "from-tag": "ft",
                                       "sdp": sdp("a", a.port(), "RTP/SAVP",
                                                  ["1 AES_CM_128_HMAC_SHA1_80 inline:" + KEY_32])}))
        to_b = int(re.search(r"m=audio (\d+)", r["sdp"]).group(1))
        assert "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + KEY_32 in r["sdp"]
        r = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
                                       "sdp": sdp("b", b.port(), "RTP/SAVP",
                                                  ["1 AES_CM_128_HMAC_SHA1_80 inline:" + KEY_80])}))
        to_a = int(re.search(r"m=audio (\d+)", r["sdp"]).group(1))
        assert "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + KEY_80 in r["sdp"]
        a_tx, b_rx = srtp_session(KEY_32, True), srtp_session(KEY_32, False)
        b_tx, a_rx = srtp_session(KEY_80, True), srtp_session(KEY_80, False)
        for _ in range(7):
            a_tx.protect_rtcp(rtcp_sr(0x1111))  # never sent: the index moves on
        sent_rtp, sent_rtcp, got_rtp, got_rtcp, got_a = [], [], [], [], []
        for seq in range(1, 6):
            sent_rtp.append(a_tx.protect(rtp(seq, 0x1111, 0xAA)))
            sent_rtcp.append(a_tx.protect_rtcp(rtcp_sr(0x1111)))
            a.rtp.sendto(sent_rtp[-1], ("127.0.0.1", to_a))
            a.rtcp.sendto(sent_rtcp[-1], ("127.0.0.1", to_a + 1))
            b.rtp.sendto(b_tx.protect(rtp(seq, 0x2222, 0xBB)), ("127.0.0.1", to_b))
            time.sleep(0.05)
            got_rtp += b.drain(b.rtp)
            got_rtcp += b.drain(b.rtcp)
            got_a += [a_rx.unprotect(p) for p in a.drain(a.rtp)]
        assert got_rtp and set(got_rtp) <= set(sent_rtp)
        assert got_rtcp and all(b_rx.unprotect_rtcp(p)[1] == 200 for p in got_rtcp)
        if which == "ours":
            assert set(got_rtcp) <= set(sent_rtcp), "SRTCP was protected anew"
            # E flag and 31-bit index before the 10-byte tag; a new protection starts at 0.
            assert all(struct.unpack("!I", p[-14:-10])[0] & 0x7FFFFFFF >= 7 for p in got_rtcp)
        assert any(p[12:] == b"\xbb" * 160 for p in got_a)
    finally:
        daemon.ng.request({"command": "delete", "call-id": call_id})
        a.close()
        b.close()


# ---- SDES options ----

OPTIONS = [["no-NULL_HMAC_SHA1_32", "no-AES_CM_128_HMAC_SHA1_80"], ["pad"], ["lifetime"], ["unencrypted_srtp"],
           ["UNENCRYPTED_SRTCP", "unauthenticated_srtp"], ["encrypted_srtcp"], ["encrypted_srtp"], ["off"],
           ["no-F8_128_HMAC_SHA1_80"]]
OFFERS = {"plain": ({"transport-protocol": "RTP/SAVP"}, "RTP/AVP", []),
          "srtp": ({}, "RTP/SAVP", ["1 AES_CM_128_HMAC_SHA1_80 inline:%s|2^20|1:4 UNENCRYPTED_SRTCP" % KEY_80])}


def offered_crypto(daemon, call_id, offer_kind, options, as_flags):
    keys, protocol, cryptos = OFFERS[offer_kind]
    req = {"command": "offer", "call-id": call_id, "from-tag": "ft", "sdp": sdp("a", 6000, protocol, cryptos)}
    req.update(keys)
    if as_flags:
        req["flags"] = ["SDES-" + o for o in options]
    else:
        req["SDES"] = options
    r = decoded(daemon.ng.request(req))
    daemon.ng.request({"command": "delete", "call-id": call_id})
    # Keys of ours normalized, their padding and lifetime kept (what the options change).
    return [re.sub(r"inline:(?!%s)[A-Za-z0-9+/]+" % re.escape(KEY_80), "inline:NEW", line)
            for line in sdes_view(r["sdp"])]


@pytest.mark.parametrize("as_flags", [False, True], ids=["key", "flags"])
@pytest.mark.parametrize("offer_kind", sorted(OFFERS))
@pytest.mark.parametrize("options", OPTIONS, ids=["+".join(o) for o in OPTIONS])
def test_sdes_options_match_oracle(daemons, options, offer_kind, as_flags):
    ours, oracle = daemons
    call_id = "sdes-opt-%s-%s-%d" % ("+".join(options), offer_kind, as_flags)
    assert offered_crypto(ours, call_id, offer_kind, options, as_flags) == \
        offered_crypto(oracle, call_id, offer_kind, options, as_flags)
