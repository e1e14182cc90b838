"""Publish/subscribe (ng publish, subscribe request, subscribe answer, unsubscribe) on
real sockets, against Debian's rtpengine 10.5: the same requests to both daemons must give
the same replies (SDP with ports and versions masked, keys, errors) and the same query
output, and media must reach exactly the subscribers that answered. Subscribers come and
go while media flows, without a gap for the others."""

import re
import socket
import struct
import threading
import time

import pytest

from rtpe_testlib import OUR_STREAM_ADDITIONS, decoded, start_ng_daemon, start_with_oracle, stop_ng_daemon, stop_with_oracle





def sdp(port, direction, fmts, session="pub", extra=""):
    return ("v=0\r\no=- 5 7 IN IP4 127.0.0.1\r\ns=%s\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP %s\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=%s\r\n%s"
            % (session, port, fmts, direction, extra))


def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.3)
    return s


def rtp(seq, ssrc=0x1234, pt=0):
    return struct.pack("!BBHII", 0x80, pt, seq & 0xffff, seq * 160, ssrc) + b"\xff" * 160


def port_of(sdp_text):
    return int(re.search(r"m=audio (\d+)", sdp_text).group(1))


def drain(sock):
    got = []
    try:
        while True:
            got.append(sock.recvfrom(4096))
    except socket.timeout:
        pass
    return got


def masked(value, tags):
    """Ports, o= ids, our own version in s=, and generated tags made comparable."""
    if isinstance(value, dict):
        return {masked(k, tags): masked(v, tags) for k, v in value.items()
                if k not in ("created", "created_us", "last signal", "last packet") + OUR_STREAM_ADDITIONS}
    if isinstance(value, (list, tuple)):
        return [masked(v, tags) for v in value]
    if isinstance(value, str):
        for real, alias in tags.items():
            value = value.replace(real, alias)
        value = re.sub(r"\b\d{4,}\b", "N", value)
        return re.sub(r"s=rtpengine-[^\r]*", "s=rtpengine-VERSION", value)
    if isinstance(value, int) and value >= 1024:
        return "N"
    return value


def pubsub_session(d, call_id):
    """The scripted exchange; returns (replies, what each subscriber received)."""
    pub, s1, s2 = udp(), udp(), udp()
    out = []
    tags = {}

    def req(dictionary):
        reply = decoded(d.ng.request(dict(dictionary, **{"call-id": call_id})))
        out.append((dictionary["command"], reply))
        return reply

    try:
        r = req({"command": "publish", "from-tag": "pub", "sdp": sdp(pub.getsockname()[1], "sendonly", "0 8")})
        to_pub = port_of(r["sdp"])
        req({"command": "subscribe request", "from-tag": "pub", "to-tag": "sub1"})
        req({"command": "subscribe answer", "to-tag": "sub1", "sdp": sdp(s1.getsockname()[1], "recvonly", "0")})
        r = req({"command": "subscribe request", "from-tags": ["pub"]})
        tags[r["to-tag"]] = "GENERATED"
        req({"command": "subscribe answer", "to-tag": r["to-tag"], "sdp": sdp(s2.getsockname()[1], "recvonly", "0")})
        for i in range(3):
            pub.sendto(rtp(i), ("127.0.0.1", to_pub))
        time.sleep(0.2)
        received = [len(drain(s1)), len(drain(s2))]
        req({"command": "query"})
        req({"command": "unsubscribe", "to-tag": "sub1"})
        for i in range(3, 6):
            pub.sendto(rtp(i), ("127.0.0.1", to_pub))
        time.sleep(0.2)
        received += [len(drain(s1)), len(drain(s2))]
        req({"command": "query"})
        # Errors
        req({"command": "subscribe request", "from-tag": "nosuchtag"})
        req({"command": "subscribe answer", "to-tag": "nosub", "sdp": sdp(s1.getsockname()[1], "recvonly", "0")})
        req({"command": "unsubscribe", "to-tag": "nosub"})
        out.append(("unknown call", decoded(d.ng.request({"command": "subscribe request", "call-id": "nope",
                                                       "from-tag": "pub"}))))
        req({"command": "publish", "from-tag": "x"})
        # ... and take every codec it was offered (PCMU here).
        req({"command": "subscribe request", "from-tag": "pub", "to-tag": "sub3"})
        req({"command": "subscribe answer", "to-tag": "sub3", "sdp": sdp(s1.getsockname()[1], "recvonly", "8")})
        return masked(out, tags), received
    finally:
        d.ng.request({"command": "delete", "call-id": call_id, "delete-delay": 0})
        for s in (pub, s1, s2):
            s.close()


def subscribe_to_call_session(d, call_id):
    """Subscriptions to both parties of an offer/answer call, one and several at once."""
    a, b, s = udp(), udp(), udp()
    out = []
    try:
        d.ng.request({"command": "offer", "call-id": call_id, "from-tag": "A",
                      "sdp": sdp(a.getsockname()[1], "sendrecv", "0 8 101", "alice")})
        ans = decoded(d.ng.request({"command": "answer", "call-id": call_id, "from-tag": "A", "to-tag": "B",
                                 "sdp": sdp(b.getsockname()[1], "sendrecv", "8 101", "bob")}))
        for request in ({"command": "subscribe request", "from-tag": "A", "to-tag": "S1"},
                        {"command": "subscribe request", "from-tags": ["A", "B"], "to-tag": "S2"},
                        {"command": "subscribe request", "flags": ["all"], "to-tag": "S3"},
                        {"command": "subscribe request", "from-tag": "A", "to-tag": "S1"}):
            out.append(decoded(d.ng.request(dict(request, **{"call-id": call_id}))))
        # An answer must answer every media it was offered ...
        out.append(decoded(d.ng.request({"command": "subscribe answer", "call-id": call_id, "to-tag": "S2",
                                      "sdp": sdp(s.getsockname()[1], "recvonly", "8")})))
        out.append(decoded(d.ng.request({"command": "subscribe answer", "call-id": call_id, "to-tag": "S1",
                                      "sdp": sdp(s.getsockname()[1], "recvonly", "8 101")})))
        # A's media reaches B (offer/answer) and S1 (copy), from S1's own port.
        a.sendto(rtp(1, pt=8), ("127.0.0.1", port_of(ans["sdp"])))
        time.sleep(0.2)
        got = drain(s)
        out.append([len(drain(b)), len(got), got[0][1][1] == port_of(out[3]["sdp"]) if got else None])
        q = decoded(d.ng.request({"command": "query", "call-id": call_id}))
        out.append({tag: ([(x["tag"], x["type"]) for x in t["subscriptions"]],
                          [(x["tag"], x["type"]) for x in t["subscribers"]])
                    for tag, t in q["tags"].items()})
        return masked(out, {})
    finally:
        d.ng.request({"command": "delete", "call-id": call_id, "delete-delay": 0})
        for x in (a, b, s):
            x.close()


@pytest.fixture(scope="module")
def daemons():
    pair = start_with_oracle(["--num-threads=2"])
    yield pair
    stop_with_oracle(pair)


def without_loop_check(value):
    # Upstream flags some media "loop check" by its own internal heuristics; not compared.
    if isinstance(value, dict):
        return {k: without_loop_check(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_loop_check(v) for v in value if v != "loop check"]
    return value


def test_publish_and_subscribe_match_oracle(daemons):
    ours, theirs = daemons
    got, got_received = pubsub_session(ours, "ps-ours")
    expected, expected_received = pubsub_session(theirs, "ps-theirs")
    assert got_received == expected_received == [3, 3, 0, 3]
    assert len(got) == len(expected)
    for (command, g), (_, e) in zip(got, expected):
        assert without_loop_check(g) == without_loop_check(e), command


def test_subscriptions_to_an_offer_answer_call_match_oracle(daemons):
    ours, theirs = daemons
    got = subscribe_to_call_session(ours, "sc-ours")
    expected = subscribe_to_call_session(theirs, "sc-theirs")
    # A subscription to several parties is an SDP upstream writes itself; its rejected
    # video sections differ (upstream gives them ports and "a=rtpmap:96 /0"), so only the
    # single-party offers are compared whole.
    for i in (0, 3):
        assert got[i] == expected[i]
    for i in (1, 2):
        assert {k: v for k, v in got[i].items() if k != "sdp"} == {k: v for k, v in expected[i].items() if k != "sdp"}
        assert got[i]["sdp"].count("m=audio") == expected[i]["sdp"].count("m=audio") == 2
    assert got[4] == expected[4] == {"result": "error", "error-reason": "Failed to process subscription answer"}
    assert got[5] == expected[5] == {"result": "ok"}
    assert got[6] == expected[6] == [1, 1, True]
    assert got[7] == expected[7]


def test_subscribers_come_and_go_without_a_gap_for_the_others():
    d = start_ng_daemon(["--num-threads=2"])
    pub, steady = udp(), udp()
    try:
        r = decoded(d.ng.request({"command": "publish", "call-id": "churn", "from-tag": "pub",
                               "sdp": sdp(pub.getsockname()[1], "sendonly", "0")}))
        to_pub = port_of(r["sdp"])
        d.ng.request({"command": "subscribe request", "call-id": "churn", "from-tag": "pub", "to-tag": "steady"})
        d.ng.request({"command": "subscribe answer", "call-id": "churn", "to-tag": "steady",
                      "sdp": sdp(steady.getsockname()[1], "recvonly", "0")})
        total = 600
        received = []

        def receive():
            steady.settimeout(1.0)
            try:
                while len(received) < total:
                    received.append(struct.unpack("!H", steady.recv(4096)[2:4])[0])
            except socket.timeout:
                pass

        receiver = threading.Thread(target=receive)
        receiver.start()
        churn_sockets = []
        for i in range(total):
            pub.sendto(rtp(i), ("127.0.0.1", to_pub))
            if i % 20 == 0:
                # Another subscriber joins, and the one before it leaves, as media flows.
                s = udp()
                churn_sockets.append(s)
                tag = "churn%d" % i
                d.ng.request({"command": "subscribe request", "call-id": "churn", "from-tag": "pub", "to-tag": tag})
                d.ng.request({"command": "subscribe answer", "call-id": "churn", "to-tag": tag,
                              "sdp": sdp(s.getsockname()[1], "recvonly", "0")})
                if i:
                    d.ng.request({"command": "unsubscribe", "call-id": "churn", "to-tag": "churn%d" % (i - 20)})
            time.sleep(0.001)
        receiver.join()
        assert sorted(received) == list(range(total))  # every packet, none twice
        q = decoded(d.ng.request({"command": "query", "call-id": "churn"}))
        assert [x["tag"] for x in q["tags"]["pub"]["subscribers"]] == ["steady", "churn%d" % (total - 20)]
        for s in churn_sockets:
            s.close()
    finally:
        pub.close()
        steady.close()
        stop_ng_daemon(d)


def test_pubsub_errors_leave_the_daemon_well(daemons):
    ours, _ = daemons
    for request in ({"command": "subscribe request", "call-id": "none"},
                    {"command": "subscribe answer", "call-id": "none", "to-tag": "x"},
                    {"command": "unsubscribe", "call-id": "none", "to-tag": "x"},
                    {"command": "publish", "call-id": "pp", "from-tag": "p", "sdp": "garbage"},
                    {"command": "subscribe request"}):
        reply = decoded(ours.ng.request(request))
        assert reply["result"] == "error", request
    assert ours.ng.request({"command": "ping"})["result"] == b"pong"
