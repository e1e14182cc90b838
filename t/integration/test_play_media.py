"""play media and stop media against Debian's 10.5 on the same path: a WAV file (or the
same bytes as a blob) played into one participant arrives as its codec's RTP at 20 ms,
with an SSRC, sequence and timestamps of its own, and decodes to the tone in the file;
repeat-times, stop media and the refusals as upstream; while it plays, the peer's audio
towards that participant is held back."""

import audioop
import re
import struct
import time

import numpy as np
import pytest

from media_testlib import PortPair, drain, tone_wav
from rtpe_testlib import decoded


def sdp(origin, port, formats, attributes=()):
    return "\r\n".join(["v=0", "o=%s 1 1 IN IP4 127.0.0.1" % origin, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
                        "m=audio %d RTP/AVP %s" % (port, " ".join(map(str, formats)))] + list(attributes) + [""])


class Call:
    """a offers (formats, attributes of its m= line), b answers likewise."""

    def __init__(self, daemon, call_id, a=([8, 0], ()), b=([0, 8], ())):
        self.daemon, self.call_id = daemon, call_id
        self.a, self.b = PortPair(), PortPair()
        offer = self.request("offer", **{"from-tag": "a", "sdp": sdp("a", self.a.port(), *a)})
        self.to_b = int(re.search(r"m=audio (\d+)", offer["sdp"]).group(1))
        self.request("answer", **{"from-tag": "a", "to-tag": "b", "sdp": sdp("b", self.b.port(), *b)})

    def request(self, command, **keys):
        return decoded(self.daemon.ng.request(dict({"command": command, "call-id": self.call_id}, **keys)))

    def close(self):
        self.request("delete")
        self.a.close()
        self.b.close()


def dominant_frequency(packets):
    pcm = np.frombuffer(b"".join(audioop.ulaw2lin(p[12:], 2) for p in packets), dtype=np.int16).astype(float)
    spectrum = np.abs(np.fft.rfft(pcm))
    return np.argmax(spectrum) * 8000 / len(pcm)


def summary(packets):
    """What a participant got from the player: count, payload types, whether sequence and
    timestamps run on by one packet of 20 ms, one SSRC, the marker on the first."""
    seqs = [struct.unpack("!H", p[2:4])[0] for p in packets]
    stamps = [struct.unpack("!I", p[4:8])[0] for p in packets]
    return {"types": sorted({p[1] & 0x7f for p in packets}),
            "in order": all((b - a) % 65536 == 1 for a, b in zip(seqs, seqs[1:])) and
                        all((b - a) % 2**32 == 160 for a, b in zip(stamps, stamps[1:])),
            "ssrcs": len({p[8:12] for p in packets}), "marker first": bool(packets and packets[0][1] & 0x80)}


def test_play_file_and_blob_as_oracle(daemons, tmp_path):
    path = str(tmp_path / "tone.wav")
    blob = tone_wav(path=path)
    results = []
    for daemon in daemons:
        call = Call(daemon, "play-media")
        try:
            played = call.request("play media", **{"from-tag": "a", "file": path})
            time.sleep(1.4)
            to_a = drain(call.a.rtp)
            assert drain(call.b.rtp) == []
            twice = call.request("play media", **{"from-tag": "b", "blob": blob, "repeat-times": 2})
            time.sleep(2.4)
            to_b = drain(call.b.rtp)
            results.append((played, twice, len(to_a), summary(to_a), len(to_b), summary(to_b),
                            round(dominant_frequency(to_a)), round(dominant_frequency(to_b))))
        finally:
            call.close()
    ours, theirs = results
    assert theirs[0] == theirs[1] == {"duration": 1000, "result": "ok"}
    assert ours[:2] == theirs[:2]
    # about 50 packets a second; both daemons within two of that
    for r in results:
        assert abs(r[2] - 50) <= 2 and abs(r[4] - 100) <= 3, r
        assert r[6] == r[7] == 1000, r
    assert ours[3] == theirs[3] == {"types": [0], "in order": True, "ssrcs": 1, "marker first": ours[3]["marker first"]}
    assert ours[5]["types"] == theirs[5]["types"] and ours[5]["in order"] and ours[5]["ssrcs"] == 1


def test_stop_media_and_refusals_as_oracle(daemons, tmp_path):
    path = str(tmp_path / "long.wav")
    tone_wav(seconds=5, path=path)
    for daemon in daemons:
        call = Call(daemon, "stop-media")
        try:
            assert call.request("stop media", **{"from-tag": "a"}) == \
                {"result": "error", "error-reason": "Not currently playing media"}
            assert call.request("play media", **{"file": path}) == \
                {"result": "error", "error-reason": "No participant party specified"}
            assert call.request("play media", **{"from-tag": "a"}) == \
                {"result": "error", "error-reason": "No media file specified"}
            assert call.request("play media", **{"from-tag": "a", "file": str(tmp_path / "missing.wav")}) == \
                {"result": "error", "error-reason": "Failed to start media playback from file"}
            assert call.request("play media", **{"from-tag": "a", "blob": "not a media file"}) == \
                {"result": "error", "error-reason": "Failed to start media playback from blob"}
            assert call.request("play media", **{"from-tag": "a", "db-id": 1}) == \
                {"result": "error", "error-reason": "Failed to start media playback from database"}
            assert call.request("play media", **{"from-tag": "a", "file": path})["duration"] == 5000
            time.sleep(0.5)
            stopped = call.request("stop media", **{"from-tag": "a"})
            assert stopped["result"] == "ok"
            if daemon is daemons[0]:  # upstream after 10.5 answers it; 10.5 does not
                assert 15 <= stopped["last-frame-pos"] <= 35, stopped
            time.sleep(0.2)
            drain(call.a.rtp)
            time.sleep(0.3)
            assert drain(call.a.rtp) == []
        finally:
            call.close()


def test_peer_audio_held_back_while_playing(daemons, tmp_path):
    """Ours: b's audio towards a gives way to what plays into a, and comes back after."""
    path = str(tmp_path / "short.wav")
    tone_wav(seconds=0.5, path=path)
    call = Call(daemons[0], "play-over-peer")
    try:
        def b_sends(n, seq):
            for i in range(n):
                call.b.rtp.sendto(struct.pack("!BBHII", 0x80, 0, seq + i, (seq + i) * 160, 0xB0B0B0B0) +
                                  b"\x55" * 160, ("127.0.0.1", call.to_b))
                time.sleep(0.02)

        b_sends(5, 100)
        assert call.request("play media", **{"from-tag": "a", "file": path})["duration"] == 500
        b_sends(20, 105)
        time.sleep(0.3)
        b_sends(5, 125)
        time.sleep(0.2)
        got = drain(call.a.rtp)
        from_b = [struct.unpack("!H", p[2:4])[0] for p in got if p[8:12] == b"\xb0\xb0\xb0\xb0"]
        from_player = [p for p in got if p[8:12] != b"\xb0\xb0\xb0\xb0"]
        assert 23 <= len(from_player) <= 27
        assert from_b[:5] == list(range(100, 105)) and from_b[-5:] == list(range(125, 130))
        assert not any(110 <= s < 122 for s in from_b), from_b
    finally:
        call.close()


def played_into_b(daemon, tmp_path, media):
    """What b gets when a 1 s tone plays into it, both sides having this m= line."""
    path = str(tmp_path / "fmtp.wav")
    tone_wav(path=path)
    call = Call(daemon, "play-fmtp-%d" % time.monotonic_ns(), a=media, b=media)
    try:
        assert call.request("play media", **{"from-tag": "b", "file": path})["duration"] == 1000
        time.sleep(1.3)
        return drain(call.b.rtp)
    finally:
        call.close()


AMR_CASES = [
    # (fmtp, payload size, first bytes): the default mode 6.7 kbit/s (17-byte frame), or
    # the one mode-set allows; octet-aligned: CMR 15 and a TOC byte of its own
    ("octet-align=1", 2 + 17, bytes([0xF0, 0x1C])),
    ("octet-align=1;mode-set=7", 2 + 31, bytes([0xF0, 0x3C])),
    (None, 18, None),  # bandwidth-efficient: 4 + 6 + 134 bits
]


@pytest.mark.parametrize("fmtp,size,head", AMR_CASES, ids=[str(c[0]) for c in AMR_CASES])
def test_play_media_into_amr_as_its_fmtp_says(daemons, tmp_path, fmtp, size, head):
    """The player's encoder is made from the receiver's a=fmtp (framing, mode-set), as the
    transcoding chain's is. Ours only: Debian's 10.5 cannot encode AMR (it answers ok and
    sends nothing)."""
    media = ([96], ["a=rtpmap:96 AMR/8000"] + (["a=fmtp:96 " + fmtp] if fmtp else []))
    got = played_into_b(daemons[0], tmp_path, media)
    assert abs(len(got) - 50) <= 2, len(got)
    assert {len(p) - 12 for p in got} == {size}
    assert {p[1] & 0x7F for p in got} == {96}
    if head:
        assert {p[12:14] for p in got} == {head}


def test_play_media_into_opus_stereo_as_oracle(daemons, tmp_path):
    """A receiver whose fmtp asks for stereo Opus (stereo=1) gets stereo packets (the TOC
    byte's s bit) from both daemons. Without it we send mono (RFC 7587's preference),
    Debian's 10.5 stereo for any opus/48000/2."""
    stereo = ([96], ["a=rtpmap:96 opus/48000/2", "a=fmtp:96 stereo=1"])
    for daemon in daemons:
        got = played_into_b(daemon, tmp_path, stereo)
        assert abs(len(got) - 50) <= 2, len(got)
        assert all(p[12] & 0x04 for p in got), sorted({p[12] for p in got})
    got = played_into_b(daemons[0], tmp_path, ([96], ["a=rtpmap:96 opus/48000/2"]))
    assert got and not any(p[12] & 0x04 for p in got), sorted({p[12] for p in got})
