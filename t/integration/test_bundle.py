"""BUNDLE (RFC 9143) with the `bundle` key's `accept`, as upstream has it after 10.5: a
bundled offer is passed on unbundled (each m= line its own ports, a=bundle-only media
included), the answer to the offerer is bundled on one transport, and media is split by
m= line (SSRC, else payload type) on the way out and joined on the way back. Without the
key a bundled offer is treated as if it were not bundled, as Debian's 10.5 does."""

import re
import struct
import time

import pytest

from media_testlib import PortPair, drain, rtcp_sr, udp_socket
from rtpe_testlib import decoded, start_ng_daemon, stop_ng_daemon


@pytest.fixture(scope="module")
def daemon():
    d = start_ng_daemon()
    yield d
    stop_ng_daemon(d)


MID_EXTMAP = "a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid"


def bundled_offer(port, bundle_only=False, mid_extension=False):
    ext = [MID_EXTMAP] if mid_extension else []
    lines = ["v=0", "o=a 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0", "a=group:BUNDLE a0 v1",
             "m=audio %d RTP/AVP 0" % port, "a=mid:a0"] + ext + ["a=rtcp-mux", "a=sendrecv",
             "m=video %d RTP/AVP 96" % (0 if bundle_only else port), "a=mid:v1"] + ext + ["a=rtcp-mux",
             "a=rtpmap:96 VP8/90000", "a=sendrecv"]
    if bundle_only:
        lines.append("a=bundle-only")
    return "\r\n".join(lines) + "\r\n"


def plain_answer(audio_port, video_port):
    return "\r\n".join(["v=0", "o=b 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
                        "m=audio %d RTP/AVP 0" % audio_port, "a=sendrecv",
                        "m=video %d RTP/AVP 96" % video_port, "a=rtpmap:96 VP8/90000", "a=sendrecv"]) + "\r\n"


def ports(sdp_text):
    return [int(p) for p in re.findall(r"m=\w+ (\d+) ", sdp_text)]


def rtp(seq, pt, ssrc, fill):
    return struct.pack("!BBHII", 0x80, pt, seq, seq * 160, ssrc) + bytes([fill]) * 100


def negotiate(daemon, call_id, a_port, b_audio, b_video, bundle_only=False, keys=None, mid_extension=False):
    offer = {"command": "offer", "call-id": call_id, "from-tag": "ft",
             "sdp": bundled_offer(a_port, bundle_only, mid_extension)}
    offer.update({"bundle": ["accept"]} if keys is None else keys)
    to_b = decoded(daemon.ng.request(offer))["sdp"]
    to_a = decoded(daemon.ng.request({"command": "answer", "call-id": call_id, "from-tag": "ft", "to-tag": "tt",
                                      "sdp": plain_answer(b_audio, b_video)}))["sdp"]
    return to_b, to_a


@pytest.mark.parametrize("bundle_only", [False, True], ids=["same-port", "bundle-only"])
def test_bundled_offer_is_unbundled_onwards_and_answered_bundled(daemon, bundle_only):
    call_id = "bundle-sdp-%d" % bundle_only
    try:
        to_b, to_a = negotiate(daemon, call_id, 6000, 7000, 7002, bundle_only)
        b_ports = ports(to_b)
        assert "a=group:BUNDLE" not in to_b and "a=bundle-only" not in to_b
        assert len(b_ports) == 2 and 0 not in b_ports and b_ports[0] != b_ports[1], to_b
        a_ports = ports(to_a)
        assert "a=group:BUNDLE a0 v1\r\n" in to_a, to_a
        assert len(a_ports) == 2 and a_ports[0] == a_ports[1] != 0, to_a
        assert to_a.count("a=rtcp-mux") == 2 and "a=mid:a0" in to_a and "a=mid:v1" in to_a
        # query shows both members of the bundled side on the one transport
        q = decoded(daemon.ng.request({"command": "query", "call-id": call_id}))
        assert [m["streams"][0]["local port"] for m in q["tags"]["ft"]["medias"]] == a_ports
    finally:
        daemon.ng.request({"command": "delete", "call-id": call_id})


def test_without_the_key_a_bundled_offer_is_not_bundled(daemon):
    try:
        to_b, to_a = negotiate(daemon, "bundle-off", 6000, 7000, 7002, keys={})
        assert "a=group:BUNDLE" not in to_a and "a=group:BUNDLE" not in to_b
        assert len(set(ports(to_a))) == 2
    finally:
        daemon.ng.request({"command": "delete", "call-id": "bundle-off"})


def test_a_rejected_member_leaves_the_group(daemon):
    try:
        daemon.ng.request({"command": "offer", "call-id": "bundle-reject", "from-tag": "ft", "bundle": ["accept"],
                           "sdp": bundled_offer(6000)})
        to_a = decoded(daemon.ng.request({"command": "answer", "call-id": "bundle-reject", "from-tag": "ft",
                                          "to-tag": "tt", "sdp": plain_answer(7000, 0)}))["sdp"]
        assert "a=group:BUNDLE a0\r\n" in to_a, to_a
        assert ports(to_a)[1] == 0
    finally:
        daemon.ng.request({"command": "delete", "call-id": "bundle-reject"})


@pytest.mark.parametrize("bundle_only", [False, True], ids=["same-port", "bundle-only"])
def test_media_is_split_by_m_line_and_joined_back(daemon, bundle_only):
    a = udp_socket()
    b_audio, b_video = PortPair(), PortPair()
    call_id = "bundle-media-%d" % bundle_only
    try:
        to_b, to_a = negotiate(daemon, call_id, a.getsockname()[1], b_audio.port(), b_video.port(), bundle_only)
        transport = ports(to_a)[0]
        audio_in, video_in = ports(to_b)
        got = {"a": [], "b_audio": [], "b_video": [], "b_video_rtcp": []}
        for seq in range(1, 6):
            a.sendto(rtp(seq, 0, 0xA0D10, 0xAA), ("127.0.0.1", transport))
            a.sendto(rtp(seq, 96, 0x71DE0, 0xBB), ("127.0.0.1", transport))
            a.sendto(rtcp_sr(0x71DE0), ("127.0.0.1", transport))  # about the video: to its RTCP port
            b_audio.rtp.sendto(rtp(seq, 0, 0xB0A, 0xCC), ("127.0.0.1", audio_in))
            b_video.rtp.sendto(rtp(seq, 96, 0xB0B, 0xDD), ("127.0.0.1", video_in))
            b_video.rtcp.sendto(rtcp_sr(0xB0B), ("127.0.0.1", video_in + 1))
            time.sleep(0.05)
            got["a"] += drain(a, with_sources=True)
            got["b_audio"] += drain(b_audio.rtp)
            got["b_video"] += drain(b_video.rtp)
            got["b_video_rtcp"] += drain(b_video.rtcp)
        # Split: each m= line's peer gets its own media only.
        assert got["b_audio"] and all(p[1] == 0 and p[12] == 0xAA for p in got["b_audio"]), got["b_audio"]
        assert got["b_video"] and all(p[1] == 96 and p[12] == 0xBB for p in got["b_video"]), got["b_video"]
        assert rtcp_sr(0x71DE0) in got["b_video_rtcp"]
        # Joined: everything comes back on the one transport.
        assert {source[1] for _, source in got["a"]} == {transport}
        payloads = [p for p, _ in got["a"]]
        assert any(p[1] == 0 and p[12] == 0xCC for p in payloads)
        assert any(p[1] == 96 and p[12] == 0xDD for p in payloads)
        assert rtcp_sr(0xB0B) in payloads
    finally:
        daemon.ng.request({"command": "delete", "call-id": call_id})
        a.close()
        b_audio.close()
        b_video.close()


def rtp_with_mid(seq, pt, ssrc, mid, fill):
    """RTP with a one-byte header extension (RFC 8285) carrying the MID as element 9."""
    element = bytes([(9 << 4) | (len(mid) - 1)]) + mid.encode()
    element += b"\0" * (-len(element) % 4)
    header = struct.pack("!BBHII", 0x90, pt, seq, seq * 160, ssrc) + struct.pack("!HH", 0xBEDE, len(element) // 4)
    return header + element + bytes([fill]) * 100


def test_the_mid_header_extension_routes_first(daemon):
    """The answer echoes the offerer's MID extension on every member, and a packet naming
    m= line v1 goes to the video peer even with the audio's payload type (and the other way
    round): MID before SSRC and payload type."""
    a = udp_socket()
    b_audio, b_video = PortPair(), PortPair()
    try:
        to_b, to_a = negotiate(daemon, "bundle-mid", a.getsockname()[1], b_audio.port(), b_video.port(),
                               mid_extension=True)
        assert to_a.count(MID_EXTMAP + "\r\n") == 2, to_a
        transport = ports(to_a)[0]
        for seq in range(1, 4):
            a.sendto(rtp_with_mid(seq, 0, 0x1D1, "v1", 0xEE), ("127.0.0.1", transport))
            a.sendto(rtp_with_mid(seq, 96, 0x1D2, "a0", 0xAA), ("127.0.0.1", transport))
        time.sleep(0.2)
        video, audio = drain(b_video.rtp), drain(b_audio.rtp)
        assert len(video) == 3 and all(p[-1] == 0xEE for p in video), video
        assert len(audio) == 3 and all(p[-1] == 0xAA for p in audio), audio
    finally:
        daemon.ng.request({"command": "delete", "call-id": "bundle-mid"})
        a.close()
        b_audio.close()
        b_video.close()
