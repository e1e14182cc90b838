"""SRTP between our daemon and Debian's rtpengine 10.5 placed in series: two independent
implementations on either end of the encrypted leg.

    A (plain RTP) <-> ours <-- SRTP (DTLS-SRTP, or SDES with DTLS=off) --> Debian's <-> B (plain RTP)

and the same with the daemons swapped. A's offer goes to the first daemon with
transport-protocol RTP/SAVP, what it writes goes to the second as an offer with
transport-protocol RTP/AVP, whose output reaches B; B's plain answer travels back the
same way. RTP must then arrive, decrypted, at both ends: the key exchange (DTLS handshake
or SDES lines) and every packet's protection cross the two implementations.
"""

import re
import socket
import time

import pytest

from media_testlib import rtp
from rtpe_testlib import decoded


def sdp(port):
    return ("v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" % port)


def port_of(sdp_text):
    return int(re.search(r"m=audio (\d+)", sdp_text).group(1))


@pytest.mark.parametrize("keys", ["dtls", "sdes"])
@pytest.mark.parametrize("order", ["ours-first", "oracle-first"])
def test_rtp_crosses_an_srtp_leg_between_the_two_implementations(daemons, order, keys):
    ours, oracle = daemons
    first, second = (ours, oracle) if order == "ours-first" else (oracle, ours)
    call_id = "series-%s-%s" % (order, keys)
    a, b = (socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2))
    for s in (a, b):
        s.bind(("127.0.0.1", 0))
        s.setblocking(False)
    try:
        offer = {"command": "offer", "call-id": call_id, "from-tag": "a", "transport-protocol": "RTP/SAVP",
                 "sdp": sdp(a.getsockname()[1])}
        if keys == "sdes":
            offer["DTLS"] = "off"
        srtp_offer = decoded(first.ng.request(offer))["sdp"]
        assert "RTP/SAVP" in srtp_offer and "a=crypto:" in srtp_offer
        to_b = decoded(second.ng.request({"command": "offer", "call-id": call_id, "from-tag": "a",
                                          "transport-protocol": "RTP/AVP", "sdp": srtp_offer}))["sdp"]
        srtp_answer = decoded(second.ng.request({"command": "answer", "call-id": call_id, "from-tag": "a",
                                                 "to-tag": "b", "sdp": sdp(b.getsockname()[1])}))["sdp"]
        assert ("a=fingerprint:" in srtp_answer) == (keys == "dtls"), srtp_answer
        to_a = decoded(first.ng.request({"command": "answer", "call-id": call_id, "from-tag": "a", "to-tag": "b",
                                         "sdp": srtp_answer}))["sdp"]
        got_a, got_b = [], []
        deadline = time.time() + 10
        seq = 0
        def clear(got, fill):
            return any(len(p) == 172 and p[12:] == bytes([fill]) * 160 for p in got)

        while time.time() < deadline and not (clear(got_b, 0xAA) and clear(got_a, 0xBB)):
            seq += 1
            a.sendto(rtp(seq, 0xA1, 0xAA), ("127.0.0.1", port_of(to_a)))
            b.sendto(rtp(seq, 0xB2, 0xBB), ("127.0.0.1", port_of(to_b)))
            time.sleep(0.05)
            for sock, got in ((a, got_a), (b, got_b)):
                try:
                    while True:
                        got.append(sock.recv(2048))
                except BlockingIOError:
                    pass
        assert clear(got_b, 0xAA), \
            "A's RTP did not reach B in clear (%d packets)\n--- ours:\n%s" % (len(got_b), ours.log()[-6000:]) + "\n--- oracle:\n" + oracle.log()[-6000:]
        assert clear(got_a, 0xBB), \
            "B's RTP did not reach A in clear (%d packets)" % len(got_a)
    finally:
        for d in (first, second):
            d.ng.request({"command": "delete", "call-id": call_id})
        a.close()
        b.close()
