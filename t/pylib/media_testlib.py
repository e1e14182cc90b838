"""RTP, RTCP and SRTP as the media tests send and read them: packets, a participant's
RTP/RTCP port pair, and libsrtp (Debian's python3-pylibsrtp) sessions as the independent
SRTP peer."""

import base64
import socket
import struct


def rtp(seq, ssrc, fill):
    """PCMU RTP with 160 bytes of fill: the payload tells who sent it."""
    return struct.pack("!BBHII", 0x80, 0, seq, seq * 160, ssrc) + bytes([fill]) * 160


def rtcp_sr(ssrc):
    """A sender report without report blocks."""
    return struct.pack("!BBHIIIIII", 0x80, 200, 6, ssrc, 0xE0000000, 0x80000000, 12345, 10, 1720)


def srtp_session(key_b64, outbound, tag_bits=80):
    """A libsrtp AES_CM_128_HMAC_SHA1_80 (or _32) session keyed with an SDES inline key."""
    import pylibsrtp  # only the SRTP tests need it
    raw = base64.b64decode(key_b64 + "=" * (-len(key_b64) % 4))
    profile = (pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_80 if tag_bits == 80
               else pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_32)
    policy = pylibsrtp.Policy(key=raw, srtp_profile=profile,
                              ssrc_type=(pylibsrtp.Policy.SSRC_ANY_OUTBOUND if outbound
                                         else pylibsrtp.Policy.SSRC_ANY_INBOUND))
    return pylibsrtp.Session(policy=policy)


def udp_socket():
    """A non-blocking UDP socket on 127.0.0.1, any port."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.setblocking(False)
    return s


def drain(s, with_sources=False):
    """Every datagram waiting on s (as (data, source) pairs with with_sources), without waiting."""
    s.setblocking(False)
    got = []
    try:
        while True:
            data, source = s.recvfrom(65535)
            got.append((data, source) if with_sources else data)
    except BlockingIOError:
        pass
    return got


class PortPair:
    """A participant's media sockets on 127.0.0.1: RTP on port(), RTCP on the next;
    non-blocking, or blocking for up to timeout seconds."""

    def __init__(self, timeout=None):
        while True:
            self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.rtp.bind(("127.0.0.1", 0))
            self.rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                self.rtcp.bind(("127.0.0.1", self.rtp.getsockname()[1] + 1))
                break
            except OSError:
                self.rtp.close()
                self.rtcp.close()
        for s in (self.rtp, self.rtcp):
            s.settimeout(timeout) if timeout else s.setblocking(False)

    def port(self):
        return self.rtp.getsockname()[1]

    drain = staticmethod(drain)

    def close(self):
        self.rtp.close()
        self.rtcp.close()


DTMF_LOW = (697, 770, 852, 941)
DTMF_HIGH = (1209, 1336, 1477, 1633)
DTMF_KEYS = ("123A", "456B", "789C", "*0#D")


def dtmf_keys_in_pcmu(packets):
    """In-band DTMF in the PCMU (payload type 0) RTP packets, 20 ms at a time, by Goertzel
    filters: the keys heard, each once per tone."""
    import audioop
    import math
    import numpy as np
    keys = []
    last = None
    for p in packets:
        if p[1] & 0x7f != 0:
            continue
        x = np.frombuffer(audioop.ulaw2lin(p[12:], 2), dtype=np.int16).astype(float)

        def power(f):
            coeff = 2 * math.cos(2 * math.pi * f / 8000)
            s1 = s2 = 0.0
            for v in x:
                s1, s2 = v + coeff * s1 - s2, s1
            return s1 * s1 + s2 * s2 - coeff * s1 * s2

        total = float(np.dot(x, x)) * len(x) / 2 + 1
        low = [power(f) for f in DTMF_LOW]
        high = [power(f) for f in DTMF_HIGH]
        li, hi = int(np.argmax(low)), int(np.argmax(high))
        key = DTMF_KEYS[li][hi] if low[li] > 0.2 * total and high[hi] > 0.2 * total else None
        if key and key != last:
            keys.append(key)
        last = key
    return keys


def tone_wav(seconds=1.0, rate=16000, frequency=1000, path=None):
    """A mono 16-bit WAV of a tone at -10 dBFS, as bytes (also written to path when given):
    what the play media tests play."""
    import io
    import math
    import wave
    import numpy as np
    t = np.arange(int(seconds * rate))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((0.3 * 32767 * np.sin(2 * math.pi * frequency * t / rate)).astype(np.int16).tobytes())
    data = out.getvalue()
    if path:
        with open(path, "wb") as f:
            f.write(data)
    return data
