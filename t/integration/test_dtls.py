"""DTLS-SRTP (RFC 5763) in the signalling, against Debian's rtpengine 10.5 as the oracle:
what each side is offered and answered (a=setup, a=fingerprint, beside or instead of SDES)
and what query shows (DTLS-SRTP, the DTLS roles, SDES and crypto suite). Fingerprints, keys
and ICE credentials are random and normalized. The media itself is proven with real
browsers in t/e2e/test_webrtc_chromium.py."""

import re

import pytest

from rtpe_testlib import decoded

FP = "sha-256 " + ":".join(["5C"] * 32)
FP1 = "sha-1 " + ":".join(["A1"] * 20)


def sdp(origin, port, protocol, setup=None, fingerprint=FP, crypto=None, ice=False):
    lines = ["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
             "m=audio %d %s 0" % (port, protocol), "a=ptime:20", "a=rtcp-mux"]
    if setup:
        lines += ["a=setup:" + setup, "a=fingerprint:" + fingerprint]
    if crypto:
        lines.append("a=crypto:" + crypto)
    if ice:
        lines += ["a=ice-ufrag:%sx" % origin, "a=ice-pwd:%spwdpwdpwdpwdpwdpwdpwdpwd" % origin,
                  "a=candidate:1 1 UDP 2130706431 127.0.0.1 %d typ host" % port]
    return "\r\n".join(lines) + "\r\n"


CASES = {
    "webrtc-both": ({"ICE": "force"}, sdp("a", 6000, "UDP/TLS/RTP/SAVPF", "actpass", ice=True),
                    {}, sdp("b", 7000, "UDP/TLS/RTP/SAVPF", "active", FP1, ice=True)),
    "passive-key": ({"DTLS": "passive"}, sdp("a", 6000, "UDP/TLS/RTP/SAVPF", "actpass"),
                    {"DTLS": "passive"}, sdp("b", 7000, "UDP/TLS/RTP/SAVPF", "passive")),
    "offerer-active": ({}, sdp("a", 6000, "UDP/TLS/RTP/SAVPF", "active"),
                       {}, sdp("b", 7000, "UDP/TLS/RTP/SAVPF", "actpass")),
    "to-plain": ({"transport-protocol": "RTP/AVP", "ICE": "remove"}, sdp("a", 6000, "UDP/TLS/RTP/SAVPF", "actpass"),
                 {"transport-protocol": "UDP/TLS/RTP/SAVPF"}, sdp("b", 7000, "RTP/AVP")),
    "from-plain": ({"transport-protocol": "UDP/TLS/RTP/SAVPF", "SDES": ["off"]}, sdp("a", 6000, "RTP/AVP"),
                   {"transport-protocol": "RTP/AVP"}, sdp("b", 7000, "UDP/TLS/RTP/SAVPF", "active")),
    "fingerprint-hash-offer": ({"DTLS-fingerprint": "SHA-1", "transport-protocol": "UDP/TLS/RTP/SAVPF"},
                               sdp("a", 6000, "RTP/AVP"), {}, sdp("b", 7000, "UDP/TLS/RTP/SAVPF", "active")),
    "fingerprint-hash-both": ({"DTLS-fingerprint": "SHA-512"}, sdp("a", 6000, "UDP/TLS/RTP/SAVPF", "actpass"),
                              {}, sdp("b", 7000, "UDP/TLS/RTP/SAVPF", "active", FP1)),
    "dtls-off": ({"DTLS": "off"}, sdp("a", 6000, "RTP/SAVP", "actpass", crypto="1 AES_CM_128_HMAC_SHA1_80 "
                                       "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"),
                 {}, sdp("b", 7000, "RTP/SAVP", crypto="1 AES_CM_128_HMAC_SHA1_80 "
                                                       "inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj")),
}


def normalized(text):
    out = []
    for line in text.split("\r\n"):
        line = re.sub(r"^a=fingerprint:(\S+) [0-9A-F:]+$", r"a=fingerprint:\1 FP", line)
        line = re.sub(r"inline:(?!WVNf|NzB4)[A-Za-z0-9+/=]+", "inline:KEY", line)
        # The daemons' own credentials are random; the test's are kept (a random one may
        # start like them: only the whole value tells them apart).
        line = re.sub(r"^a=ice-ufrag:(?!(ax|bx)$)\S+", "a=ice-ufrag:U", line)
        line = re.sub(r"^a=ice-pwd:(?!(a|b)pwd(pwd)+$)\S+", "a=ice-pwd:P", line)
        line = re.sub(r"^a=candidate:[A-Za-z0-9]{16} ", "a=candidate:F ", line)
        out.append(re.sub(r"\b\d{5}\b", "PORT", line))
    return out


def observe(daemon, call_id, case):
    offer_keys, offer, answer_keys, answer = CASES[case]
    req = {"command": "offer", "call-id": call_id, "from-tag": "ft", "sdp": offer}
    req.update(offer_keys)
    r1 = decoded(daemon.ng.request(req))
    req = {"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt", "sdp": answer}
    req.update(answer_keys)
    r2 = decoded(daemon.ng.request(req))
    q = decoded(daemon.ng.request({"command": "query", "call-id": call_id}))
    daemon.ng.request({"command": "delete", "call-id": call_id})
    seen = {"offer": normalized(r1["sdp"]), "answer": normalized(r2["sdp"])}
    for tag in ("ft", "tt"):
        m = q["tags"][tag]["medias"][0]
        seen[tag] = (m.get("protocol"), m["flags"], [(s["flags"], s.get("crypto suite")) for s in m["streams"]])
    return seen


@pytest.mark.parametrize("case", sorted(CASES))
def test_signalling_matches_oracle(daemons, case):
    ours, oracle = daemons
    expected = observe(oracle, "dtls-" + case, case)
    assert observe(ours, "dtls-" + case, case) == expected
