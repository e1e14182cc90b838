"""The --dtls-* options as upstream 10.5 has them: the certificate made at start (key type,
RSA size, signature), the ciphers, and the passive role preference; bad values refused."""

import re

from rtpe_testlib import decoded, free_udp_port, run_daemon_once, start_ng_daemon, stop_ng_daemon

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
