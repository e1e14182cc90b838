"""The T.38 key (T.38 gateway), against Debian's 10.5 on the same requests: the SDP each
writes for decode, force and stop, and a real fax page through each daemon's gateway.

fax-peer (t/tools/fax_peer.cpp) runs spandsp's fax machine on G.711 RTP on one side and
spandsp's T.38 terminal on UDPTL on the other, in real time over real sockets; the page
that arrives must be the page sent, pixel for pixel. Ours and the oracle fax at the same
time (a page takes some 25 s)."""

import os
import re
import socket
import struct
import subprocess
import threading
import time

import pytest

from media_testlib import drain
from rtpe_testlib import daemon_binary, decoded

FAX_PEER = os.path.join(os.path.dirname(daemon_binary()), "fax-peer")

T38_RICH = ["a=T38FaxVersion:1", "a=T38MaxBitRate:9600", "a=T38FaxRateManagement:localTCF",
            "a=T38FaxMaxBuffer:200", "a=T38FaxMaxDatagram:176", "a=T38FaxUdpEC:t38UDPFEC",
            "a=T38FaxFillBitRemoval", "a=T38FaxTranscodingMMR", "a=T38FaxMaxIFP:100", "a=sendrecv"]
T38_PLAIN = ["a=T38FaxVersion:0", "a=T38FaxMaxDatagram:400", "a=T38FaxUdpEC:t38UDPRedundancy"]


def audio(origin, port, formats="0 8 101"):
    lines = ["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
             "m=audio %d RTP/AVP %s" % (port, formats)]
    if "101" in formats.split():
        lines.append("a=rtpmap:101 telephone-event/8000")
    return "\r\n".join(lines + [""])


def image(origin, port, attributes=()):
    return "\r\n".join(["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
                        "m=image %d udptl t38" % port] + list(attributes) + [""])


def normalized(text):
    text = re.sub(r"o=.*\r\n", "", text)
    text = re.sub(r"m=(audio|image) [1-9]\d*", r"m=\1 P", text)
    return re.sub(r"a=rtcp:\d+", "a=rtcp:P", text)


def port_of(sdp):
    return int(re.search(r"m=(?:audio|image) (\d+)", sdp).group(1))


# (name, offer keys, offer SDP, answer SDP); each daemon answers them all alike.
SDP_CASES = [
    ("decode", {"T.38": ["decode"]}, image("a", 4000, T38_RICH), audio("b", 4002, "8")),
    ("decode-plain", {"T.38": ["decode"]}, image("a", 4000, T38_PLAIN), audio("b", 4002, "0 8")),
    ("decode-transcode", {"T.38": ["decode"], "codec": {"transcode": ["G722"]}}, image("a", 4000),
     audio("b", 4002, "9")),
    ("decode-flag", {"flags": ["T.38-decode"]}, image("a", 4000, T38_PLAIN), audio("b", 4002, "0")),
    ("force", {"T.38": ["force"]}, audio("a", 4000), image("b", 4002, T38_PLAIN)),
    ("force-fec", {"T.38": ["force", "FEC", "no-ECM", "no-V.17"]}, audio("a", 4000, "8 0"),
     image("b", 4002, T38_RICH)),
    ("force-first-usable", {"T.38": ["force"]}, audio("a", 4000, "101 9 8"), image("b", 4002)),
    ("force-rejected", {"T.38": ["force"]}, audio("a", 4000, "9 8"), image("b", 0)),
    ("decode-on-audio", {"T.38": ["decode"]}, audio("a", 4000, "0"), audio("b", 4002, "0")),
    ("force-on-image", {"T.38": ["force"]}, image("a", 4000), image("b", 4002)),
]


def exchange(daemon, call_id, keys, offer, answer):
    r = decoded(daemon.ng.request(dict({"command": "offer", "call-id": call_id, "from-tag": "a", "sdp": offer},
                                       **keys)))
    r2 = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "a", "to-tag": "b",
                                    "sdp": answer}))
    return normalized(r.get("sdp", r.get("error-reason", ""))), normalized(r2.get("sdp", r2.get("error-reason", "")))


@pytest.mark.parametrize("name,keys,offer,answer", SDP_CASES, ids=[c[0] for c in SDP_CASES])
def test_sdp_as_oracle(daemons, name, keys, offer, answer):
    ours, theirs = daemons
    got = exchange(ours, "t38-" + name, keys, offer, answer)
    want = exchange(theirs, "t38-" + name, keys, offer, answer)
    assert got == want
    for d in daemons:
        d.ng.request({"command": "delete", "call-id": "t38-" + name})


def test_stop_returns_to_passthrough(daemons):
    """A re-offer with T.38=stop (the T.38 offer was refused) gives both sides audio again,
    and the call's RTP passes through untouched."""
    for d in daemons:
        a, b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM), socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        a.bind(("127.0.0.1", 0))
        b.bind(("127.0.0.1", 0))
        try:
            ap, bp = a.getsockname()[1], b.getsockname()[1]
            exchange(d, "t38-stop", {"T.38": ["force"]}, audio("a", ap, "0"), image("b", bp, T38_PLAIN))
            r = decoded(d.ng.request({"command": "offer", "call-id": "t38-stop", "from-tag": "a",
                                      "sdp": audio("a", ap, "0"), "T.38": ["stop"]}))
            assert normalized(r["sdp"]).count("m=audio P RTP/AVP 0") == 1
            r = decoded(d.ng.request({"command": "answer", "call-id": "t38-stop", "from-tag": "a", "to-tag": "b",
                                      "sdp": audio("b", bp, "0")}))
            assert "m=audio" in r["sdp"] and "T38" not in r["sdp"]
            to_a = port_of(r["sdp"])
            payload = bytes(range(160))
            for i in range(5):
                a.sendto(struct.pack("!BBHII", 0x80, 0, 100 + i, 160 * i, 0x5151) + payload, ("127.0.0.1", to_a))
                time.sleep(0.02)
            time.sleep(0.2)
            got = drain(b)
            assert len(got) == 5 and all(p[12:] == payload for p in got), (d, [len(p) for p in got])
        finally:
            d.ng.request({"command": "delete", "call-id": "t38-stop"})
            a.close()
            b.close()


class FaxPeer:
    """One fax-peer process: its port, then told the daemon's; result() waits for its end."""

    def __init__(self, args):
        assert os.path.exists(FAX_PEER), "fax-peer is built with the unit tests"
        self.proc = subprocess.Popen([FAX_PEER] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline().split()[1])

    def talk_to(self, port):
        self.proc.stdin.write("remote %d\n" % port)
        self.proc.stdin.flush()

    def result(self):
        try:
            out, _ = self.proc.communicate(timeout=150)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        return self.proc.returncode, out.strip()


def fax_through(daemon, call_id, mode, tmp_path, results):
    """One page through the daemon's gateway; results[daemon] = both peers' outcomes."""
    sent, received = str(tmp_path / (call_id + "-send.tif")), str(tmp_path / (call_id + "-received.tif"))
    if mode == "force":
        # The fax machine (PCMU) calls and sends; the T.38 terminal answers over redundancy.
        a = FaxPeer(["--mode", "pcm", "--send", sent, "--pt", "0"])
        b = FaxPeer(["--mode", "t38", "--receive", received])
        r = decoded(daemon.ng.request({"command": "offer", "call-id": call_id, "from-tag": "a", "T.38": ["force"],
                                       "sdp": audio("a", a.port)}))
        to_b = port_of(r["sdp"])
        r = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "a", "to-tag": "b",
                                       "sdp": image("b", b.port, T38_PLAIN)}))
    else:
        # The T.38 terminal calls and sends over FEC without ECM; the fax machine is on PCMA.
        a = FaxPeer(["--mode", "t38", "--send", sent, "--fec", "--no-ecm"])
        b = FaxPeer(["--mode", "pcm", "--receive", received, "--pt", "8", "--codec", "PCMA", "--no-ecm"])
        fec = [x.replace("t38UDPRedundancy", "t38UDPFEC") for x in T38_PLAIN]
        r = decoded(daemon.ng.request({"command": "offer", "call-id": call_id, "from-tag": "a", "T.38": ["decode"],
                                       "sdp": image("a", a.port, fec)}))
        to_b = port_of(r["sdp"])
        r = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "a", "to-tag": "b",
                                       "sdp": audio("b", b.port, "8")}))
    a.talk_to(port_of(r["sdp"]))
    b.talk_to(to_b)
    results[daemon] = (a.result(), b.result())
    daemon.ng.request({"command": "delete", "call-id": call_id})


@pytest.mark.parametrize("mode", ["force", "decode"])
def test_fax_page_through_gateway(daemons, mode, tmp_path):
    results = {}
    threads = [threading.Thread(target=fax_through, args=(d, "fax-%s-%d" % (mode, i), mode, tmp_path, results))
               for i, d in enumerate(daemons)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ours, theirs = daemons
    for d, name in ((theirs, "oracle"), (ours, "ours")):
        (a_code, a_out), (b_code, b_out) = results[d]
        assert a_code == 0 and b_code == 0, "%s: sender: %s; receiver: %s" % (name, a_out, b_out)
        assert "page=identical" in b_out
        assert "bit_rate=14400" in b_out


def test_bad_input_is_counted(daemons):
    """Garbage UDPTL and payloads the G.711 decoder cannot take reach the gateway: counted
    as errors, the daemon goes on (its next call still sets up)."""
    ours, _ = daemons
    a, b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM), socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a.bind(("127.0.0.1", 0))
    b.bind(("127.0.0.1", 0))
    try:
        exchange(ours, "t38-bad", {"T.38": ["force"]}, audio("a", a.getsockname()[1], "0"),
                 image("b", b.getsockname()[1], T38_PLAIN))
        q = decoded(ours.ng.request({"command": "query", "call-id": "t38-bad"}))
        ports = {t: m["streams"][0]["local port"] for t, v in q["tags"].items() for m in v["medias"]}
        garbage = [b"", b"\x00", b"\xff" * 3, b"\x00\x01\x05\xff\xff", bytes(range(256)) * 4]
        for g in garbage:
            b.sendto(g, ("127.0.0.1", ports["b"]))  # UDPTL side
            a.sendto(struct.pack("!BBHII", 0x80, 0, 1, 0, 1) + g, ("127.0.0.1", ports["a"]))  # any byte is G.711
            a.sendto(b"\x80", ("127.0.0.1", ports["a"]))
        time.sleep(0.3)
        q = decoded(ours.ng.request({"command": "query", "call-id": "t38-bad"}))
        errors = {t: m["streams"][0]["stats"]["errors"] for t, v in q["tags"].items() for m in v["medias"]}
        assert errors["b"] >= 4, errors
        assert decoded(ours.ng.request({"command": "ping"}))["result"] == "pong"
        again = exchange(ours, "t38-bad-2", {"T.38": ["force"]}, audio("a", 5000, "0"), image("b", 5002))
        assert "m=image P udptl t38" in again[0] and "m=audio P RTP/AVP 0" in again[1]
    finally:
        for c in ("t38-bad", "t38-bad-2"):
            ours.ng.request({"command": "delete", "call-id": c})
        a.close()
        b.close()
