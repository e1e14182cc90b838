"""What an answerer sends before its answer reaches us: a browser answering a=setup:active
starts its DTLS handshake at once, and ICE agents check as soon as they have our offer. Such
packets are never relayed to the other side as strays; early DTLS is kept and handed to the
DTLS endpoint once the answer sets it up, so the handshake needs no retransmission. The DTLS
peer is `openssl s_client` (a DTLS 1.2 client offering use_srtp)."""

import fcntl
import os
import re
import select
import struct
import subprocess
import time

import pytest

from media_testlib import drain, udp_socket
from rtpe_testlib import decoded, free_udp_port, start_ng_daemon, stop_ng_daemon


@pytest.fixture
def daemon():
    d = start_ng_daemon()
    yield d
    stop_ng_daemon(d)


@pytest.fixture
def certificate(tmp_path):
    key, cert = str(tmp_path / "key.pem"), str(tmp_path / "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=answerer"], check=True,
                   capture_output=True)
    fingerprint = subprocess.check_output(["openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256"],
                                          text=True).strip().split("=")[1]
    return key, cert, fingerprint


def sdp(origin, port, protocol, extra=()):
    lines = ["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
             "m=audio %d %s 0" % (port, protocol), "a=rtcp-mux"] + list(extra)
    return "\r\n".join(lines) + "\r\n"


def read_until(process, text, seconds):
    """What process printed until text appeared, or seconds passed."""
    fd = process.stdout.fileno()
    fcntl.fcntl(fd, fcntl.F_SETFL, os.O_NONBLOCK)
    out = b""
    deadline = time.time() + seconds
    while time.time() < deadline and text.encode() not in out:
        if select.select([fd], [], [], 0.2)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            out += chunk
    return out.decode(errors="replace")


def test_early_dtls_is_kept_for_the_endpoint_and_not_relayed(daemon, certificate):
    key, cert, fingerprint = certificate
    a = udp_socket()
    b_port = free_udp_port()
    client = None
    try:
        r = decoded(daemon.ng.request({"command": "offer", "call-id": "early-dtls", "from-tag": "ft",
                                       "transport-protocol": "UDP/TLS/RTP/SAVPF", "rtcp-mux": ["require"],
                                       "ICE": "remove", "SDES": ["off"],
                                       "sdp": sdp("a", a.getsockname()[1], "RTP/AVP")}))
        assert "a=setup:actpass" in r["sdp"]
        to_b = int(re.search(r"m=audio (\d+)", r["sdp"]).group(1))
        # The answerer has our offer and starts its handshake before its answer reaches us.
        client = subprocess.Popen(["openssl", "s_client", "-dtls1_2", "-connect", "127.0.0.1:%d" % to_b,
                                   "-bind", "127.0.0.1:%d" % b_port, "-use_srtp", "SRTP_AES128_CM_SHA1_80",
                                   "-cert", cert, "-key", key, "-msg"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        time.sleep(0.3)
        assert drain(a) == [], "the answerer's early DTLS was relayed to the offerer"
        daemon.ng.request({"command": "answer", "call-id": "early-dtls", "from-tag": "ft", "to-tag": "tt",
                           "sdp": sdp("b", b_port, "UDP/TLS/RTP/SAVPF",
                                      ["a=setup:active", "a=fingerprint:sha-256 " + fingerprint])})
        out = read_until(client, "SRTP Extension negotiated", 10)
        assert "SRTP Extension negotiated, profile=SRTP_AES128_CM_SHA1_80" in out, out
        # -msg shows each record it sends: a ClientHello is handshake type 1. One was enough:
        # the early one reached the endpoint, no retransmission was needed.
        hellos = re.findall(r">>> [^\n]*content_type=22\) \[length [0-9a-f]+\]\n\s+01 ", out)
        assert len(hellos) == 1, out
        q = decoded(daemon.ng.request({"command": "query", "call-id": "early-dtls"}))
        assert "DTLS-SRTP" in q["tags"]["tt"]["medias"][0]["flags"]
        assert drain(a) == []
    finally:
        if client:
            client.terminate()
            client.wait(5)
        a.close()


def binding_request():
    # RFC 5389: type 0x0001, no attributes, magic cookie, transaction id.
    return struct.pack("!HHI", 0x0001, 0, 0x2112A442) + os.urandom(12)


def test_early_stun_to_an_ice_answerer_is_not_relayed(daemon):
    a, b = udp_socket(), udp_socket()
    try:
        r = decoded(daemon.ng.request({"command": "offer", "call-id": "early-stun", "from-tag": "ft", "ICE": "force",
                                       "sdp": sdp("a", a.getsockname()[1], "RTP/AVP")}))
        assert "a=ice-ufrag:" in r["sdp"]
        to_b = int(re.search(r"m=audio (\d+)", r["sdp"]).group(1))
        for _ in range(3):
            b.sendto(binding_request(), ("127.0.0.1", to_b))
        time.sleep(0.2)
        assert drain(a) == [], "the answerer's early connectivity checks were relayed to the offerer"
        q = decoded(daemon.ng.request({"command": "query", "call-id": "early-stun"}))
        # The answerer has no tag yet: it is the participant that is not the offerer.
        answerer = [p for tag, p in q["tags"].items() if tag != "ft"][0]
        rtp_stream = answerer["medias"][0]["streams"][0]
        assert rtp_stream["classified"]["STUN"] == 3 and rtp_stream["classified"]["DTLS"] == 0
        # Plain RTP from it before the answer still goes through, as it did.
        b.sendto(struct.pack("!BBHII", 0x80, 0, 1, 160, 0x4242) + b"\xff" * 160, ("127.0.0.1", to_b))
        time.sleep(0.2)
        assert len(drain(a)) == 1
    finally:
        daemon.ng.request({"command": "delete", "call-id": "early-stun"})
        a.close()
        b.close()
