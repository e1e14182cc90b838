// The codec registry: upstream's facts per codec, what this build supports, and the
// --codecs lines compared with what Debian's rtpengine (the test oracle) prints.

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "codec/registry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <unistd.h>

namespace {

using namespace rtpe::codec;

TEST(CodecRegistry, FindsByNameCaseInsensitive) {
    ASSERT_TRUE(find_codec("PCMA"));
    EXPECT_EQ(find_codec("pcma"), find_codec("PCMA"));
    EXPECT_EQ(find_codec("OPUS"), find_codec("opus"));
    EXPECT_EQ(find_codec("Telephone-Event"), find_codec("telephone-event"));
    EXPECT_EQ(find_codec("PCM"), nullptr);
    EXPECT_EQ(find_codec(""), nullptr);
}

TEST(CodecRegistry, UpstreamFacts) {
    struct Fact {
        const char* name;
        int clock, audio, channels, ptime, pt;
    };
    for (const Fact& f : {Fact{"PCMA", 8000, 8000, 1, 20, 8}, Fact{"PCMU", 8000, 8000, 1, 20, 0},
                          Fact{"G722", 8000, 16000, 1, 20, 9}, Fact{"G723", 8000, 8000, 1, 30, 4},
                          Fact{"G729", 8000, 8000, 1, 20, 18}, Fact{"GSM", 8000, 8000, 1, 20, 3},
                          Fact{"iLBC", 8000, 8000, 1, 30, -1}, Fact{"speex", 16000, 16000, 1, 20, -1},
                          Fact{"opus", 48000, 48000, 2, 20, -1}, Fact{"AMR", 8000, 8000, 1, 20, -1},
                          Fact{"AMR-WB", 16000, 16000, 1, 20, -1}, Fact{"CN", 8000, 8000, 1, 20, 13},
                          Fact{"telephone-event", 8000, 8000, 1, 0, -1}}) {
        const CodecDef* d = find_codec(f.name);
        ASSERT_TRUE(d) << f.name;
        EXPECT_EQ(d->clock_rate, f.clock) << f.name;
        EXPECT_EQ(d->audio_rate, f.audio) << f.name;
        EXPECT_EQ(d->channels, f.channels) << f.name;
        EXPECT_EQ(d->default_ptime, f.ptime) << f.name;
        EXPECT_EQ(d->static_payload_type, f.pt) << f.name;
    }
    EXPECT_EQ(find_codec("opus")->default_fmtp, "useinbandfec=1");
    EXPECT_EQ(find_codec("telephone-event")->default_fmtp, "0-15");
    EXPECT_TRUE(find_codec("telephone-event")->supplemental);
    EXPECT_TRUE(find_codec("CN")->supplemental);
    EXPECT_FALSE(find_codec("PCMA")->supplemental);
}

// What the chain needs both ways is here (AMR and AMR-WB encoded by opencore-amrnb and
// vo-amrwbenc, which Debian 12's ffmpeg is not built with); what it lacks (an iLBC
// encoder: no libilbc in its build) is reported as decode-only, and making such an
// encoder says "unsupported".
TEST(CodecRegistry, SupportInThisBuild) {
    for (const char* name : {"PCMA", "PCMU", "G722", "G723", "G729", "G729a", "opus", "GSM", "speex",
                             "telephone-event", "CN", "AMR", "AMR-WB"}) {
        const Support s = support(*find_codec(name));
        EXPECT_TRUE(s.decode && s.encode) << name << " should be fully supported";
    }
    for (const char* name : {"iLBC"}) {
        const Support s = support(*find_codec(name));
        EXPECT_TRUE(s.decode) << name;
        EXPECT_FALSE(s.encode) << name << ": Debian 12's ffmpeg has no encoder; has this changed?";
        CodecParams p;
        p.def = find_codec(name);
        Status st;
        EXPECT_FALSE(make_encoder(p, st)) << name;
        EXPECT_EQ(st, Status::unsupported) << name;
        EXPECT_TRUE(make_decoder(p, st)) << name << ": " << to_string(st);
    }
}

TEST(CodecRegistry, NoRtpDefinitionIsNotMade) {
    CodecParams p;
    p.def = find_codec("vorbis");
    Status st;
    EXPECT_FALSE(make_decoder(p, st));
    EXPECT_EQ(st, Status::unsupported);
    p.def = find_codec("PCMA");
    p.clock_rate = 16000;
    EXPECT_FALSE(make_decoder(p, st));
    EXPECT_EQ(st, Status::bad_format);
}

TEST(CodecRegistry, ReportLineFormat) {
    EXPECT_EQ(codec_report_line(*find_codec("PCMA")), "                PCMA: fully supported\n");
    EXPECT_EQ(codec_report_line(*find_codec("AMR-WB")), "              AMR-WB: fully supported\n");
    EXPECT_EQ(codec_report_line(*find_codec("iLBC")), "                iLBC: supported for decoding only\n");
    EXPECT_EQ(codec_report_line(*find_codec("telephone-event")), "     telephone-event: fully supported\n");
    const std::string all = codecs_report();
    EXPECT_EQ(all.rfind("                PCMA: ", 0), 0u);
    EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), static_cast<long>(all_codecs().size()));
}

std::map<std::string, std::string> lines_by_codec(const std::string& text) {
    std::map<std::string, std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto nl = text.find('\n', pos);
        const std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl + 1 - pos);
        pos = nl == std::string::npos ? text.size() : nl + 1;
        const auto colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        std::string name = line.substr(0, colon);
        name.erase(0, name.find_first_not_of(' '));
        out[name] = line;
    }
    return out;
}

// Debian's rtpengine (10.5, same ffmpeg) prints --codecs; every codec both know gets the
// same line, byte for byte, and the oracle knows no codec we lack; but AMR and AMR-WB,
// which it only decodes and we also encode.
TEST(CodecRegistry, ReportMatchesOracle) {
    const char* oracle = "/usr/bin/rtpengine";
    ASSERT_EQ(access(oracle, X_OK), 0) << "needs Debian's rtpengine (the oracle)";
    FILE* p = popen("/usr/bin/rtpengine --config-file=none --codecs 2>/dev/null", "r");
    ASSERT_TRUE(p);
    std::string text;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p))
        text += buf;
    ASSERT_EQ(pclose(p), 0);
    const auto theirs = lines_by_codec(text);
    const auto ours = lines_by_codec(codecs_report());
    ASSERT_GE(theirs.size(), 20u);
    std::size_t compared = 0;
    for (const auto& [name, line] : theirs) {
        const auto it = ours.find(name);
        EXPECT_NE(it, ours.end()) << "the oracle knows " << name;
        if (it == ours.end())
            continue;
        if (name == "AMR" || name == "AMR-WB") {
            EXPECT_EQ(line.substr(line.find(':')), ": supported for decoding only\n") << name;
            EXPECT_EQ(it->second.substr(it->second.find(':')), ": fully supported\n") << name;
        } else {
            EXPECT_EQ(it->second, line);
        }
        ++compared;
    }
    EXPECT_EQ(compared, ours.size());
}

}  // namespace
