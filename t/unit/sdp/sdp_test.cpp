#include "sdp/session.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace rtpe::sdp {
namespace {

using namespace std::string_literals;

Session must_parse(std::string_view body) {
    std::string error;
    auto s = parse(body, &error);
    EXPECT_TRUE(s.has_value()) << error << "\n" << body;
    return s ? std::move(*s) : Session{};
}

// Parses, checks the unedited print is the input itself, and hands the session back.
Session round_trip(std::string_view body) {
    Session s = must_parse(body);
    EXPECT_EQ(print(s), body);
    return s;
}

std::string reject(std::string_view body) {
    std::string error;
    auto s = parse(body, &error);
    EXPECT_FALSE(s.has_value()) << body.substr(0, 200);
    EXPECT_FALSE(error.empty());
    return error;
}

// What sipp's built-in uac scenario sends.
const std::string kSipp =
    "v=0\r\n"
    "o=user1 53655765 2353687637 IN IP4 127.0.1.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.1.1\r\n"
    "t=0 0\r\n"
    "m=audio 6000 RTP/AVP 0\r\n"
    "a=rtpmap:0 PCMU/8000\r\n";

const std::string kLinphone =
    "v=0\r\n"
    "o=alice 2890 1234 IN IP4 192.168.1.20\r\n"
    "s=Talk\r\n"
    "c=IN IP4 192.168.1.20\r\n"
    "t=0 0\r\n"
    "a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r\n"
    "m=audio 7078 RTP/AVP 96 97 98 0 8 101 99 100\r\n"
    "a=rtpmap:96 opus/48000/2\r\n"
    "a=fmtp:96 useinbandfec=1\r\n"
    "a=rtpmap:97 speex/16000\r\n"
    "a=fmtp:97 vbr=on\r\n"
    "a=rtpmap:98 speex/8000\r\n"
    "a=rtpmap:101 telephone-event/48000\r\n"
    "a=rtpmap:99 telephone-event/16000\r\n"
    "a=rtpmap:100 telephone-event/8000\r\n"
    "a=rtcp-fb:* trr-int 1000\r\n"
    "m=video 9078 RTP/AVP 96 97\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtpmap:97 H264/90000\r\n"
    "a=fmtp:97 profile-level-id=42801F\r\n"
    "a=rtcp-fb:* nack pli\r\n"
    "a=rtcp-fb:96 ccm fir\r\n";

const std::string kWebrtc =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS stream0\r\n"
    "m=audio 54400 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
    "c=IN IP4 203.0.113.7\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=candidate:1467250027 1 udp 2122260223 192.168.0.196 54400 typ host generation 0\r\n"
    "a=candidate:435653019 1 udp 1845501695 203.0.113.7 54400 typ srflx raddr 192.168.0.196 rport 54400 generation 0\r\n"
    "a=candidate:1853887674 1 tcp 1518280447 192.168.0.196 9 typ host tcptype active generation 0\r\n"
    "a=ice-ufrag:Oyef\r\n"
    "a=ice-pwd:7Pq3X6xDdM2j2rJfL8Bk0rKv\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 49:66:12:17:0D:1C:91:AE:57:4C:C6:36:DD:D5:97:D2:7D:62:C9:9A:7F:B9:A3:F4:70:03:E7:43:91:73:23:5E\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=sendrecv\r\n"
    "a=msid:stream0 audio0\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\n"
    "a=fmtp:63 111/111\r\n"
    "a=rtpmap:126 telephone-event/8000\r\n"
    "a=ssrc:3735928559 cname:Yc3jbnRpkW9cKQ2s\r\n"
    "m=video 54400 UDP/TLS/RTP/SAVPF 96 97\r\n"
    "c=IN IP4 203.0.113.7\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Oyef\r\n"
    "a=ice-pwd:7Pq3X6xDdM2j2rJfL8Bk0rKv\r\n"
    "a=fingerprint:sha-256 49:66:12:17:0D:1C:91:AE:57:4C:C6:36:DD:D5:97:D2:7D:62:C9:9A:7F:B9:A3:F4:70:03:E7:43:91:73:23:5E\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=sendrecv\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=ssrc-group:FID 1111 2222\r\n";

const std::string kPolycom =
    "v=0\r\n"
    "o=- 1169211834 1169211834 IN IP4 10.10.1.77\r\n"
    "s=Polycom IP Phone\r\n"
    "c=IN IP4 10.10.1.77\r\n"
    "t=0 0\r\n"
    "a=sendrecv\r\n"
    "m=audio 2222 RTP/AVP 9 0 8 18 101\r\n"
    "a=rtcp:2223\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:18 G729/8000\r\n"
    "a=fmtp:18 annexb=no\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n";

const std::string kCiscoSrtp =
    "v=0\r\n"
    "o=CiscoSystemsSIP-GW-UserAgent 3125 7290 IN IP4 172.16.0.10\r\n"
    "s=SIP Call\r\n"
    "c=IN IP4 172.16.0.10\r\n"
    "t=0 0\r\n"
    "m=audio 16444 RTP/SAVP 0 101 19\r\n"
    "c=IN IP4 172.16.0.11\r\n"
    "a=rtcp:16445 IN IP4 172.16.0.11\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^31|1:1\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=rtpmap:19 CN/8000\r\n"
    "a=ptime:20\r\n";

const std::string kIpv6 =
    "v=0\r\n"
    "o=bob 2808844564 2808844564 IN IP6 2001:db8::2\r\n"
    "s=\r\n"
    "c=IN IP6 2001:db8::2\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 0 8\r\n"
    "a=rtcp:49171 IN IP6 2001:db8::2\r\n"
    "m=video 0 RTP/AVP 31\r\n";

const std::string kHold =
    "v=0\r\n"
    "o=- 10 11 IN IP4 198.51.100.5\r\n"
    "s=-\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "t=0 0\r\n"
    "m=audio 30000 RTP/AVP 0\r\n"
    "a=sendonly\r\n"
    "m=audio 30002 RTP/AVP 8\r\n"
    "c=IN IP6 ::\r\n"
    "a=inactive\r\n";

const std::string kLfOnly =
    "v=0\n"
    "o=- 1 1 IN IP4 192.0.2.1\n"
    "s=-\n"
    "c=IN IP4 192.0.2.1\n"
    "t=0 0\n"
    "m=audio 4000 RTP/AVP 0 101\n"
    "a=rtpmap:101 telephone-event/8000\n"
    "a=recvonly\n";

const std::string kNoFinalEnding =
    "v=0\r\n"
    "o=- 1 1 IN IP4 192.0.2.1\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.1\r\n"
    "t=0 0\r\n"
    "m=audio 4000 RTP/AVP 0\r\n"
    "a=ptime:20";

const std::string kRejected =
    "v=0\r\n"
    "o=- 5 6 IN IP4 192.0.2.9\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.9\r\n"
    "t=0 0\r\n"
    "m=audio 5004 RTP/AVP 0\r\n"
    "m=video 0 RTP/AVP 96\r\n"
    "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n";

const std::string kT38 =
    "v=0\r\n"
    "o=fax 100 101 IN IP4 192.0.2.30\r\n"
    "s=T.38\r\n"
    "c=IN IP4 192.0.2.30\r\n"
    "t=0 0\r\n"
    "m=image 4402 udptl t38\r\n"
    "a=T38FaxVersion:0\r\n"
    "a=T38MaxBitRate:14400\r\n"
    "a=T38FaxRateManagement:transferredTCF\r\n"
    "a=T38FaxMaxBuffer:262\r\n"
    "a=T38FaxMaxDatagram:176\r\n"
    "a=T38FaxUdpEC:t38UDPRedundancy\r\n";

TEST(SdpRoundTrip, Sipp) {
    Session s = round_trip(kSipp);
    EXPECT_EQ(s.line_endings(), LineEndings::crlf);
    EXPECT_TRUE(s.ends_with_line_ending());
    EXPECT_EQ(s.origin(), (Origin{"user1", "53655765", "2353687637", "IN", "IP4", "127.0.1.1"}));
    ASSERT_EQ(s.media().size(), 1u);
    const auto m = s.media()[0].media();
    EXPECT_EQ(m.media, "audio");
    EXPECT_EQ(m.port, 6000);
    EXPECT_FALSE(m.port_count);
    EXPECT_EQ(m.proto, "RTP/AVP");
    EXPECT_EQ(m.formats, std::vector<std::string>{"0"});
    EXPECT_EQ(s.session().connection()->address, "127.0.1.1");
    EXPECT_FALSE(s.media()[0].connection());
    EXPECT_EQ(s.connection(0)->address, "127.0.1.1");
    EXPECT_EQ(s.direction(0), Direction::sendrecv);
    EXPECT_EQ(s.media()[0].rtpmap("0"), (Rtpmap{"0", "PCMU", 8000, std::nullopt}));
}

TEST(SdpRoundTrip, LinphoneAudioVideo) {
    Session s = round_trip(kLinphone);
    ASSERT_EQ(s.media().size(), 2u);
    EXPECT_EQ(s.media()[0].media().formats.size(), 8u);
    EXPECT_EQ(s.media()[1].media().media, "video");
    EXPECT_EQ(s.media()[1].port(), 9078);
    EXPECT_EQ(s.media()[0].rtpmap("96"), (Rtpmap{"96", "opus", 48000, "2"}));
    EXPECT_EQ(s.media()[0].fmtp("97"), (Fmtp{"97", "vbr=on"}));
    EXPECT_EQ(s.media()[1].fmtp("97"), (Fmtp{"97", "profile-level-id=42801F"}));
    EXPECT_FALSE(s.media()[1].fmtp("96"));
    EXPECT_EQ(s.media()[1].attributes("rtcp-fb").size(), 2u);
    EXPECT_TRUE(s.session().has_attribute("rtcp-xr"));
    EXPECT_FALSE(s.media()[0].has_attribute("rtcp-xr"));
}

TEST(SdpRoundTrip, WebrtcBundle) {
    Session s = round_trip(kWebrtc);
    EXPECT_EQ(s.session().attribute("group"), (Attribute{"group", "BUNDLE 0 1"}));
    EXPECT_EQ(s.session().attribute("extmap-allow-mixed"), (Attribute{"extmap-allow-mixed", std::nullopt}));
    EXPECT_FALSE(s.session().connection());
    const auto& audio = s.media()[0];
    EXPECT_EQ(audio.media().proto, "UDP/TLS/RTP/SAVPF");
    EXPECT_EQ(audio.attributes("candidate").size(), 3u);
    EXPECT_TRUE(audio.has_attribute("rtcp-mux"));
    EXPECT_FALSE(audio.has_attribute("rtcp-mu"));
    EXPECT_EQ(audio.rtcp(), (Rtcp{9, "IN", "IP4", "0.0.0.0"}));
    EXPECT_EQ(audio.direction(), Direction::sendrecv);
    EXPECT_EQ(audio.attribute("fingerprint")->value->substr(0, 8), "sha-256 ");
    EXPECT_EQ(audio.rtpmap("63"), (Rtpmap{"63", "red", 48000, "2"}));
    EXPECT_EQ(s.media()[1].fmtp("97"), (Fmtp{"97", "apt=96"}));
}

TEST(SdpRoundTrip, PolycomRtcpPort) {
    Session s = round_trip(kPolycom);
    EXPECT_EQ(s.media()[0].rtcp(), (Rtcp{2223, "", "", ""}));
    EXPECT_EQ(s.session().direction(), Direction::sendrecv);
    EXPECT_FALSE(s.media()[0].direction());
    EXPECT_EQ(s.media()[0].rtpmap("18"), (Rtpmap{"18", "G729", 8000, std::nullopt}));
}

TEST(SdpRoundTrip, CiscoSrtpMediaConnection) {
    Session s = round_trip(kCiscoSrtp);
    EXPECT_EQ(s.media()[0].media().proto, "RTP/SAVP");
    EXPECT_EQ(s.connection(0)->address, "172.16.0.11");
    EXPECT_EQ(s.media()[0].rtcp(), (Rtcp{16445, "IN", "IP4", "172.16.0.11"}));
    EXPECT_EQ(s.media()[0].attribute("crypto")->value->substr(0, 2), "1 ");
}

TEST(SdpRoundTrip, Ipv6) {
    Session s = round_trip(kIpv6);
    EXPECT_EQ(s.origin().addr_type, "IP6");
    const auto c = s.connection(0);
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->is_ip6());
    EXPECT_EQ(c->address, "2001:db8::2");
    EXPECT_FALSE(c->is_hold());
    EXPECT_TRUE(s.media()[1].is_rejected());
    EXPECT_EQ(s.media()[0].rtcp(), (Rtcp{49171, "IN", "IP6", "2001:db8::2"}));
}

TEST(SdpRoundTrip, Hold) {
    Session s = round_trip(kHold);
    EXPECT_TRUE(s.connection(0)->is_hold());
    EXPECT_EQ(s.direction(0), Direction::sendonly);
    EXPECT_TRUE(s.connection(1)->is_hold());
    EXPECT_TRUE(s.connection(1)->is_ip6());
    EXPECT_EQ(s.direction(1), Direction::inactive);
}

TEST(SdpRoundTrip, LfOnly) {
    Session s = round_trip(kLfOnly);
    EXPECT_EQ(s.line_endings(), LineEndings::lf);
    EXPECT_EQ(s.media()[0].direction(), Direction::recvonly);
    EXPECT_EQ(s.media()[0].lines().back().ending, LineEnding::lf);
}

TEST(SdpRoundTrip, MissingFinalLineEnding) {
    Session s = round_trip(kNoFinalEnding);
    EXPECT_FALSE(s.ends_with_line_ending());
    EXPECT_EQ(s.media()[0].attribute("ptime"), (Attribute{"ptime", "20"}));
}

TEST(SdpRoundTrip, RejectedStreams) {
    Session s = round_trip(kRejected);
    ASSERT_EQ(s.media().size(), 3u);
    EXPECT_FALSE(s.media()[0].is_rejected());
    EXPECT_TRUE(s.media()[1].is_rejected());
    EXPECT_EQ(s.media()[2].media().media, "application");
    EXPECT_EQ(s.media()[2].media().formats, std::vector<std::string>{"webrtc-datachannel"});
}

TEST(SdpRoundTrip, T38Udptl) {
    Session s = round_trip(kT38);
    const auto m = s.media()[0].media();
    EXPECT_EQ(m.media, "image");
    EXPECT_EQ(m.proto, "udptl");
    EXPECT_EQ(m.formats, std::vector<std::string>{"t38"});
    EXPECT_EQ(s.media()[0].attribute("T38FaxMaxBuffer")->value, "262");
}

TEST(SdpRoundTrip, OddButValid) {
    // Mixed endings, trailing blank line, trailing space on m=, unknown line types, multicast
    // c= with ttl, port count, a TCP proto and an attribute with an empty value.
    const std::string body =
        "v=0\r\n"
        "o=- 1 1 IN IP4 192.0.2.1\n"
        "s=-\r\n"
        "i=some info\r\n"
        "u=http://example.com/\r\n"
        "e=j.doe@example.com\r\n"
        "c=IN IP4 233.252.0.1/127/3\r\n"
        "b=AS:64\r\n"
        "t=0 0\r\n"
        "r=604800 3600 0 90000\r\n"
        "z=2882844526 -1h\r\n"
        "X=vendor thing\r\n"
        "m=audio 49170/2 RTP/AVP 0 \r\n"
        "m=message 9 TCP/MSRP *\r\n"
        "a=path:msrp://192.0.2.1:9/abc;tcp\r\n"
        "a=empty:\r\n"
        "\r\n";
    Session s = round_trip(body);
    EXPECT_EQ(s.line_endings(), LineEndings::mixed);
    const auto c = s.session().connection();
    EXPECT_EQ(c->address, "233.252.0.1");
    EXPECT_EQ(c->suffix, "/127/3");
    EXPECT_EQ(s.media()[0].media().port_count, 2);
    EXPECT_EQ(s.media()[0].media().formats, std::vector<std::string>{"0"});
    EXPECT_EQ(s.media()[1].media().proto, "TCP/MSRP");
    EXPECT_EQ(s.media()[1].attribute("empty"), (Attribute{"empty", ""}));
    EXPECT_EQ(s.session().find_line('X')->value, "vendor thing");
}

TEST(SdpRoundTrip, ReprintParsesToSameModel) {
    for (const auto* body : {&kSipp, &kLinphone, &kWebrtc, &kPolycom, &kCiscoSrtp, &kIpv6, &kHold, &kLfOnly,
                             &kNoFinalEnding, &kRejected, &kT38}) {
        const Session s = must_parse(*body);
        EXPECT_EQ(must_parse(print(s)), s);
    }
}

TEST(SdpEdit, PortAndConnection) {
    Session s = must_parse(kSipp);
    s.media()[0].set_port(30000);
    s.session().set_connection(Connection{"IN", "IP4", "203.0.113.1", ""});
    s.set_origin_address("IP4", "203.0.113.1");
    EXPECT_EQ(print(s),
              "v=0\r\n"
              "o=user1 53655765 2353687637 IN IP4 203.0.113.1\r\n"
              "s=-\r\n"
              "c=IN IP4 203.0.113.1\r\n"
              "t=0 0\r\n"
              "m=audio 30000 RTP/AVP 0\r\n"
              "a=rtpmap:0 PCMU/8000\r\n");
}

TEST(SdpEdit, PortKeepsCountAndSpacing) {
    Session s = must_parse("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.1\r\nm=audio 49170/2 RTP/AVP 0 \r\n");
    s.media()[0].set_port(5);
    s.media()[0].set_proto("RTP/SAVP");
    EXPECT_EQ(s.media()[0].lines()[0].value, "audio 5/2 RTP/SAVP 0 ");
    EXPECT_EQ(s.media()[0].media().port_count, 2);
}

TEST(SdpEdit, AddMediaConnectionInOrder) {
    Session s = must_parse(kLinphone);
    s.media()[1].set_connection(Connection{"IN", "IP6", "2001:db8::9", ""});
    // After m=, before the first a=.
    EXPECT_EQ(s.media()[1].lines()[1], (Line{'c', "IN IP6 2001:db8::9", LineEnding::crlf}));
    EXPECT_EQ(s.connection(1)->address, "2001:db8::9");
    EXPECT_EQ(s.connection(0)->address, "192.168.1.20");

    Session w = must_parse(kWebrtc);
    w.session().set_connection(Connection{"IN", "IP4", "198.51.100.1", ""});
    // Before t=, which is the first line type ordered after c=.
    EXPECT_EQ(w.session().lines()[3].type, 'c');
    EXPECT_EQ(w.session().lines()[4].type, 't');
    EXPECT_TRUE(must_parse(print(w)).session().connection());
}

TEST(SdpEdit, RemoveConnection) {
    Session s = must_parse(kCiscoSrtp);
    EXPECT_TRUE(s.media()[0].remove_connection());
    EXPECT_FALSE(s.media()[0].remove_connection());
    EXPECT_EQ(s.connection(0)->address, "172.16.0.10");
}

TEST(SdpEdit, Attributes) {
    Session s = must_parse(kWebrtc);
    auto& audio = s.media()[0];
    const std::size_t count = audio.lines().size();
    std::size_t setup = 0;
    while (setup < count && audio.lines()[setup].value != "setup:actpass")
        ++setup;
    ASSERT_LT(setup, count);
    // Replaced in place.
    audio.set_attribute("setup", "active");
    EXPECT_EQ(audio.lines()[setup].value, "setup:active");
    EXPECT_EQ(audio.lines().size(), count);
    // Appended at the end.
    audio.set_attribute("ptime", "20");
    EXPECT_EQ(audio.lines().back(), (Line{'a', "ptime:20", LineEnding::crlf}));
    audio.add_attribute("candidate", "1 1 udp 1 203.0.113.9 4000 typ host");
    EXPECT_EQ(audio.attributes("candidate").size(), 4u);
    EXPECT_EQ(audio.remove_attributes("candidate"), 4u);
    EXPECT_FALSE(audio.has_attribute("candidate"));
    EXPECT_EQ(audio.remove_attributes("nothing"), 0u);
    // Replacing one of several keeps only the first position.
    audio.add_attribute("ice-options", "renomination");
    audio.set_attribute("ice-options", "trickle renomination");
    EXPECT_EQ(audio.attributes("ice-options"), (std::vector<Attribute>{{"ice-options", "trickle renomination"}}));
    audio.set_attribute("rtcp-mux");
    EXPECT_EQ(audio.attribute("rtcp-mux"), (Attribute{"rtcp-mux", std::nullopt}));
    // The other section is untouched.
    EXPECT_EQ(s.media()[1].attributes("candidate").size(), 0u);
    EXPECT_EQ(must_parse(print(s)), s);
}

TEST(SdpEdit, Direction) {
    Session s = must_parse(kHold);
    s.media()[0].set_direction(Direction::sendrecv);
    EXPECT_EQ(s.media()[0].lines()[1].value, "sendrecv");
    s.media()[1].add_attribute("sendonly");
    s.media()[1].set_direction(Direction::recvonly);
    EXPECT_EQ(s.media()[1].attributes().size(), 1u);
    EXPECT_EQ(s.direction(1), Direction::recvonly);
    s.session().set_direction(Direction::inactive);
    EXPECT_EQ(s.session().lines().back().value, "inactive");
    Session plain = must_parse(kSipp);
    plain.media()[0].set_direction(Direction::sendonly);
    EXPECT_EQ(plain.media()[0].lines().back().value, "sendonly");
}

TEST(SdpEdit, Rtcp) {
    Session s = must_parse(kPolycom);
    s.media()[0].set_rtcp(Rtcp{40001, "IN", "IP4", "203.0.113.1"});
    EXPECT_EQ(s.media()[0].lines()[1].value, "rtcp:40001 IN IP4 203.0.113.1");
    Session t = must_parse(kSipp);
    t.media()[0].set_rtcp(Rtcp{6001, "", "", ""});
    EXPECT_EQ(t.media()[0].lines().back().value, "rtcp:6001");
    EXPECT_EQ(t.media()[0].rtcp()->port, 6001);
}

TEST(SdpEdit, NewLinesFollowBodyEndings) {
    Session lf = must_parse(kLfOnly);
    lf.media()[0].set_attribute("ptime", "20");
    EXPECT_EQ(print(lf), kLfOnly + "a=ptime:20\n");

    // The body still ends without a line ending; the old last line gets one.
    Session bare = must_parse(kNoFinalEnding);
    bare.media()[0].set_attribute("sendonly");
    EXPECT_EQ(print(bare), kNoFinalEnding + "\r\na=sendonly");
}

TEST(SdpFields, FormatParsesBack) {
    const Origin o{"-", "1", "2", "IN", "IP6", "2001:db8::1"};
    EXPECT_EQ(format_origin(o), "- 1 2 IN IP6 2001:db8::1");
    EXPECT_EQ(parse_origin(format_origin(o)), o);
    const Connection c{"IN", "IP4", "233.252.0.1", "/127/2"};
    EXPECT_EQ(parse_connection(format_connection(c)), c);
    const MediaDescription m{"audio", 4000, 2, "RTP/AVP", {"0", "8"}};
    EXPECT_EQ(format_media(m), "audio 4000/2 RTP/AVP 0 8");
    EXPECT_EQ(parse_media(format_media(m)), m);
    for (const Rtcp& r : {Rtcp{9, "", "", ""}, Rtcp{9, "IN", "IP4", "0.0.0.0"}})
        EXPECT_EQ(parse_rtcp(format_rtcp(r)), r);
    for (auto d : {Direction::sendrecv, Direction::sendonly, Direction::recvonly, Direction::inactive})
        EXPECT_EQ(parse_direction(direction_name(d)), d);
    EXPECT_EQ(format_attribute("a", std::nullopt), "a");
    EXPECT_EQ(format_attribute("a", ""), "a:");
}

TEST(SdpFields, RejectsMalformed) {
    EXPECT_FALSE(parse_rtcp("abc"));
    EXPECT_FALSE(parse_rtcp("9 IN IP4"));
    EXPECT_FALSE(parse_rtcp("65536"));
    EXPECT_FALSE(parse_rtpmap("0 PCMU"));
    EXPECT_FALSE(parse_rtpmap("0 /8000"));
    EXPECT_FALSE(parse_rtpmap("0 PCMU/x"));
    EXPECT_FALSE(parse_rtpmap("0 opus/48000/"));
    EXPECT_FALSE(parse_fmtp(""));
    EXPECT_FALSE(parse_fmtp(" x"));
    EXPECT_EQ(parse_fmtp("101 0-15"), (Fmtp{"101", "0-15"}));
    EXPECT_FALSE(parse_direction("sendrecv:x"));
}

TEST(SdpParse, Limits) {
    std::string body = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.1\r\n";
    for (std::size_t i = 0; i < kMaxMediaSections; ++i)
        body += "m=audio 0 X\n";
    must_parse(body);
    body += "m=audio 0 X\n";
    EXPECT_EQ(reject(body), "line " + std::to_string(kMaxMediaSections + 4) + ": too many media sections (limit 1000)");
}

TEST(SdpParse, Malformed) {
    const std::string head = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n";
    EXPECT_EQ(reject(""), "empty body");
    EXPECT_EQ(reject("v"), "line 1: expected <type>=<value>");
    EXPECT_EQ(reject("v=0\r\no"), "line 2: expected <type>=<value>");
    EXPECT_EQ(reject("v=0\r\no=- 1 1 IN IP4"), "line 2: invalid o= line (expected 6 fields)");
    EXPECT_EQ(reject("s=-\r\nv=0\r\n"), "missing v= line");
    EXPECT_EQ(reject("v=0\r\ns=-\r\n"), "missing o= line");
    EXPECT_EQ(reject("v=0\r\no=a 1 1 IN IP4 x\r\no=b 1 1 IN IP4 x\r\n"), "line 3: duplicate o= line");
    EXPECT_EQ(reject(head + "m=audio abc RTP/AVP 0\r\n"), "line 6: invalid port in m= line");
    EXPECT_EQ(reject(head + "m=audio 70000 RTP/AVP 0\r\n"), "line 6: invalid port in m= line");
    EXPECT_EQ(reject(head + "m=audio -1 RTP/AVP 0\r\n"), "line 6: invalid port in m= line");
    EXPECT_EQ(reject(head + "m=audio 1/0 RTP/AVP 0\r\n"), "line 6: invalid port count in m= line");
    EXPECT_EQ(reject(head + "m=audio 1/99999999999 RTP/AVP 0\r\n"), "line 6: invalid port count in m= line");
    EXPECT_EQ(reject(head + "m=audio 1000 RTP/AVP\r\n"), "line 6: invalid m= line (no formats)");
    EXPECT_EQ(reject(head + "m=audio 1000\r\n"), "line 6: invalid m= line (expected <media> <port> <proto> <fmt> ...)");
    EXPECT_EQ(reject(head + "m=\r\n"), "line 6: invalid m= line (expected <media> <port> <proto> <fmt> ...)");
    EXPECT_EQ(reject("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 1000 RTP/AVP 0\r\n"),
              "line 5: missing c= line for this media section and the session");
    EXPECT_EQ(reject("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nc=IN IP4\r\n"),
              "line 3: invalid c= line (expected <nettype> <addrtype> <address>)");
    EXPECT_EQ(reject("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nc=IN IP4 /5\r\n"), "line 3: invalid c= line (empty address)");
    EXPECT_EQ(reject("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nc=IN IP6 ff15::1/3/4\r\n"), "line 3: invalid ttl or count in c= line");
    EXPECT_EQ(reject(head + "c=IN IP4 192.0.2.2\r\n"), "line 6: duplicate c= line");
    EXPECT_EQ(reject(head + "\r\na=x\r\n"), "line 6: empty line");
    EXPECT_EQ(reject(head + "a=x\ry\r\n"), "line 6: NUL or CR inside a line");
    EXPECT_EQ(reject(head + "a=x\0y\r\n"s), "line 6: NUL or CR inside a line");
    EXPECT_EQ(reject(head + "a=x\r"), "line 6: NUL or CR inside a line");
    EXPECT_EQ(reject(head + "=x\r\n"), "line 6: expected <type>=<value>");
    EXPECT_EQ(reject(head + "ab=x\r\n"), "line 6: expected <type>=<value>");
    EXPECT_EQ(reject("\r\n"), "line 1: empty line");
}

TEST(SdpParse, HostileInput) {
    std::string garbage;
    for (int i = 0; i < 4096; ++i)
        garbage += static_cast<char>((i * 7919 + 13) & 0xff);
    reject(garbage);
    reject("v=0\r\n" + garbage);

    std::string many;
    for (int i = 0; i < 100000; ++i)
        many += "a=x\r\n";
    EXPECT_EQ(reject("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n" + many), "body too large (500031 bytes, limit 65536)");

    const std::string head = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.1\r\n";
    EXPECT_EQ(reject(head + "a=" + std::string(kMaxLineLength, 'x') + "\r\n"), "line 4: line too long (limit 8192 bytes)");
    EXPECT_EQ(reject(head + "a=" + std::string(1 << 20, 'x')), "body too large (1048629 bytes, limit 65536)");
    must_parse(head + "a=" + std::string(kMaxLineLength - 2, 'x') + "\r\n");

    std::string spaces = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.1\r\nm=audio 1 RTP/AVP";
    spaces += std::string(kMaxLineLength - spaces.size() + 40, ' ');
    reject(spaces);
    reject(std::string(kMaxBodySize, '\n'));
    reject(std::string(kMaxBodySize, 'v'));
}

}  // namespace
}  // namespace rtpe::sdp
