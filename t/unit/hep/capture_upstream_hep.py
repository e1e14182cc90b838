#!/usr/bin/env python3
"""Runs the packaged rtpengine with Homer output on loopback, sends RTCP compounds through
a call and prints every HEP3 datagram it emits (hex and the JSON payload), so the shape our
encoder and JSON writer produce can be compared with the original's.

Usage: capture_upstream_hep.py [path/to/rtpengine]  (kills only the daemon it started)
"""
import json
import os
import random
import socket
import struct
import subprocess
import sys
import time

RTPE = sys.argv[1] if len(sys.argv) > 1 else "/usr/bin/rtpengine"
NG_PORT = 42000 + random.randrange(500)
HOMER_PORT = NG_PORT + 1000
HOMER_ID = 2099
PORT_MIN = 46000 + 2 * random.randrange(200)
CALLER_RTP = 47000 + 2 * random.randrange(100)
CALLEE_RTP = CALLER_RTP + 200


def bencode(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    if isinstance(v, dict):
        return b"d" + b"".join(bencode(k) + bencode(v[k]) for k in sorted(v)) + b"e"
    raise TypeError(v)


def bdecode(b, i=0):
    c = b[i:i + 1]
    if c == b"i":
        e = b.index(b"e", i)
        return int(b[i + 1:e]), e + 1
    if c in (b"l", b"d"):
        i += 1
        out = []
        while b[i:i + 1] != b"e":
            x, i = bdecode(b, i)
            out.append(x)
        if c == b"l":
            return out, i + 1
        return {out[k].decode(): out[k + 1] for k in range(0, len(out), 2)}, i + 1
    colon = b.index(b":", i)
    n = int(b[i:colon])
    return b[colon + 1:colon + 1 + n], colon + 1 + n


def ng(sock, cmd):
    cookie = b"%d" % random.randrange(1 << 30)
    sock.sendto(cookie + b" " + bencode(cmd), ("127.0.0.1", NG_PORT))
    data, _ = sock.recvfrom(65535)
    return bdecode(data[len(cookie) + 1:])[0]


def sdp(port):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n" % port)


def media_port(sdp_bytes):
    for line in sdp_bytes.decode().split("\r\n"):
        if line.startswith("m=audio "):
            return int(line.split()[1])
    raise ValueError(sdp_bytes)


def rtcp(pt, count, body):
    assert len(body) % 4 == 0
    return struct.pack("!BBH", 0x80 | count, pt, len(body) // 4) + body


def report_block(ssrc, fraction, lost, seq, jitter, lsr, dlsr):
    return struct.pack("!IB3sIIII", ssrc, fraction, lost.to_bytes(3, "big"), seq, jitter, lsr, dlsr)


def sdes(chunks):
    body = b""
    for ssrc, items in chunks:
        c = struct.pack("!I", ssrc)
        for t, text in items:
            c += bytes([t, len(text)]) + text
        c += b"\0"
        c += b"\0" * (-len(c) % 4)
        body += c
    return rtcp(202, len(chunks), body)


def sr(ssrc, blocks, ntp=(3900000000, 0x80000000), ts=160000, packets=1000, octets=160000):
    return rtcp(200, len(blocks), struct.pack("!IIIIII", ssrc, ntp[0], ntp[1], ts, packets, octets)
                + b"".join(blocks))


def rr(ssrc, blocks):
    return rtcp(201, len(blocks), struct.pack("!I", ssrc) + b"".join(blocks))


def voip_metrics(sender, ssrc):
    block = struct.pack("!BBHIBBBBHHHHBBBBBBBBBBHHH", 7, 0, 8, ssrc, 12, 3, 40, 2, 120, 3000, 85, 40,
                        0x90, 0xB0, 30, 16, 88, 127, 42, 38, 0x54, 0, 40, 80, 200)
    return rtcp(207, 0, struct.pack("!I", sender) + block)


CASES = [
    ("sr_sdes", sr(0x11223344, [report_block(0x55667788, 12, 34, 0x00010203, 45, 0xaabbccdd, 65536)])
     + sdes([(0x11223344, [(1, b"alice@127.0.0.1")])])),
    ("rr_two_blocks_sdes_escapes", rr(0x11223344, [report_block(0x55667788, 255, 0xffffff, 70000, 7, 0, 0),
                                                   report_block(0x01020304, 0, 0, 1, 2, 3, 4)])
     + sdes([(0x11223344, [(1, b"q\"b\\s\tx\x01y\xe9"), (2, b"Alice")]), (0x01020304, [(6, b"tool")])])),
    ("rr_empty_sdes_empty", rr(0x11223344, []) + sdes([(0x11223344, [])])),
    ("sr_no_blocks", sr(0x11223344, [])),
    ("sr_xr_voip_bye", sr(0x11223344, []) + voip_metrics(0x11223344, 0x55667788)
     + rtcp(203, 1, struct.pack("!I", 0x11223344))),
    ("sdes_only", sdes([(0x11223344, [(1, b"cname")])])),
    ("bye_only", rtcp(203, 1, struct.pack("!I", 0x11223344))),
    ("rr_then_bad_version", rr(0x11223344, [report_block(1, 2, 3, 4, 5, 6, 7)])
     + bytes([0x40, 201, 0, 1, 0, 0, 0, 1])),
]


def main():
    homer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    homer.bind(("127.0.0.1", HOMER_PORT))
    homer.settimeout(0.5)
    # An empty file or /dev/null makes the packaged daemon exit: it wants its section.
    conf = "/tmp/upstream-rtpengine-%d.conf" % os.getpid()
    with open(conf, "w") as f:
        f.write("[rtpengine]\ntable = -1\n")
    args = [RTPE, "--config-file=" + conf, "--foreground", "--table=-1", "--log-stderr",
            "--log-level=7", "--interface=127.0.0.1", "--listen-ng=127.0.0.1:%d" % NG_PORT,
            "--port-min=%d" % PORT_MIN, "--port-max=%d" % (PORT_MIN + 99),
            "--homer=127.0.0.1:%d" % HOMER_PORT, "--homer-protocol=udp", "--homer-id=%d" % HOMER_ID]
    log = open("/tmp/upstream-rtpengine-%d.log" % os.getpid(), "w")
    proc = subprocess.Popen(args, stdout=log, stderr=log)
    try:
        ctl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        ctl.settimeout(1)
        for _ in range(50):
            try:
                if ng(ctl, {"command": "ping"}).get("result") == b"pong":
                    break
            except OSError:
                time.sleep(0.1)
        call_id = "hep-capture-%d@127.0.0.1" % os.getpid()
        offer = ng(ctl, {"command": "offer", "call-id": call_id, "from-tag": "caller",
                         "sdp": sdp(CALLER_RTP)})
        answer = ng(ctl, {"command": "answer", "call-id": call_id, "from-tag": "caller",
                          "to-tag": "callee", "sdp": sdp(CALLEE_RTP)})
        to_callee = media_port(offer["sdp"])   # where the callee sends
        to_caller = media_port(answer["sdp"])  # where the caller sends
        caller_rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        caller_rtcp.bind(("127.0.0.1", CALLER_RTP + 1))
        callee_rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        callee_rtcp.bind(("127.0.0.1", CALLEE_RTP + 1))
        caller_rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        caller_rtp.bind(("127.0.0.1", CALLER_RTP))
        for seq in range(3):  # some RTP first so the stream is known
            caller_rtp.sendto(struct.pack("!BBHII", 0x80, 0, seq, seq * 160, 0x11223344) + b"\xff" * 160,
                              ("127.0.0.1", to_caller))
        print(json.dumps({"call_id": call_id, "caller_rtcp_port": CALLER_RTP + 1,
                          "rtpengine_rtcp_port": to_caller + 1, "homer_id": HOMER_ID}))
        for name, packet in CASES:
            caller_rtcp.sendto(packet, ("127.0.0.1", to_caller + 1))
            got = []
            while True:
                try:
                    got.append(homer.recvfrom(65535)[0])
                except socket.timeout:
                    break
            print(json.dumps({"case": name, "rtcp_hex": packet.hex(), "hep_hex": [g.hex() for g in got]}))
        ng(ctl, {"command": "delete", "call-id": call_id, "from-tag": "caller"})
    finally:
        proc.terminate()
        proc.wait(5)
        log.close()
    _ = to_callee, callee_rtcp


if __name__ == "__main__":
    main()
