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
