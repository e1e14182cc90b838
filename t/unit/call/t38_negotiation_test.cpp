#include "daemon/call/t38_negotiation.hpp"

#include <gtest/gtest.h>

#include <string>

#include "sdp/session.hpp"

namespace rtpe::call {
namespace {

sdp::MediaSection section(const std::string& media_lines) {
    const std::string body = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" + media_lines;
    auto session = sdp::parse(body);
    EXPECT_TRUE(session);
    return session->media().front();
}

}  // namespace

TEST(T38Negotiation, ReadsAnImageSection) {
    const auto s = section(
        "m=image 4000 udptl t38\r\na=T38FaxVersion:2\r\na=T38MaxBitRate:9600\r\na=T38FaxRateManagement:localTCF\r\n"
        "a=T38FaxMaxBuffer:200\r\na=T38FaxMaxDatagram:176\r\na=T38FaxMaxIFP:100\r\na=T38FaxUdpEC:t38UDPFEC\r\n"
        "a=T38FaxFillBitRemoval\r\na=T38FaxTranscodingMMR:1\r\na=T38FaxTranscodingJBIG:0\r\n");
    EXPECT_TRUE(is_t38(s.media()));
    const T38Sdp t = t38_sdp_of(s);
    EXPECT_EQ(t.version, 2);
    EXPECT_EQ(t.max_bit_rate, 9600);
    EXPECT_TRUE(t.local_tcf);
    EXPECT_EQ(t.max_buffer, 200);
    EXPECT_EQ(t.max_datagram, 176);
    EXPECT_EQ(t.max_ifp, 100);
    EXPECT_EQ(t.recovery, t38::ErrorRecovery::fec);
    EXPECT_FALSE(t.no_error_recovery);
    EXPECT_TRUE(t.fill_bit_removal);
    EXPECT_TRUE(t.transcoding_mmr);
    EXPECT_FALSE(t.transcoding_jbig);
}

TEST(T38Negotiation, NonsenseValuesFallBackToDefaults) {
    const T38Sdp t = t38_sdp_of(section("m=image 4000 UDPTL t38\r\na=T38FaxVersion:77\r\na=T38FaxMaxDatagram:-5\r\n"
                                        "a=T38FaxMaxIFP:x\r\na=T38MaxBitRate\r\na=T38FaxUdpEC:t38UDPNoEC\r\n"));
    EXPECT_EQ(t.version, 3);         // clamped to T.38's last version
    EXPECT_EQ(t.max_datagram, 32);   // room for an IFP at least
    EXPECT_FALSE(t.max_ifp);
    EXPECT_EQ(t.max_bit_rate, 14400);
    EXPECT_TRUE(t.no_error_recovery);
    EXPECT_FALSE(is_t38(section("m=image 4000 udptl jpeg\r\n").media()));
    EXPECT_FALSE(is_t38(section("m=audio 4000 RTP/AVP 0\r\n").media()));
}

TEST(T38Negotiation, OursAsUpstreamWritesThem) {
    T38Request fec;
    fec.fec = true;
    const auto offer = t38_attributes(our_t38_offer(fec));
    ASSERT_EQ(offer.size(), 6u);
    EXPECT_EQ(offer[0].first, "T38FaxVersion");
    EXPECT_EQ(offer[0].second, "0");
    EXPECT_EQ(offer[3].second, "1800");
    EXPECT_EQ(offer[4].second, "512");
    EXPECT_EQ(offer[5].second, "t38UDPFEC");
    T38Sdp offered;
    offered.version = 1;
    offered.no_error_recovery = true;
    offered.max_datagram = 100;
    offered.fill_bit_removal = true;
    const T38Sdp answer = our_t38_answer(offered);
    EXPECT_EQ(answer.version, 1);  // echoed, as the error recovery
    EXPECT_TRUE(answer.no_error_recovery);
    EXPECT_EQ(answer.max_datagram, 512);  // ours
    EXPECT_FALSE(answer.fill_bit_removal);
}

TEST(T38Negotiation, DecodeOffersG711UnlessTranscodeSaysOtherwise) {
    const auto g711 = t38_decode_codecs({});
    ASSERT_EQ(g711.size(), 2u);
    EXPECT_EQ(g711[0].payload_type, "0");
    EXPECT_EQ(g711[1].name, "PCMA");
    CodecRequest g722;
    g722.transcode = {"G722"};
    const auto out = t38_decode_codecs(g722);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].payload_type, "9");
}

TEST(T38Negotiation, GatewaySettingsFromTheSdpAndTheFlags) {
    T38Sdp peer;
    peer.max_datagram = 176;
    peer.fill_bit_removal = peer.transcoding_mmr = peer.transcoding_jbig = true;
    peer.recovery = t38::ErrorRecovery::fec;
    peer.version = 2;
    T38Request none;
    auto s = t38_bridge_settings(peer, peer, none);
    EXPECT_EQ(s.max_datagram, 176u);
    EXPECT_EQ(s.gateway.max_ifp, 168);  // what fits the endpoint's datagrams
    EXPECT_EQ(s.gateway.version, 2);
    EXPECT_TRUE(s.gateway.fill_bit_removal && s.gateway.transcoding_mmr && s.gateway.transcoding_jbig);
    EXPECT_EQ(s.udptl_out.recovery, t38::ErrorRecovery::fec);
    EXPECT_EQ(s.udptl_in.t38_version, 2);

    T38Request flags;
    flags.no_fill_bit_removal = flags.no_transcoding_mmr = flags.no_transcoding_jbig = true;
    flags.local_max_datagram = true;
    flags.no_ecm = flags.no_v17 = true;
    peer.max_ifp = 100;
    s = t38_bridge_settings(peer, peer, flags);
    EXPECT_EQ(s.max_datagram, 512u);  // ours bounds the datagrams
    EXPECT_EQ(s.gateway.max_ifp, 100);
    EXPECT_FALSE(s.gateway.fill_bit_removal || s.gateway.transcoding_mmr || s.gateway.transcoding_jbig);
    EXPECT_TRUE(s.gateway.no_ecm && s.gateway.no_v17);

    peer.no_error_recovery = true;
    EXPECT_EQ(t38_bridge_settings(peer, peer, none).udptl_out.redundancy_depth, 0u);
    T38Request fec_and_redundancy;
    fec_and_redundancy.fec = fec_and_redundancy.redundancy = true;
    EXPECT_EQ(our_t38_offer(fec_and_redundancy).recovery, t38::ErrorRecovery::redundancy);
}

}  // namespace rtpe::call
