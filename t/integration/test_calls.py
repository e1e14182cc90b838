"""Calls through the real daemon: offer/answer/delete over ng, RTP and RTCP over real UDP sockets."""

import re
import socket
import time

import pytest

from rtpe_testlib import OUR_STREAM_ADDITIONS, Daemon, NgClient, free_udp_port


def make_sdp(address, port, family="IP4", media="audio", extra="", session_c=True, proto="RTP/AVP", fmts="0 8"):
    lines = ["v=0", "o=- 1 1 IN %s %s" % (family, address), "s=-"]
    if session_c:
        lines.append("c=IN %s %s" % (family, address))
    lines += ["t=0 0", "m=%s %d %s %s" % (media, port, proto, fmts)]
    if not session_c:
        lines.append("c=IN %s %s" % (family, address))
    body = "\r\n".join(lines) + "\r\n"
    return body + extra


def sdp_port(sdp, index=0):
    return [int(p) for p in re.findall(r"^m=\S+ (\d+)", sdp.decode() if isinstance(sdp, bytes) else sdp, re.M)][index]


def sdp_address(sdp):
    text = sdp.decode() if isinstance(sdp, bytes) else sdp
    return re.search(r"^c=IN IP[46] (\S+)", text, re.M).group(1)


class Peer:
    """A UA's media sockets: RTP on port, RTCP on port+1."""

    def __init__(self, host="127.0.0.1", family=socket.AF_INET, port=None):
        self.family = family
        self.host = host
        self.port = port or free_udp_port(host, family)
        self.rtp = socket.socket(family, socket.SOCK_DGRAM)
        self.rtp.bind((host, self.port))
        self.rtcp = socket.socket(family, socket.SOCK_DGRAM)
        self.rtcp.bind((host, self.port + 1))
        for s in (self.rtp, self.rtcp):
            s.settimeout(1.0)

    def close(self):
        self.rtp.close()
        self.rtcp.close()

    def recv(self, rtcp=False):
        data, source = (self.rtcp if rtcp else self.rtp).recvfrom(4096)
        return data, source


def rtp_packet(seq, ssrc=0x1234, payload=b"\xff" * 160):
    return bytes([0x80, 0x00, (seq >> 8) & 0xff, seq & 0xff, 0, 0, 0, seq & 0xff,
                  (ssrc >> 24) & 0xff, (ssrc >> 16) & 0xff, (ssrc >> 8) & 0xff, ssrc & 0xff]) + payload


@pytest.fixture
def daemon(request):
    extra = getattr(request, "param", [])
    port = free_udp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-i", "v6/::1", "-i", "pub/127.0.0.1!192.0.2.99", "-n",
                     "127.0.0.1:%d" % port, "-t", "-1", "--num-threads=2", "-d", "0"] + extra)
    d.ng_address = ("127.0.0.1", port)
    d.start()
    d.ng = NgClient(d.ng_address)
    yield d
    d.ng.close()
    assert d.stop() == 0


def offer_answer(ng, call_id, a, b, offer_keys=None, answer_keys=None, a_sdp=None, b_sdp=None):
    offer = ng.request(dict({"command": "offer", "call-id": call_id, "from-tag": "A",
                             "sdp": a_sdp or make_sdp(a.host, a.port, "IP6" if a.family == socket.AF_INET6 else "IP4")},
                            **(offer_keys or {})))
    assert offer["result"] == b"ok", offer
    answer = ng.request(dict({"command": "answer", "call-id": call_id, "from-tag": "A", "to-tag": "B",
                              "sdp": b_sdp or make_sdp(b.host, b.port, "IP6" if b.family == socket.AF_INET6 else "IP4")},
                             **(answer_keys or {})))
    assert answer["result"] == b"ok", answer
    return offer["sdp"], answer["sdp"]


def rtcp_packet(n, ssrc=0x1234):
    """A receiver report without report blocks (8 bytes), made distinct by its SSRC."""
    ssrc = (ssrc << 8 | n) & 0xffffffff
    return bytes([0x80, 201, 0, 1, (ssrc >> 24) & 0xff, (ssrc >> 16) & 0xff, (ssrc >> 8) & 0xff, ssrc & 0xff])


def exchange(a, b, offer_sdp, answer_sdp, count=5, rtcp=False):
    """A sends to the answer's port, B to the offer's; each must receive what the other sent."""
    to_b = (sdp_address(offer_sdp), sdp_port(offer_sdp) + (1 if rtcp else 0))
    to_a = (sdp_address(answer_sdp), sdp_port(answer_sdp) + (1 if rtcp else 0))
    a_sock, b_sock = (a.rtcp, b.rtcp) if rtcp else (a.rtp, b.rtp)
    packet = rtcp_packet if rtcp else rtp_packet
    for i in range(count):
        a_sock.sendto(packet(i, 0xa), to_a)
        data, source = b_sock.recvfrom(4096)
        assert data == packet(i, 0xa)
        assert source[1] == to_b[1]  # comes from the port B was told to send to (symmetric)
        b_sock.sendto(packet(i, 0xb), to_b)
        data, source = a_sock.recvfrom(4096)
        assert data == packet(i, 0xb)
        assert source[1] == to_a[1]


def stream_stats(reply, tag, rtcp=False):
    return reply["tags"][tag]["medias"][0]["streams"][1 if rtcp else 0]["stats"]


def test_rtp_and_rtcp_both_ways_and_stats(daemon):
    a, b = Peer(), Peer()
    offer_sdp, answer_sdp = offer_answer(daemon.ng, "call-1", a, b)
    assert sdp_address(offer_sdp) == "127.0.0.1"
    assert sdp_port(offer_sdp) % 2 == 0 and sdp_port(answer_sdp) % 2 == 0
    assert sdp_port(offer_sdp) != sdp_port(answer_sdp)
    assert ("a=rtcp:%d" % (sdp_port(offer_sdp) + 1)).encode() in offer_sdp
    exchange(a, b, offer_sdp, answer_sdp, count=7)
    exchange(a, b, offer_sdp, answer_sdp, count=3, rtcp=True)
    q = daemon.ng.request({"command": "query", "call-id": "call-1"})
    assert stream_stats(q, "A")["packets"] == 7 and stream_stats(q, "B")["packets"] == 7
    assert stream_stats(q, "A", rtcp=True)["packets"] == 3
    assert stream_stats(q, "A")["bytes"] == 7 * 172
    assert stream_stats(q, "A", rtcp=True)["bytes"] == 3 * 8
    assert q["totals"]["RTP"]["packets"] == 14 and q["totals"]["RTCP"]["packets"] == 6
    assert q["tags"]["A"]["medias"][0]["streams"][0]["local port"] == sdp_port(answer_sdp)
    assert q["tags"]["B"]["medias"][0]["streams"][0]["local port"] == sdp_port(offer_sdp)
    assert daemon.ng.request({"command": "list"})["calls"] == [b"call-1"]
    d = daemon.ng.request({"command": "delete", "call-id": "call-1", "from-tag": "A"})
    assert d["result"] == b"ok" and d["totals"]["RTP"]["packets"] == 14
    assert daemon.ng.request({"command": "list"})["calls"] == []
    assert daemon.ng.request({"command": "query", "call-id": "call-1"})["error-reason"] == b"Unknown call-id"
    a.close()
    b.close()


@pytest.mark.parametrize("plain", ["0", "1"], ids=["batched-io", "plain-io"])
def test_bulk_relay_both_io_paths(plain):
    port = free_udp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "-t", "-1", "-d", "0", "--num-threads=1"],
               env={"RTPENGINE_PLAIN_IO": plain}).start()
    ng = NgClient(("127.0.0.1", port))
    a, b = Peer(), Peer()
    try:
        offer_sdp, answer_sdp = offer_answer(ng, "bulk", a, b)
        b.rtp.settimeout(2)
        # Bursts larger than one receive batch, so that batching (or its absence) matters.
        for burst in range(5):
            for i in range(100):
                a.rtp.sendto(rtp_packet(burst * 100 + i), ("127.0.0.1", sdp_port(answer_sdp)))
            got = [b.rtp.recvfrom(4096)[0] for _ in range(100)]
            assert got == [rtp_packet(burst * 100 + i) for i in range(100)]
        q = ng.request({"command": "query", "call-id": "bulk"})
        assert stream_stats(q, "A")["packets"] == 500 and stream_stats(q, "A")["errors"] == 0
    finally:
        a.close()
        b.close()
        ng.close()
        assert d.stop() == 0
    assert ("Using plain recvmsg/sendmsg" in d.log()) == (plain == "1")


def test_malformed_media_is_forwarded_as_upstream_does(daemon):
    # Upstream (checked against Debian's 10.5) passes whatever arrives on a plain RTP/AVP
    # media port on, errors 0: garbage, STUN, DTLS, truncated RTP, RTP on the RTCP port.
    a, b = Peer(), Peer()
    offer_sdp, answer_sdp = offer_answer(daemon.ng, "call-junk", a, b)
    to_a_side = ("127.0.0.1", sdp_port(answer_sdp))
    junk = [b"", b"x", b"\x00\x01\x00\x08" + b"\x21\x12\xa4\x42" * 3, b"\x16\xfe\xfd" + b"\x00" * 20,
            b"\x40" * 40, b"\x82" + b"\x00" * 12, rtp_packet(1)[:11]]
    for j in junk:
        a.rtp.sendto(j, to_a_side)
        assert b.rtp.recvfrom(4096)[0] == j
    a.rtcp.sendto(rtp_packet(2), ("127.0.0.1", sdp_port(answer_sdp) + 1))  # RTP on the RTCP port
    assert b.rtcp.recvfrom(4096)[0] == rtp_packet(2)
    exchange(a, b, offer_sdp, answer_sdp, count=2)  # real media still flows
    q = daemon.ng.request({"command": "query", "call-id": "call-junk"})
    assert stream_stats(q, "A")["errors"] == 0
    assert stream_stats(q, "A")["packets"] == len(junk) + 2
    assert stream_stats(q, "A", rtcp=True)["errors"] == 0
    a.close()
    b.close()


def test_unknown_payload_type_is_an_error_but_forwarded(daemon):
    a, b = Peer(), Peer()
    offer_sdp, answer_sdp = offer_answer(daemon.ng, "call-pt", a, b)
    odd = bytearray(rtp_packet(5))
    odd[1] = 99  # neither SDP names payload type 99
    a.rtp.sendto(bytes(odd), ("127.0.0.1", sdp_port(answer_sdp)))
    assert b.rtp.recvfrom(4096)[0] == bytes(odd)
    q = daemon.ng.request({"command": "query", "call-id": "call-pt"})
    assert stream_stats(q, "A")["errors"] == 1
    a.close()
    b.close()


def test_endpoint_learning_follows_the_real_source(daemon):
    a, b, nat = Peer(), Peer(), Peer()
    # A's SDP names a port nobody listens on; its packets really come from nat.
    offer_sdp, answer_sdp = offer_answer(daemon.ng, "call-nat", a, b,
                                         a_sdp=make_sdp("127.0.0.1", free_udp_port()))
    nat.rtp.sendto(rtp_packet(1), ("127.0.0.1", sdp_port(answer_sdp)))
    assert b.rtp.recvfrom(4096)[0] == rtp_packet(1)
    b.rtp.sendto(rtp_packet(2), ("127.0.0.1", sdp_port(offer_sdp)))
    assert nat.rtp.recvfrom(4096)[0] == rtp_packet(2)
    q = daemon.ng.request({"command": "query", "call-id": "call-nat"})
    assert q["tags"]["A"]["medias"][0]["streams"][0]["endpoint"]["port"] == nat.port
    for p in (a, b, nat):
        p.close()


def test_asymmetric_keeps_sending_to_sdp_address(daemon):
    a, b, other = Peer(), Peer(), Peer()
    offer_sdp, answer_sdp = offer_answer(daemon.ng, "call-asym", a, b, offer_keys={"flags": ["asymmetric"]})
    other.rtp.sendto(rtp_packet(1), ("127.0.0.1", sdp_port(answer_sdp)))
    assert b.rtp.recvfrom(4096)[0] == rtp_packet(1)
    b.rtp.sendto(rtp_packet(2), ("127.0.0.1", sdp_port(offer_sdp)))
    assert a.rtp.recvfrom(4096)[0] == rtp_packet(2)  # to the SDP address, not to `other`
    for p in (a, b, other):
        p.close()


def test_strict_source_drops_other_sources(daemon):
    a, b, intruder = Peer(), Peer(), Peer()
    offer_sdp, answer_sdp = offer_answer(daemon.ng, "call-strict", a, b, offer_keys={"flags": ["strict source"]})
    exchange(a, b, offer_sdp, answer_sdp, count=1)
    exchange(a, b, offer_sdp, answer_sdp, count=1)
    intruder.rtp.sendto(rtp_packet(9), ("127.0.0.1", sdp_port(answer_sdp)))
    with pytest.raises(socket.timeout):
        b.rtp.recvfrom(4096)
    q = daemon.ng.request({"command": "query", "call-id": "call-strict"})
    assert stream_stats(q, "A")["errors"] == 1
    for p in (a, b, intruder):
        p.close()


def test_media_handover_switches_to_new_source(daemon):
    a, b, moved = Peer(), Peer(), Peer()
    offer_sdp, answer_sdp = offer_answer(daemon.ng, "call-ho", a, b, offer_keys={"flags": ["media-handover"]})
    exchange(a, b, offer_sdp, answer_sdp, count=1)
    moved.rtp.sendto(rtp_packet(5), ("127.0.0.1", sdp_port(answer_sdp)))
    assert b.rtp.recvfrom(4096)[0] == rtp_packet(5)
    b.rtp.sendto(rtp_packet(6), ("127.0.0.1", sdp_port(offer_sdp)))
    assert moved.rtp.recvfrom(4096)[0] == rtp_packet(6)
    for p in (a, b, moved):
        p.close()


def test_reinvite_keeps_ports_and_hold(daemon):
    a, b = Peer(), Peer()
    offer_sdp, answer_sdp = offer_answer(daemon.ng, "call-re", a, b)
    again = daemon.ng.request({"command": "offer", "call-id": "call-re", "from-tag": "A",
                               "sdp": make_sdp("0.0.0.0", a.port, extra="a=sendonly\r\n")})
    assert sdp_port(again["sdp"]) == sdp_port(offer_sdp)
    assert b"a=sendonly" in again["sdp"]
    answer2 = daemon.ng.request({"command": "answer", "call-id": "call-re", "from-tag": "A", "to-tag": "B",
                                 "sdp": make_sdp(b.host, b.port, extra="a=recvonly\r\n")})
    assert sdp_port(answer2["sdp"]) == sdp_port(answer_sdp)
    # Resume: media flows again to the addresses learned before the hold.
    daemon.ng.request({"command": "offer", "call-id": "call-re", "from-tag": "A", "sdp": make_sdp(a.host, a.port)})
    daemon.ng.request({"command": "answer", "call-id": "call-re", "from-tag": "A", "to-tag": "B",
                       "sdp": make_sdp(b.host, b.port)})
    exchange(a, b, offer_sdp, answer_sdp, count=2)
    a.close()
    b.close()


def test_forked_answers(daemon):
    a, b1, b2 = Peer(), Peer(), Peer()
    offer = daemon.ng.request({"command": "offer", "call-id": "call-fork", "from-tag": "A",
                               "sdp": make_sdp(a.host, a.port)})
    ans1 = daemon.ng.request({"command": "answer", "call-id": "call-fork", "from-tag": "A", "to-tag": "B1",
                              "sdp": make_sdp(b1.host, b1.port)})
    ans2 = daemon.ng.request({"command": "answer", "call-id": "call-fork", "from-tag": "A", "to-tag": "B2",
                              "sdp": make_sdp(b2.host, b2.port)})
    assert ans1["result"] == b"ok" and ans2["result"] == b"ok"
    q = daemon.ng.request({"command": "query", "call-id": "call-fork"})
    assert set(q["tags"].keys()) == {"A", "B1", "B2"}
    # The branch that answered last gets A's media.
    a.rtp.sendto(rtp_packet(1), ("127.0.0.1", sdp_port(ans2["sdp"])))
    assert b2.rtp.recvfrom(4096)[0] == rtp_packet(1)
    for p in (a, b1, b2):
        p.close()


def test_ipv6_and_bridging(daemon):
    a6, b6, b4 = Peer("::1", socket.AF_INET6), Peer("::1", socket.AF_INET6), Peer()
    offer_sdp, answer_sdp = offer_answer(daemon.ng, "call-v6", a6, b6, offer_keys={"direction": ["v6", "v6"]},
                                         answer_keys={"direction": ["v6", "v6"]})
    assert b"c=IN IP6 ::1" in offer_sdp
    exchange(a6, b6, offer_sdp, answer_sdp, count=2)
    # IPv6 caller, IPv4 callee.
    offer_sdp, answer_sdp = offer_answer(daemon.ng, "call-bridge", a6, b4,
                                         offer_keys={"direction": ["v6", "default"], "address-family": "IP4"},
                                         answer_keys={"direction": ["v6", "default"]})
    assert b"c=IN IP4 127.0.0.1" in offer_sdp
    assert b"c=IN IP6 ::1" in answer_sdp
    exchange(a6, b4, offer_sdp, answer_sdp, count=2)
    for p in (a6, b6, b4):
        p.close()


def test_advertised_address_goes_into_sdp(daemon):
    a, b = Peer(), Peer()
    offer_sdp, answer_sdp = offer_answer(daemon.ng, "call-adv", a, b, offer_keys={"direction": ["default", "pub"]})
    assert b"c=IN IP4 192.0.2.99" in offer_sdp
    assert b"c=IN IP4 127.0.0.1" in answer_sdp
    a.close()
    b.close()


def test_errors_leave_state_alone(daemon):
    ng = daemon.ng
    assert ng.request({"command": "offer", "call-id": "x", "from-tag": "A"})["error-reason"] == b"No SDP body in message"
    for bad in ["garbage", "v=0\r\nm=audio abc RTP/AVP 0\r\n", "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 70000 RTP/AVP 0\r\n"]:
        r = ng.request({"command": "offer", "call-id": "bad", "from-tag": "A", "sdp": bad})
        assert r["error-reason"] == b"Failed to parse SDP"
    assert ng.request({"command": "list"})["calls"] == []
    assert ng.request({"command": "answer", "call-id": "nope", "from-tag": "A", "to-tag": "B",
                       "sdp": make_sdp("127.0.0.1", 4000)})["error-reason"] == b"Unknown call-id"
    # As upstream: deleting what is not there is a warning, not an error.
    assert ng.request({"command": "delete", "call-id": "nope", "from-tag": "A"}) == {
        "result": b"ok", "warning": b"Call-ID not found or tags didn't match"}
    a, b = Peer(), Peer()
    offer_sdp, answer_sdp = offer_answer(ng, "good", a, b)
    r = ng.request({"command": "offer", "call-id": "good", "from-tag": "A", "sdp": "v=0\r\nbroken"})
    assert r["result"] == b"error"
    exchange(a, b, offer_sdp, answer_sdp, count=1)
    a.close()
    b.close()


def test_port_exhaustion_and_release():
    port = free_udp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "-t", "-1", "-d", "0",
                     "-m", "41000", "-M", "41003"]).start()  # two pairs: one call
    ng = NgClient(("127.0.0.1", port))
    try:
        first = ng.request({"command": "offer", "call-id": "c1", "from-tag": "A", "sdp": make_sdp("127.0.0.1", 5000)})
        assert first["result"] == b"ok"
        second = ng.request({"command": "offer", "call-id": "c2", "from-tag": "A", "sdp": make_sdp("127.0.0.1", 5002)})
        assert second["error-reason"] == b"Ran out of ports"
        assert ng.request({"command": "list"})["calls"] == [b"c1"]
        ng.request({"command": "delete", "call-id": "c1", "from-tag": "A"})
        # The ports of a deleted call are usable by the very next offer, and call after
        # call in a range that holds only one.
        for i in range(50):
            call_id = "again-%d" % i
            r = ng.request({"command": "offer", "call-id": call_id, "from-tag": "A",
                            "sdp": make_sdp("127.0.0.1", 5004)})
            assert r["result"] == b"ok", (i, r)
            r = ng.request({"command": "answer", "call-id": call_id, "from-tag": "A", "to-tag": "B",
                            "sdp": make_sdp("127.0.0.1", 5006)})
            assert r["result"] == b"ok", (i, r)
            assert ng.request({"command": "delete", "call-id": call_id, "from-tag": "A"})["result"] == b"ok"
    finally:
        ng.close()
        assert d.stop() == 0


@pytest.mark.parametrize("args, answered, expected", [
    (["--timeout=2"], True, "timeout (no media)"),
    (["--offer-timeout=2"], False, "offer timeout"),
    (["--final-timeout=2", "--timeout=60"], True, "final timeout"),
    (["--silent-timeout=2"], "hold", "silent timeout"),
])
def test_timeouts_remove_calls(args, answered, expected):
    port = free_udp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "-t", "-1"] + args).start()
    ng = NgClient(("127.0.0.1", port))
    try:
        a_sdp = make_sdp("0.0.0.0" if answered == "hold" else "127.0.0.1", 5000,
                         extra="a=sendonly\r\n" if answered == "hold" else "")
        ng.request({"command": "offer", "call-id": "t", "from-tag": "A", "sdp": a_sdp})
        if answered:
            b_sdp = make_sdp("0.0.0.0" if answered == "hold" else "127.0.0.1", 6000,
                             extra="a=recvonly\r\n" if answered == "hold" else "")
            ng.request({"command": "answer", "call-id": "t", "from-tag": "A", "to-tag": "B", "sdp": b_sdp})
        assert ng.request({"command": "list"})["calls"] == [b"t"]
        deadline = time.time() + 6
        while ng.request({"command": "list"})["calls"] and time.time() < deadline:
            time.sleep(0.2)
        assert ng.request({"command": "list"})["calls"] == []
    finally:
        ng.close()
        assert d.stop() == 0
    assert expected in d.log()


def test_delete_delay_keeps_call_until_it_expires():
    port = free_udp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "-t", "-1", "-d", "2"]).start()
    ng = NgClient(("127.0.0.1", port))
    try:
        ng.request({"command": "offer", "call-id": "dd", "from-tag": "A", "sdp": make_sdp("127.0.0.1", 5000)})
        assert ng.request({"command": "delete", "call-id": "dd", "from-tag": "A"})["result"] == b"ok"
        assert ng.request({"command": "query", "call-id": "dd"})["result"] == b"ok"
        time.sleep(3.5)
        assert ng.request({"command": "query", "call-id": "dd"})["error-reason"] == b"Unknown call-id"
    finally:
        ng.close()
        assert d.stop() == 0


def received_tos(sock):
    data, ancillary, _, _ = sock.recvmsg(4096, 64)
    for level, kind, value in ancillary:
        if level == socket.IPPROTO_IP and kind == socket.IP_TOS:
            return value[0]
    return None


@pytest.mark.parametrize("daemon_args, keys, expected", [
    (["--tos=184"], {}, 184),
    ([], {"TOS": 96}, 96),
    (["--tos=184"], {"TOS": 32}, 32),
])
def test_tos_on_media_packets(daemon_args, keys, expected):
    port = free_udp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "-t", "-1", "-d", "0"] + daemon_args).start()
    ng = NgClient(("127.0.0.1", port))
    a, b = Peer(), Peer()
    try:
        b.rtp.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
        offer_sdp, answer_sdp = offer_answer(ng, "tos", a, b, offer_keys=keys)
        a.rtp.sendto(rtp_packet(1), ("127.0.0.1", sdp_port(answer_sdp)))
        assert received_tos(b.rtp) == expected
    finally:
        a.close()
        b.close()
        ng.close()
        assert d.stop() == 0


def test_endpoint_learning_off_keeps_sdp_address():
    port = free_udp_port()
    d = Daemon(args=["-i", "127.0.0.1", "-n", "127.0.0.1:%d" % port, "-t", "-1", "-d", "0",
                     "--endpoint-learning=off"]).start()
    ng = NgClient(("127.0.0.1", port))
    a, b, nat = Peer(), Peer(), Peer()
    try:
        offer_sdp, answer_sdp = offer_answer(ng, "nolearn", a, b)
        nat.rtp.sendto(rtp_packet(1), ("127.0.0.1", sdp_port(answer_sdp)))
        assert b.rtp.recvfrom(4096)[0] == rtp_packet(1)
        b.rtp.sendto(rtp_packet(2), ("127.0.0.1", sdp_port(offer_sdp)))
        assert a.rtp.recvfrom(4096)[0] == rtp_packet(2)  # the SDP address, not where A's packet came from
        with pytest.raises(socket.timeout):
            nat.rtp.settimeout(0.3)
            nat.rtp.recvfrom(4096)
    finally:
        for p in (a, b, nat):
            p.close()
        ng.close()
        assert d.stop() == 0


def test_delete_one_branch_keeps_the_others(daemon):
    a, b1, b2 = Peer(), Peer(), Peer()
    ng = daemon.ng
    ng.request({"command": "offer", "call-id": "br", "from-tag": "A", "sdp": make_sdp(a.host, a.port)})
    ans1 = ng.request({"command": "answer", "call-id": "br", "from-tag": "A", "to-tag": "B1",
                       "sdp": make_sdp(b1.host, b1.port)})
    ans2 = ng.request({"command": "answer", "call-id": "br", "from-tag": "A", "to-tag": "B2",
                       "sdp": make_sdp(b2.host, b2.port)})
    r = ng.request({"command": "delete", "call-id": "br", "from-tag": "A", "to-tag": "B2"})
    assert r["result"] == b"ok"
    q = ng.request({"command": "query", "call-id": "br"})
    assert set(q["tags"].keys()) == {"A", "B1"}
    # A's media now goes to the remaining branch.
    a.rtp.sendto(rtp_packet(3), ("127.0.0.1", sdp_port(ans1["sdp"])))
    assert b1.rtp.recvfrom(4096)[0] == rtp_packet(3)
    ng.request({"command": "delete", "call-id": "br", "from-tag": "A", "to-tag": "B1"})
    assert ng.request({"command": "list"})["calls"] == []
    for p in (a, b1, b2):
        p.close()


def test_forked_offers_by_via_branch(daemon):
    a, b1, b2 = Peer(), Peer(), Peer()
    ng = daemon.ng
    o1 = ng.request({"command": "offer", "call-id": "vb", "from-tag": "A", "via-branch": "z9hG4bK1",
                     "sdp": make_sdp(a.host, a.port)})
    o2 = ng.request({"command": "offer", "call-id": "vb", "from-tag": "A", "via-branch": "z9hG4bK2",
                     "sdp": make_sdp(a.host, a.port)})
    assert sdp_port(o1["sdp"]) != sdp_port(o2["sdp"])  # each fork gets its own ports
    again = ng.request({"command": "offer", "call-id": "vb", "from-tag": "A", "via-branch": "z9hG4bK1",
                        "sdp": make_sdp(a.host, a.port)})
    assert sdp_port(again["sdp"]) == sdp_port(o1["sdp"])
    for p in (a, b1, b2):
        p.close()


@pytest.mark.parametrize("daemon", [["--endpoint-learning=heuristic"]], indirect=True)
def test_heuristic_learning_with_strict_source_resists_bleed_and_inject(daemon):
    # ES2025-01: an attacker spraying the port first is only a guess; the first packet from
    # exactly the SDP address settles learning, and strict source refuses the attacker then.
    a, b = Peer(), Peer()
    attacker = Peer(host="127.0.0.5")
    offer_sdp, answer_sdp = offer_answer(daemon.ng, "call-bleed", a, b, offer_keys={"flags": ["strict source"]})
    to_a_side = ("127.0.0.1", sdp_port(answer_sdp))
    for i in range(3):
        attacker.rtp.sendto(rtp_packet(900 + i, ssrc=0xbad), to_a_side)
        assert b.rtp.recvfrom(4096)[0] == rtp_packet(900 + i, ssrc=0xbad)  # injected while learning
    q = daemon.ng.request({"command": "query", "call-id": "call-bleed"})
    assert q["tags"]["A"]["medias"][0]["streams"][0]["learning"]["state"] == b"learning"
    a.rtp.sendto(rtp_packet(1), to_a_side)  # the real caller, from its SDP address
    assert b.rtp.recvfrom(4096)[0] == rtp_packet(1)
    for i in range(3):
        attacker.rtp.sendto(rtp_packet(910 + i, ssrc=0xbad), to_a_side)
    b.rtp.sendto(rtp_packet(2), ("127.0.0.1", sdp_port(offer_sdp)))
    assert a.rtp.recvfrom(4096)[0] == rtp_packet(2)  # B's media goes to A, not the attacker
    attacker.rtp.settimeout(0.2)
    with pytest.raises(socket.timeout):
        attacker.rtp.recvfrom(4096)
    with pytest.raises(socket.timeout):
        b.rtp.settimeout(0.2)
        b.rtp.recvfrom(4096)  # nothing of the attacker's reaches B any more
    learning = daemon.ng.request({"command": "query", "call-id": "call-bleed"})["tags"]["A"]["medias"][0]["streams"][0]["learning"]
    assert learning["state"] == b"SDP address"
    assert learning["candidates"] == 2
    assert learning["refused sources"] == 3
    for p in (a, b, attacker):
        p.close()


def test_query_shows_learning_but_delete_keeps_upstream_keys(daemon):
    a, b = Peer(), Peer()
    offer_sdp, answer_sdp = offer_answer(daemon.ng, "call-diag", a, b)
    exchange(a, b, offer_sdp, answer_sdp, count=1)
    q = daemon.ng.request({"command": "query", "call-id": "call-diag"})
    assert q["tags"]["A"]["medias"][0]["streams"][0]["learning"]["state"] == b"SDP address"
    d = daemon.ng.request({"command": "delete", "call-id": "call-diag", "from-tag": "A"})
    assert not set(OUR_STREAM_ADDITIONS) & set(d["tags"]["A"]["medias"][0]["streams"][0])
    a.close()
    b.close()
