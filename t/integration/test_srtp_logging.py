"""--log-srtp-keys and --debug-srtp: the keys of an SDES call reach the error log, and SRTP
packets the debug log."""

import re
import socket
import struct
import time

import pytest

from rtpe_testlib import decoded, start_ng_daemon, stop_ng_daemon

pylibsrtp = pytest.importorskip("pylibsrtp", reason="needs Debian's python3-pylibsrtp")

KEY = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"


def sdp(port, protocol, crypto=None):
    return ("v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d %s 0\r\n%s"
            % (port, protocol, "a=crypto:%s\r\n" % crypto if crypto else ""))


def test_keys_and_packets_are_logged():
    import base64
    d = start_ng_daemon(["--log-srtp-keys", "--debug-srtp", "-L", "7"])
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a.bind(("127.0.0.1", 0))
    try:
        d.ng.request({"command": "offer", "call-id": "srtp-log", "from-tag": "ft",
                      "sdp": sdp(a.getsockname()[1], "RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:" + KEY)})
        r = decoded(d.ng.request({"command": "answer", "call-id": "srtp-log", "from-tag": "ft", "to-tag": "tt",
                                  "sdp": sdp(40000, "RTP/AVP")}))
        to_a_side = int(re.search(r"m=audio (\d+)", r["sdp"]).group(1))
        tx = pylibsrtp.Session(policy=pylibsrtp.Policy(
            key=base64.b64decode(KEY), srtp_profile=pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_80,
            ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND))
        a.sendto(tx.protect(struct.pack("!BBHII", 0x80, 0, 1, 160, 0xABCD) + b"\xff" * 160), ("127.0.0.1", to_a_side))
        deadline = time.time() + 3
        while time.time() < deadline and "SRTP debug received" not in d.log():
            time.sleep(0.05)
        log = d.log()
        assert re.search(r"ERR: .*SDES SRTP key for incoming on 127\.0\.0\.1:%d: AES_CM_128_HMAC_SHA1_80 inline:%s"
                         % (to_a_side, re.escape(KEY)), log), log[-3000:]
        assert re.search(r"ERR: .*SDES SRTP key for outgoing on 127\.0\.0\.1:%d: AES_CM_128_HMAC_SHA1_80 inline:"
                         % to_a_side, log)
        assert re.search(r"SRTP debug received on 127\.0\.0\.1:%d: RTP SSRC 0000abcd seq 1 length 182" % to_a_side, log)
    finally:
        a.close()
        stop_ng_daemon(d)
