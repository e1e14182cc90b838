"""What a WebRTC-style SDP (BUNDLE group, a=mid, a=extmap, a=rtcp-fb, rtcp-mux, audio and
video) becomes, against Debian's rtpengine 10.5 as the oracle: as it is, bridged to RTP/AVP,
with the generate-mid flag (on an SDP without a=mid) and with strip-extmap."""

import re

import pytest

from rtpe_testlib import decoded

SDP = ("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\na=extmap-allow-mixed\r\n"
       "a=msid-semantic: WMS x\r\n"
       "m=audio 6000 RTP/AVPF 111 0\r\nc=IN IP4 127.0.0.1\r\na=mid:0\r\n"
       "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
       "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
       "a=sendrecv\r\na=msid:x a\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\n"
       "a=fmtp:111 minptime=10\r\na=rtpmap:0 PCMU/8000\r\na=ssrc:11 cname:c\r\n"
       "m=video 6002 RTP/AVPF 96\r\nc=IN IP4 127.0.0.1\r\na=mid:1\r\n"
       "a=extmap:3 urn:ietf:params:rtp-hdrext:toffset\r\na=sendrecv\r\na=rtcp-mux\r\na=rtcp-rsize\r\n"
       "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm fir\r\n"
       "a=rtcp-fb:* goog-remb\r\n")
WITHOUT_MID = SDP.replace("a=mid:0\r\n", "").replace("a=mid:1\r\n", "").replace("a=group:BUNDLE 0 1\r\n", "")

CASES = {
    "as-it-is": (SDP, {}),
    "to-rtp-avp": (SDP, {"transport-protocol": "RTP/AVP"}),
    "generate-mid": (WITHOUT_MID, {"flags": ["generate mid"]}),
    "strip-extmap": (SDP, {"flags": ["strip extmap"]}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_offer_matches_oracle(daemons, case):
    sdp, keys = CASES[case]
    seen = []
    for d in daemons:
        req = {"command": "offer", "call-id": "webrtc-sdp-" + case, "from-tag": "ft", "sdp": sdp}
        req.update(keys)
        r = decoded(d.ng.request(req))
        d.ng.request({"command": "delete", "call-id": "webrtc-sdp-" + case})
        seen.append(re.sub(r"\b\d{5}\b", "PORT", r["sdp"]).split("\r\n"))
    assert seen[0] == seen[1]
