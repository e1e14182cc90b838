#include "daemon/call/transcoding.hpp"

#include <gtest/gtest.h>

#include <string>

#include "daemon/call/sdp_codecs.hpp"
#include "sdp/session.hpp"

namespace rtpe::call {
namespace {

std::vector<SdpCodec> codecs(const std::string& media_lines) {
    const std::string body = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" + media_lines;
    auto session = sdp::parse(body);
    EXPECT_TRUE(session);
    return sdp_codecs(session->media().front());
}

}  // namespace

TEST(SdpCodecs, RtpmapFmtpAndStaticTypes) {
    auto c = codecs("m=audio 4000 RTP/AVP 96 0 101\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\n"
                    "a=rtpmap:101 telephone-event/8000\r\n");
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[0].name, "opus");
    EXPECT_EQ(c[0].clock_rate, 48000);
    EXPECT_EQ(c[0].channels, 2);
    EXPECT_EQ(c[0].format_parameters(), "useinbandfec=1");
    EXPECT_EQ(c[1].name, "PCMU");  // static, without a=rtpmap
    EXPECT_EQ(c[1].clock_rate, 8000);
    EXPECT_FALSE(c[1].rtpmap);
    EXPECT_EQ(c[2].name, "telephone-event");
    EXPECT_TRUE(codecs("m=image 4000 udptl t38\r\n").empty());
}

TEST(Transcoding, OnlyWhenTheAnswerSharesNoFormat) {
    const auto offer = codecs("m=audio 4000 RTP/AVP 0 8\r\n");
    EXPECT_FALSE(transcoding_for(offer, {}, codecs("m=audio 5000 RTP/AVP 8\r\n")));
    auto t = transcoding_for(offer, {}, codecs("m=audio 5000 RTP/AVP 101 9\r\na=rtpmap:101 telephone-event/8000\r\n"));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->offerer.payload_type, "0");   // the offerer's first
    EXPECT_EQ(t->answerer.payload_type, "9");  // telephone-event is no codec to transcode to
}

TEST(Transcoding, NotWithoutACodecEitherSideCanUse) {
    EXPECT_FALSE(transcoding_for(codecs("m=audio 4000 RTP/AVP 0\r\n"), {},
                                 codecs("m=audio 5000 RTP/AVP 96\r\na=rtpmap:96 NOSUCHCODEC/8000\r\n")));
    EXPECT_FALSE(transcoding_for(codecs("m=audio 4000 RTP/AVP 101\r\na=rtpmap:101 telephone-event/8000\r\n"), {},
                                 codecs("m=audio 5000 RTP/AVP 0\r\n")));
}

TEST(Transcoding, ChainsBothWays) {
    auto t = transcoding_for(codecs("m=audio 4000 RTP/AVP 0\r\n"), {}, codecs("m=audio 5000 RTP/AVP 9\r\n"));
    ASSERT_TRUE(t);
    auto forth = make_chain(t->offerer, t->answerer);
    auto back = make_chain(t->answerer, t->offerer);
    ASSERT_TRUE(forth && back);
    EXPECT_EQ(forth->input_type, 0);
    EXPECT_EQ(forth->output_type, 9);
    EXPECT_TRUE(forth->resampler);  // 8 kHz PCMU to 16 kHz G.722 audio
    EXPECT_EQ(back->input_type, 9);
    EXPECT_EQ(back->output_type, 0);
}

namespace {

// The chain from the first codec of `from` to PCMU, its clock engaged with --dtx-delay,
// --dtx-cn-params and --amr-dtx as given.
media::Transcoder::Chain clocked_chain(const std::string& from, bool amr_dtx_cn) {
    const auto sender = codecs(from);
    const auto receiver = codecs("m=audio 5000 RTP/AVP 0\r\n");
    auto chain = make_chain(sender.front(), receiver.front());
    EXPECT_TRUE(chain);
    ChainOptions options;
    options.playout.dtx_delay_ms = 60;
    options.dtx_cn_params = {30};
    options.amr_dtx_cn = amr_dtx_cn;
    engage_clock(*chain, options, receiver, sender, 0);
    return std::move(*chain);
}

}  // namespace

TEST(EngageClock, ComfortNoiseIsResampledToWhatTheChainDecodes) {
    const auto narrow = clocked_chain("m=audio 4000 RTP/AVP 8\r\n", false);
    EXPECT_TRUE(narrow.noise);
    EXPECT_FALSE(narrow.noise_resampler);  // 8 kHz mono as the CN decoder's
    const auto wide = clocked_chain("m=audio 4000 RTP/AVP 9\r\n", false);  // G.722: 16 kHz
    ASSERT_TRUE(wide.noise && wide.noise_resampler);
    EXPECT_EQ(wide.noise_resampler->output_format(), wide.decoder->output_format());
    EXPECT_FALSE(wide.native_dtx);
    // Opus towards PCMU decodes at 8 kHz (the chain asks for its receiver's rate).
    const auto opus = clocked_chain("m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n", false);
    EXPECT_TRUE(opus.noise);
    EXPECT_FALSE(opus.noise_resampler);
    EXPECT_FALSE(opus.resampler);
}

TEST(EngageClock, AmrDtxNativeLeavesGapsToTheDecoder) {
    const char* amr = "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 AMR/8000\r\n";
    const auto native = clocked_chain(amr, false);
    EXPECT_TRUE(native.native_dtx);
    EXPECT_FALSE(native.noise);
    EXPECT_TRUE(native.playout.fills_gaps());
    const auto cn = clocked_chain(amr, true);
    EXPECT_FALSE(cn.native_dtx);
    EXPECT_TRUE(cn.noise);
    EXPECT_TRUE(cn.playout.fills_gaps());
    // AMR-WB's decoder has no DTX of its own: comfort noise as for other codecs.
    const auto wb = clocked_chain("m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 AMR-WB/16000\r\n", false);
    EXPECT_FALSE(wb.native_dtx);
    EXPECT_TRUE(wb.noise && wb.noise_resampler);
}

TEST(CodecSet, BitRatesForTheOfferersMatchingCodecsOnly) {
    const auto offer = codecs("m=audio 4000 RTP/AVP 96 97 0\r\na=rtpmap:96 opus/48000/2\r\na=rtpmap:97 opus/48000\r\n");
    CodecRequest r;
    r.transcode = {"G722"};
    r.set = {"opus/48000/1/16000", "opus/48000/2/32000", "PCMU/8000/1/bad"};
    const OfferedCodecs o = codecs_for_answerer(offer, r);
    ASSERT_EQ(o.offerer_side.size(), 3u);
    EXPECT_EQ(o.offerer_side[0].bitrate, 32000);  // stereo
    EXPECT_EQ(o.offerer_side[1].bitrate, 16000);  // mono
    EXPECT_EQ(o.offerer_side[2].bitrate, 0);      // a bit rate that is no number is ignored
    EXPECT_EQ(o.to_answerer.size(), 4u);          // the SDP is not changed by set
    EXPECT_EQ(o.to_answerer[0].bitrate, 0);

    // set alone changes nothing of the offer either
    r = CodecRequest{};
    r.set = {"opus/48000/2/32000"};
    EXPECT_FALSE(r.any());
    EXPECT_EQ(codecs_for_answerer(offer, r).offerer_side[0].bitrate, 32000);
}

TEST(CodecSet, TranscodeBitRateGoesToTheAnswerersEncoder) {
    const auto offer = codecs("m=audio 4000 RTP/AVP 0\r\n");
    CodecRequest r;
    r.transcode = {"opus/48000/2/12000"};
    const OfferedCodecs o = codecs_for_answerer(offer, r);
    ASSERT_EQ(o.added.size(), 1u);
    EXPECT_EQ(o.added[0].bitrate, 12000);
    auto t = transcoding_for(offer, o, codecs("m=audio 5000 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n"));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->answerer.bitrate, 12000);
    EXPECT_EQ(t->offerer.bitrate, 0);
}

TEST(CodecFlags, SingleCodecKeepsTheFirstRealOneAndTheSupplementalOnes) {
    const auto answer = codecs("m=audio 5000 RTP/AVP 101 8 0 13\r\na=rtpmap:101 telephone-event/8000\r\n");
    EXPECT_EQ(payload_types(single_codec(answer)), (std::vector<std::string>{"101", "8", "13"}));
    EXPECT_TRUE(single_codec({}).empty());
}

TEST(CodecFlags, SingleCodecLeavesOutTheRealOnesAfterTheFirst) {
    const auto answer = codecs("m=audio 5000 RTP/AVP 101 8 0 13 9\r\na=rtpmap:101 telephone-event/8000\r\n");
    EXPECT_EQ(payload_types(left_out_by_single_codec(answer)), (std::vector<std::string>{"0", "9"}));
    EXPECT_TRUE(left_out_by_single_codec(codecs("m=audio 5000 RTP/AVP 8 13\r\n")).empty());
}

TEST(CodecFlags, LeftOutCodecsDecodeIntoTheKeptOnesEncoder) {
    const auto answer = codecs("m=audio 5000 RTP/AVP 8 0 9 96 101\r\na=rtpmap:96 NOSUCHCODEC/8000\r\n"
                               "a=rtpmap:101 telephone-event/8000\r\n");
    auto chain = left_out_chain(left_out_by_single_codec(answer), single_codec(answer), 0);
    ASSERT_TRUE(chain);
    EXPECT_EQ(chain->input_type, 0);
    EXPECT_EQ(chain->output_type, 8);
    EXPECT_TRUE(chain->forwards_other_types);  // PCMA, its events and unknown types pass
    EXPECT_FALSE(chain->events);
    ASSERT_EQ(chain->more_inputs.size(), 1u);  // G.722; the unknown codec has no decoder
    EXPECT_EQ(chain->more_inputs[0].type, 9);
    EXPECT_EQ(chain->more_inputs[0].name, "G722/8000 -> PCMA/8000");  // as the statistics list it
    ASSERT_TRUE(chain->more_inputs[0].resampler);  // 16 kHz into PCMU's 8 kHz
    EXPECT_EQ(chain->more_inputs[0].resampler->output_format(), chain->decoder->output_format());
}

TEST(CodecFlags, NoLeftOutChainWithoutACodecToDecodeOrToEncode) {
    const auto only_one = codecs("m=audio 5000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n");
    EXPECT_FALSE(left_out_chain(left_out_by_single_codec(only_one), single_codec(only_one), 0));
    const auto unknown_left_out = codecs("m=audio 5000 RTP/AVP 8 96\r\na=rtpmap:96 NOSUCHCODEC/8000\r\n");
    EXPECT_FALSE(left_out_chain(left_out_by_single_codec(unknown_left_out), single_codec(unknown_left_out), 0));
    const auto unknown_kept = codecs("m=audio 5000 RTP/AVP 96 8\r\na=rtpmap:96 NOSUCHCODEC/8000\r\n");
    EXPECT_FALSE(left_out_chain(left_out_by_single_codec(unknown_kept), single_codec(unknown_kept), 0));
}

TEST(CodecFlags, EarlierOrderFirstNewOnesAfter) {
    const auto reoffer = codecs("m=audio 4000 RTP/AVP 18 9 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n");
    EXPECT_EQ(payload_types(in_earlier_order(reoffer, {"8", "0", "101"})),
              (std::vector<std::string>{"8", "0", "101", "18", "9"}));
    EXPECT_EQ(payload_types(in_earlier_order(reoffer, {})), payload_types(reoffer));
}

TEST(CodecFlags, AnsweredAsOfferedDropsWhatWasNotOffered) {
    const auto answer = codecs("m=audio 5000 RTP/AVP 8 18\r\n");
    EXPECT_EQ(payload_types(answered_as_offered(answer, {"0", "8"})), (std::vector<std::string>{"8"}));
    EXPECT_EQ(payload_types(answered_as_offered(answer, {"0"})), (std::vector<std::string>{"8", "18"}));
}

TEST(CodecOptions, WhereTranscodingIsEngagedOnlyTranscodableCodecsAreOffered) {
    const auto offer = codecs("m=audio 4000 RTP/AVP 0 111 110 8 101\r\na=rtpmap:111 G726-32/8000\r\n"
                              "a=rtpmap:110 X-FOO/8000\r\na=rtpmap:101 telephone-event/8000\r\n");
    CodecRequest r;
    EXPECT_EQ(payload_types(codecs_for_answerer(offer, r).to_answerer), payload_types(offer));
    const OfferedCodecs by_ptime = codecs_for_answerer(offer, r, "audio", true);
    EXPECT_EQ(payload_types(by_ptime.to_answerer), (std::vector<std::string>{"0", "8", "101"}));
    EXPECT_TRUE(by_ptime.changed);
    r.transcode = {"G722"};
    EXPECT_EQ(payload_types(codecs_for_answerer(offer, r).to_answerer),
              (std::vector<std::string>{"0", "8", "9", "101"}));
    r.transcode = {"PCMA"};  // already offered: nothing added, nothing left out
    EXPECT_EQ(payload_types(codecs_for_answerer(offer, r).to_answerer), payload_types(offer));
}

TEST(CodecOptions, TranscodeAddsNothingToVideo) {
    const auto offer = codecs("m=video 4000 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n");
    CodecRequest r;
    r.transcode = {"PCMA"};
    const OfferedCodecs o = codecs_for_answerer(offer, r, "video", true);
    EXPECT_EQ(payload_types(o.to_answerer), (std::vector<std::string>{"96"}));
    EXPECT_FALSE(o.changed);
}

TEST(CodecOptions, TranscodeAddsCnAndTelephoneEventAtTheAddedCodecsRate) {
    const auto offer = codecs("m=audio 4000 RTP/AVP 0 101 13\r\na=rtpmap:101 telephone-event/8000\r\n"
                              "a=fmtp:101 0-15\r\n");
    CodecRequest r;
    r.transcode = {"opus"};
    const OfferedCodecs o = codecs_for_answerer(offer, r);
    // opus, then CN and telephone-event at 48 kHz, before the offer's own telephone-event and CN
    EXPECT_EQ(payload_types(o.to_answerer), (std::vector<std::string>{"0", "96", "97", "98", "101", "13"}));
    EXPECT_EQ(o.to_answerer[2].encoding(), "CN/48000");
    EXPECT_EQ(o.to_answerer[3].encoding(), "telephone-event/48000");
    EXPECT_EQ(o.to_answerer[3].format_parameters(), "0-15");

    // answered with Opus and CN: the offerer gets PCMU and its CN (the answer had no DTMF)
    auto t = transcoding_for(offer, o, codecs("m=audio 5000 RTP/AVP 96 97\r\na=rtpmap:96 opus/48000/2\r\n"
                                              "a=rtpmap:97 CN/48000\r\n"));
    ASSERT_TRUE(t);
    EXPECT_EQ(payload_types(answer_codecs(*t, o, codecs("m=audio 5000 RTP/AVP 96 97\r\na=rtpmap:96 opus/48000/2\r\n"
                                                        "a=rtpmap:97 CN/48000\r\n"))),
              (std::vector<std::string>{"0", "13"}));
}

}  // namespace rtpe::call
