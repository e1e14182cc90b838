"""The --dtls-* options as upstream 10.5 has them: the certificate made at start (key type,
RSA size, signature), the ciphers, and the passive role preference; bad values refused."""

import itertools
import re

import pytest

from rtpe_testlib import (decoded, free_udp_port, run_daemon_once, start_ng_daemon, start_with_oracle,
                          stop_ng_daemon, stop_with_oracle)

FINGERPRINT = "sha-256 " + ":".join(["5C"] * 32)


def offer_sdp(setup):
    return ("v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio 6000 UDP/TLS/RTP/SAVPF 0\r\na=setup:%s\r\na=fingerprint:%s\r\n" % (setup, FINGERPRINT))


def answer_setup(daemon, call_id):
    daemon.ng.request({"command": "offer", "call-id": call_id, "from-tag": "ft", "sdp": offer_sdp("actpass")})
    r = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
                                   "sdp": offer_sdp("active").replace("6000", "7000")}))
    return re.search(r"a=setup:(\w+)", r["sdp"]).group(1), re.search(r"a=fingerprint:(\S+ \S+)", r["sdp"]).group(1)


def test_defaults_take_the_active_role_with_a_sha256_fingerprint():
    d = start_ng_daemon()
    try:
        setup, fingerprint = answer_setup(d, "dtls-defaults")
        assert setup == "active"
        assert re.fullmatch(r"sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}", fingerprint)
    finally:
        stop_ng_daemon(d)


def test_rsa_sha1_certificate_and_passive_preference():
    d = start_ng_daemon(["--dtls-cert-cipher=RSA", "--dtls-rsa-key-size=2048", "--dtls-signature=SHA-1",
                         "--dtls-mtu=1000", "--dtls-passive"])
    try:
        setup, _ = answer_setup(d, "dtls-rsa")
        assert setup == "passive"
    finally:
        stop_ng_daemon(d)


def test_bad_values_are_refused_at_start():
    for bad in (["--dtls-cert-cipher=DSA"], ["--dtls-signature=MD5"], ["--dtls-mtu=100"],
                ["--dtls-ciphers=NOTHINGATALL"], ["--dtls-cert-cipher=RSA", "--dtls-rsa-key-size=1024"]):
        r = run_daemon_once(["--config-file=none", "-f", "-E", "-i", "127.0.0.1", "-n", "127.0.0.1:%d" % free_udp_port()] + bad)
        assert r.returncode != 0, (bad, r.stdout, r.stderr)
        assert "dtls" in (r.stdout + r.stderr).lower() or "openssl" in (r.stdout + r.stderr).lower(), (bad, r.stderr)


def answered_setup(daemon, call_id, offer_keys, answer_keys, answerer_setup):
    """The a=setup our answer gives an offerer that offered actpass."""
    daemon.ng.request(dict({"command": "offer", "call-id": call_id, "from-tag": "ft",
                            "sdp": offer_sdp("actpass")}, **offer_keys))
    answer = offer_sdp(answerer_setup).replace("6000", "7000") if answerer_setup else (
        "v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n")
    r = decoded(daemon.ng.request(dict({"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
                                        "sdp": answer}, **answer_keys)))
    return re.search(r"a=setup:(\w+)", r["sdp"]).group(1)


ROLE_KEYS = [{}, {"DTLS": "passive"}, {"DTLS": "active"}, {"DTLS-reverse": "passive"}, {"DTLS-reverse": "active"}]


@pytest.mark.parametrize("global_passive", [False, True], ids=["default", "dtls-passive"])
def test_dtls_reverse_and_dtls_keys_choose_our_answered_role_as_upstream(global_passive):
    """DTLS-reverse in the offer and DTLS in the answer each ask for the role we answer the
    offerer with; either asking for passive (each defaulting to --dtls-passive) wins."""
    pair = start_with_oracle(["--dtls-passive"] if global_passive else [])
    try:
        seen = {}
        for n, (offer_keys, answer_keys, answerer) in enumerate(
                itertools.product(ROLE_KEYS, ROLE_KEYS, [None, "active", "passive"])):
            got = [answered_setup(d, "rev-%d" % n, offer_keys, answer_keys, answerer) for d in pair]
            assert got[0] == got[1], (offer_keys, answer_keys, answerer, got)
            seen[(str(offer_keys), str(answer_keys))] = got[0]
        # The matrix is not trivially uniform: the keys did change something.
        if not global_passive:
            assert seen[(str({"DTLS-reverse": "passive"}), str({}))] == "passive"
            assert seen[(str({}), str({}))] == "active"
        else:
            assert seen[(str({"DTLS-reverse": "active"}), str({"DTLS": "active"}))] == "active"
            assert seen[(str({"DTLS-reverse": "active"}), str({}))] == "passive"
    finally:
        stop_with_oracle(pair)
