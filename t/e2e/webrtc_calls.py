"""Pieces of the WebRTC end-to-end tests (test_webrtc_chromium.py) that are not chromium:
the ng flag strings operators give Kamailio and what its rtpengine module sends for
them, SDP helpers, the media proxy under test, and a plain RTP / SDES-SRTP endpoint in
Python playing the SIP side of a WebRTC <-> SIP call.
"""

import base64
import math
import os
import random
import re
import select
import socket
import struct
import threading
import time

import pytest

from rtpe_testlib import UPSTREAM_DAEMON, daemon_binary, free_udp_port, start_ng_daemon, stop_ng_daemon

# --- the media proxy under test ----------------------------------------------------

DAEMONS = ["oracle", "ours"]
PORT_RANGE = 100


def daemon_path(which):
    return UPSTREAM_DAEMON if which == "oracle" else daemon_binary()


def start_proxy(which, cleanup_stack):
    """Debian's rtpengine ("oracle") or ours on 127.0.0.1 with a media port range of its
    own (ng on a free port, d.ng the client, d.port_min/d.port_max). A missing binary
    fails the test."""
    binary = daemon_path(which)
    if not os.access(binary, os.X_OK):
        pytest.fail("%s daemon %s not found (%s)" % (
            which, binary, "install Debian's rtpengine-daemon: scripts/install-deps.sh --test"
            if which == "oracle" else "build it, or set RTPE_BUILD_DIR"))
    port_min = random.randrange(30000, 59000 - PORT_RANGE, 2)
    port_max = port_min + PORT_RANGE - 1
    d = start_ng_daemon(["--port-min=%d" % port_min, "--port-max=%d" % port_max, "--log-level=7",
                         "--delete-delay=0"], binary=binary if which == "oracle" else None)
    d.which = which
    d.port_min, d.port_max = port_min, port_max
    cleanup_stack.append(_ProxyStopper(d))
    return d


class _ProxyStopper:
    def __init__(self, d):
        self.d = d

    def stop(self):
        if self.d.which == "ours":
            stop_ng_daemon(self.d)
        else:
            self.d.ng.close()
            self.d.stop()


# --- Kamailio-style flag strings --------------------------------------------------

TRANSPORTS = {"RTP/AVP", "RTP/SAVP", "RTP/AVPF", "RTP/SAVPF", "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF"}


def kamailio_flags(flag_string):
    """The ng dictionary entries Kamailio's rtpengine module sends for a flag string as
    operators write it in rtpengine_offer()/rtpengine_answer()/rtpengine_manage()
    (Kamailio 5.6, parse_flags): "ICE=force" -> ICE: force, "DTLS=passive" -> DTLS,
    "rtcp-mux-demux" -> rtcp-mux: [demux], "replace-origin" -> replace: [origin],
    "SDES-off" -> SDES: [off], "RTP/AVP" -> transport-protocol, anything else -> flags."""
    out = {}
    for token in flag_string.split():
        if token in TRANSPORTS:
            out["transport-protocol"] = token
        elif "=" in token:
            key, _, value = token.partition("=")
            out[key] = value
        else:
            for prefix, key in (("rtcp-mux-", "rtcp-mux"), ("replace-", "replace"), ("SDES-", "SDES")):
                if token.startswith(prefix):
                    out.setdefault(key, []).append(token[len(prefix):])
                    break
            else:
                out.setdefault("flags", []).append(token)
    return out


def ng(proxy, command, call_id, sdp=None, flag_string="", **keys):
    """One ng command to the proxy; its reply must be "ok". Returns the reply."""
    request = {"command": command, "call-id": call_id}
    request.update(keys)
    if sdp is not None:
        request["sdp"] = sdp
    request.update(kamailio_flags(flag_string))
    reply = proxy.ng.request(request)
    assert reply.get("result") == b"ok", ("%s daemon answered %s with %r\n--- request: %r\n--- daemon log:\n%s" % (
        proxy.which, command, reply, request, proxy.log()[-5000:]))
    return reply


# --- SDP ------------------------------------------------------------------------------

def sdp_lines(sdp):
    return [l for l in sdp.replace("\r\n", "\n").split("\n") if l]


def loopback_only(sdp):
    """A browser's description made to name 127.0.0.1 only. Chromium (with the profile's
    IP handling policy, webrtc_browser.PREFERENCES) announces one UDP host candidate per
    component on the default route's address for a socket bound to the wildcard address;
    that candidate is rewritten to 127.0.0.1 (the same socket receives there), and any
    other candidate (IPv6, TCP) is dropped, so the proxy talks to loopback only."""
    out = []
    kept = 0
    for line in sdp_lines(sdp):
        if line.startswith("a=candidate:"):
            fields = line.split()
            if fields[2].lower() != "udp" or ":" in fields[4] or fields[7] != "host":
                continue
            fields[4] = "127.0.0.1"
            line = " ".join(fields)
            kept += 1
        elif line.startswith("c=IN IP4 "):
            line = "c=IN IP4 127.0.0.1"
        out.append(line)
    assert kept, "chromium announced no IPv4 UDP host candidate:\n" + sdp
    return "\r\n".join(out) + "\r\n"


def candidates(sdp):
    """[(transport, address, port, type)] of the a=candidate lines."""
    out = []
    for line in sdp_lines(sdp):
        if line.startswith("a=candidate:"):
            f = line.split()
            out.append((f[2].lower(), f[4], int(f[5]), f[7]))
    return out


def audio(sdp):
    """(connection address, port, protocol, [payload types]) of the first m=audio."""
    conn = re.search(r"^c=IN IP4 (\S+)", sdp, re.M)
    media = re.search(r"^m=audio (\d+) (\S+) ([\d ]+)", sdp, re.M)
    assert conn and media, sdp
    return conn.group(1), int(media.group(1)), media.group(2), [int(x) for x in media.group(3).split()]


def attribute(sdp, name):
    """Values of a=name:value (or [''] per a=name) in the SDP, in order."""
    out = []
    for line in sdp_lines(sdp):
        if line == "a=" + name:
            out.append("")
        elif line.startswith("a=%s:" % name):
            out.append(line[len(name) + 3:])
    return out


def assert_points_at_proxy(sdp, proxy, other_ports=()):
    """SDP the proxy handed a party names the proxy only: 127.0.0.1, a port in its range,
    none of the other party's ports; every candidate is the proxy's."""
    addr, port, _, _ = audio(sdp)
    assert addr == "127.0.0.1", sdp
    assert proxy.port_min <= port <= proxy.port_max and port not in other_ports, (
        "port %d: not the proxy's (%d-%d), or the other party's %s\n%s" % (
            port, proxy.port_min, proxy.port_max, other_ports, sdp))
    for transport, c_addr, c_port, _ in candidates(sdp):
        assert c_addr == "127.0.0.1" and proxy.port_min <= c_port <= proxy.port_max, sdp
    return port


# --- a plain RTP / SDES-SRTP endpoint ---------------------------------------------------

PTIME = 0.020
PCMU_FRAME = 160


def _ulaw(sample):
    """G.711 mu-law of a 16-bit linear sample."""
    sign = 0x80 if sample < 0 else 0
    sample = min(abs(sample), 32635) + 0x84
    exponent, mask = 7, 0x4000
    while exponent > 0 and not sample & mask:
        exponent -= 1
        mask >>= 1
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


# 400 Hz at 8 kHz: 20 samples a period, 8 periods a frame.
_TONE = bytes(_ulaw(int(8000 * math.sin(2 * math.pi * 400 * i / 8000))) for i in range(PCMU_FRAME))


def parse_rtp(packet):
    """(payload type, marker, seq, timestamp, ssrc, payload) of a valid RTP packet, else None."""
    if len(packet) < 12 or packet[0] >> 6 != 2:
        return None
    cc = packet[0] & 0x0F
    offset = 12 + 4 * cc
    if packet[0] & 0x10:  # header extension
        if len(packet) < offset + 4:
            return None
        offset += 4 + 4 * struct.unpack("!H", packet[offset + 2:offset + 4])[0]
    end = len(packet)
    if packet[0] & 0x20:  # padding
        end -= packet[-1]
    if offset > end:
        return None
    pt = packet[1] & 0x7F
    if 72 <= pt <= 76:  # RTCP
        return None
    _, _, seq, ts, ssrc = struct.unpack("!BBHII", packet[:12])
    return pt, bool(packet[1] & 0x80), seq, ts, ssrc, packet[offset:end]


class PlainEndpoint:
    """The SIP side of a WebRTC <-> SIP call: RTP/AVP (or, with sdes=True, RTP/SAVP with
    SDES keys via python3-pylibsrtp) on two sockets of its own (RTP, RTCP on port + 1),
    sending 20 ms PCMU frames to where the SDP it was given says and recording what
    arrives."""

    SUITE = "AES_CM_128_HMAC_SHA1_80"

    def __init__(self, sdes=False):
        self.sdes = sdes
        self.port = free_udp_port()
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind(("127.0.0.1", self.port))
        self.rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtcp.bind(("127.0.0.1", self.port + 1))
        self.key = os.urandom(30)
        self.crypto_tag = 1
        self.tx = self.rx = None
        self.remote = None
        self.received = []        # (arrival time, source, parsed RTP or None, raw length)
        self.rtcp_received = 0
        self.unprotect_failures = 0
        self.sent = 0
        self._stop = threading.Event()
        self._thread = None

    def sdp(self, crypto_line=None):
        proto = "RTP/SAVP" if self.sdes else "RTP/AVP"
        lines = ["v=0", "o=sip 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
                 "m=audio %d %s 0 101" % (self.port, proto), "a=rtpmap:0 PCMU/8000",
                 "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15", "a=ptime:20", "a=sendrecv"]
        if crypto_line:
            lines.append(crypto_line)
        return "\r\n".join(lines) + "\r\n"

    def offer(self):
        return self.sdp("a=crypto:%d %s inline:%s" % (self.crypto_tag, self.SUITE,
                                                         base64.b64encode(self.key).decode())
                        if self.sdes else None)

    def answer(self, offer):
        """An answer to the proxy's offer: PCMU, and with SDES our key for the offered
        AES_CM_128_HMAC_SHA1_80 line (whose key we take for what we receive)."""
        crypto_line = None
        if self.sdes:
            line = [c for c in attribute(offer, "crypto") if c.split()[1] == self.SUITE]
            assert line, "no %s a=crypto in the proxy's offer:\n%s" % (self.SUITE, offer)
            tag = int(line[0].split()[0])
            crypto_line = "a=crypto:%d %s inline:%s" % (tag, self.SUITE, base64.b64encode(self.key).decode())
        self.remote_sdp(offer)
        return self.sdp(crypto_line)

    def remote_sdp(self, sdp):
        """Where to send, and with SDES the proxy's key for what it sends us."""
        addr, port, _, _ = audio(sdp)
        self.remote = (addr, port)
        if self.sdes:
            import pylibsrtp
            cryptos = [c.split() for c in attribute(sdp, "crypto")]
            chosen = [c for c in cryptos if c[1] == self.SUITE]
            assert chosen, "no %s a=crypto in the proxy's SDP:\n%s" % (self.SUITE, sdp)
            inline = chosen[0][2]
            assert inline.startswith("inline:"), chosen
            their_key = base64.b64decode(inline[len("inline:"):].split("|")[0])
            self.tx = pylibsrtp.Session(pylibsrtp.Policy(key=self.key, ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND))
            self.rx = pylibsrtp.Session(pylibsrtp.Policy(key=their_key, ssrc_type=pylibsrtp.Policy.SSRC_ANY_INBOUND))

    def start(self):
        assert self.remote, "no SDP from the proxy yet"
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        ssrc = random.getrandbits(32)
        seq = random.getrandbits(16)
        ts = random.getrandbits(32)
        next_send = time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_send:
                packet = struct.pack("!BBHII", 0x80, 0x80 if self.sent == 0 else 0, seq, ts, ssrc) + _TONE
                if self.tx:
                    packet = self.tx.protect(packet)
                self.rtp.sendto(packet, self.remote)
                self.sent += 1
                seq = (seq + 1) & 0xFFFF
                ts = (ts + PCMU_FRAME) & 0xFFFFFFFF
                next_send += PTIME
                continue
            ready, _, _ = select.select([self.rtp, self.rtcp], [], [], max(0.0, next_send - now))
            for sock in ready:
                data, source = sock.recvfrom(4096)
                if sock is self.rtcp:
                    self.rtcp_received += 1
                    continue
                if self.rx:
                    try:
                        data = self.rx.unprotect(data)
                    except Exception:
                        self.unprotect_failures += 1
                        self.received.append((time.monotonic(), source, None, len(data)))
                        continue
                self.received.append((time.monotonic(), source, parse_rtp(data), len(data)))

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        self.rtp.close()
        self.rtcp.close()

    def rtp_count(self):
        return len(self.received)

    def check_received_pcmu(self, since, minimum):
        """What arrived after `since` (monotonic) is decodable PCMU RTP: valid headers,
        payload type 0, 20 ms frames, one SSRC, sequence numbers rising. Returns a summary."""
        packets = [r for r in self.received if r[0] >= since]
        assert len(packets) >= minimum, "only %d packets (need %d) reached the plain side since then; " \
            "%d in all, %d SRTP failures" % (len(packets), minimum, len(self.received), self.unprotect_failures)
        bad = [r for r in packets if r[2] is None]
        assert not bad, "%d of %d packets were not valid RTP%s" % (
            len(bad), len(packets), " (SRTP authentication failed)" if self.rx else "")
        parsed = [r[2] for r in packets]
        pts = {p[0] for p in parsed}
        assert pts == {0}, "payload types %s, expected only PCMU (0)" % sorted(pts)
        sizes = {len(p[5]) for p in parsed}
        assert sizes == {PCMU_FRAME}, "payload sizes %s, expected %d (20 ms of PCMU)" % (sorted(sizes), PCMU_FRAME)
        ssrcs = {p[4] for p in parsed}
        assert len(ssrcs) == 1, ssrcs
        steps = [(b[2] - a[2]) & 0xFFFF for a, b in zip(parsed, parsed[1:])]
        assert all(1 <= s < 100 for s in steps), "sequence numbers do not rise: %s" % [p[2] for p in parsed][:50]
        sources = {r[1] for r in packets}
        return {"packets": len(packets), "ssrc": ssrcs.pop(), "first_seq": parsed[0][2],
                "last_seq": parsed[-1][2], "sources": sorted(sources)}
