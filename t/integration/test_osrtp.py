"""Opportunistic SRTP (RFC 8643: SDES on a plain RTP profile) as upstream 10.5 negotiates it:
an OSRTP offer passed on, taken up or declined by what the answerer does, the OSRTP key's
offer and accept, and media between an OSRTP offerer speaking SRTP (libsrtp) and a plain
answerer through both daemons."""

import itertools
import re
import time

import pytest

from media_testlib import PortPair, rtp, srtp_session
from rtpe_testlib import decoded

pytest.importorskip("pylibsrtp", reason="needs Debian's python3-pylibsrtp")

KEY = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"


def sdp(origin, port, protocol, crypto):
    lines = ["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
             "m=audio %d %s 0" % (port, protocol)]
    if crypto:
        lines.append("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + KEY)
    return "\r\n".join(lines) + "\r\n"


def normalized(text):
    text = re.sub(r"m=audio \d+", "m=audio P", text)
    text = re.sub(r"a=rtcp:\d+", "a=rtcp:P", text)
    text = re.sub(r"inline:\S+", "inline:K", text)
    return re.sub(r"a=fingerprint:\S+ \S+", "a=fingerprint:F", text)


def observe(daemon, call_id, offer, offer_keys, answer, answer_keys):
    seen = {}
    r = decoded(daemon.ng.request(dict({"command": "offer", "call-id": call_id, "from-tag": "ft",
                                        "sdp": sdp("a", 6000, *offer)}, **offer_keys)))
    seen["offer"] = normalized(r["sdp"])
    r = decoded(daemon.ng.request(dict({"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
                                        "sdp": sdp("b", 7000, *answer)}, **answer_keys)))
    seen["answer"] = normalized(r["sdp"])
    q = decoded(daemon.ng.request({"command": "query", "call-id": call_id}))
    seen["flags"] = {tag: p["medias"][0]["flags"] for tag, p in q["tags"].items()}
    daemon.ng.request({"command": "delete", "call-id": call_id})
    return seen


OFFERS = [("RTP/AVP", False), ("RTP/AVP", True), ("RTP/SAVP", True)]
OFFER_KEYS = [{}, {"OSRTP": ["offer"]}, {"flags": ["OSRTP-offer"]}, {"OSRTP": ["accept"]},
              {"transport-protocol": "RTP/SAVP"}, {"transport-protocol": "RTP/AVP"}]
ANSWERS = [("RTP/AVP", False), ("RTP/AVP", True), ("RTP/SAVP", True)]
ANSWER_KEYS = [{}, {"OSRTP": ["accept"]}]


@pytest.mark.parametrize("offer,offer_keys", list(itertools.product(OFFERS, OFFER_KEYS)),
                         ids=["%s%s-%s" % (o[0], "+crypto" if o[1] else "", k) for o, k in
                              itertools.product(OFFERS, OFFER_KEYS)])
def test_signalling_matches_oracle(daemons, offer, offer_keys):
    ours, oracle = daemons
    for n, (answer, answer_keys) in enumerate(itertools.product(ANSWERS, ANSWER_KEYS)):
        call_id = "osrtp-%s-%s-%d" % (offer, sorted(offer_keys.items()), n)
        expected = observe(oracle, call_id, offer, offer_keys, answer, answer_keys)
        assert observe(ours, call_id, offer, offer_keys, answer, answer_keys) == expected, (answer, answer_keys)


def test_an_osrtp_offer_is_passed_on_and_declined_with_the_answerer(daemons):
    """Without keys the answerer is offered OSRTP (SDES and DTLS on RTP/AVP); a plain answer
    leaves the offerer on plain RTP."""
    seen = observe(daemons[0], "osrtp-pass", ("RTP/AVP", True), {}, ("RTP/AVP", False), {})
    assert "m=audio P RTP/AVP 0" in seen["offer"] and seen["offer"].count("a=crypto:") == 12
    assert "a=setup:actpass" in seen["offer"]
    assert "a=crypto" not in seen["answer"]
    assert "SDES" not in seen["flags"]["ft"]


def port_of(text):
    return int(re.search(r"m=audio (\d+)", text).group(1))


@pytest.mark.parametrize("which", ["ours", "oracle"])
def test_osrtp_offerer_speaks_srtp_with_a_plain_answerer(daemons, which):
    """The answerer is offered plain RTP, so we take the offerer's OSRTP offer ourselves: it
    sends SRTP with its key and reads what we protect with ours; the answerer hears RTP."""
    daemon = daemons[0 if which == "ours" else 1]
    a, b = PortPair(), PortPair()
    call_id = "osrtp-media-" + which
    try:
        r = decoded(daemon.ng.request({"command": "offer", "call-id": call_id, "from-tag": "ft",
                                       "transport-protocol": "RTP/AVP", "sdp": sdp("a", a.port(), "RTP/AVP", True)}))
        assert "a=crypto" not in r["sdp"]
        to_b = port_of(r["sdp"])
        r = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
                                       "sdp": sdp("b", b.port(), "RTP/AVP", False)}))
        assert "m=audio %d RTP/AVP" % port_of(r["sdp"]) in r["sdp"]
        our_key = re.search(r"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:(\S+)", r["sdp"]).group(1)
        to_a = port_of(r["sdp"])
        a_tx, a_rx = srtp_session(KEY, True), srtp_session(our_key, False)
        got_a, got_b = [], []
        for seq in range(1, 6):
            a.rtp.sendto(a_tx.protect(rtp(seq, 0x1111, 0xAA)), ("127.0.0.1", to_a))
            b.rtp.sendto(rtp(seq, 0x2222, 0xBB), ("127.0.0.1", to_b))
            time.sleep(0.05)
            got_a += [a_rx.unprotect(p) for p in a.drain(a.rtp)]
            got_b += b.drain(b.rtp)
        assert any(p[12:] == b"\xaa" * 160 for p in got_b), "the plain answerer did not hear the OSRTP offerer"
        assert any(p[12:] == b"\xbb" * 160 for p in got_a), "the OSRTP offerer could not read what we sent it"
    finally:
        daemon.ng.request({"command": "delete", "call-id": call_id})
        a.close()
        b.close()


@pytest.mark.parametrize("which", ["ours", "oracle"])
def test_osrtp_offer_key_gives_srtp_to_an_answerer_that_takes_it(daemons, which):
    """OSRTP=offer: a plain offerer's answerer is offered SDES on RTP/AVP, answers with a
    key, and then speaks SRTP with us while the offerer stays on RTP."""
    daemon = daemons[0 if which == "ours" else 1]
    a, b = PortPair(), PortPair()
    call_id = "osrtp-offer-media-" + which
    try:
        r = decoded(daemon.ng.request({"command": "offer", "call-id": call_id, "from-tag": "ft",
                                       "OSRTP": ["offer"], "sdp": sdp("a", a.port(), "RTP/AVP", False)}))
        assert "m=audio %d RTP/AVP" % port_of(r["sdp"]) in r["sdp"]
        tag, our_key = re.search(r"a=crypto:(\d+) AES_CM_128_HMAC_SHA1_80 inline:(\S+)", r["sdp"]).groups()
        to_b = port_of(r["sdp"])
        answer = sdp("b", b.port(), "RTP/AVP", False) + "a=crypto:%s AES_CM_128_HMAC_SHA1_80 inline:%s\r\n" % (tag, KEY)
        r = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
                                       "sdp": answer}))
        assert "a=crypto" not in r["sdp"]
        to_a = port_of(r["sdp"])
        b_tx, b_rx = srtp_session(KEY, True), srtp_session(our_key, False)
        got_a, got_b = [], []
        for seq in range(1, 6):
            a.rtp.sendto(rtp(seq, 0x1111, 0xAA), ("127.0.0.1", to_a))
            b.rtp.sendto(b_tx.protect(rtp(seq, 0x2222, 0xBB)), ("127.0.0.1", to_b))
            time.sleep(0.05)
            got_a += a.drain(a.rtp)
            got_b += [b_rx.unprotect(p) for p in b.drain(b.rtp)]
        assert any(p[12:] == b"\xbb" * 160 for p in got_a), "the plain offerer did not hear the SRTP answerer"
        assert any(p[12:] == b"\xaa" * 160 for p in got_b), "the answerer could not read what we protected for it"
    finally:
        daemon.ng.request({"command": "delete", "call-id": call_id})
        a.close()
        b.close()
