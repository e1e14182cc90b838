// MQTT: option parsing, the JSON documents upstream 10.5 publishes, and the publisher's
// behaviour without a broker. The broker side is t/integration/test_mqtt.py.

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "daemon/mqtt/documents.hpp"
#include "daemon/mqtt/publisher.hpp"
#include "daemon/mqtt/snapshot.hpp"
#include "daemon/options.hpp"

namespace rtpe::mqtt {

namespace {

using json = nlohmann::ordered_json;

DaemonOptions load(std::vector<std::string> args) {
    std::vector<std::string> storage{"rtpengine", "--config-file=none", "-i", "127.0.0.1", "-n", "2223"};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : storage)
        argv.push_back(s.data());
    argv.push_back(nullptr);
    return load_daemon_options(static_cast<int>(storage.size()), argv.data());
}

std::string error_of(std::vector<std::string> args) {
    try {
        load(std::move(args));
    } catch (const config::ConfigError& e) {
        return e.what();
    }
    return "<no error>";
}

std::vector<std::string> keys(const json& j) {
    std::vector<std::string> out;
    for (auto it = j.begin(); it != j.end(); ++it)
        out.push_back(it.key());
    return out;
}

SsrcView ssrc(uint32_t id, uint64_t packets) {
    SsrcView s;
    s.ssrc = id;
    apply_rtpmap(s, "PCMU/8000");
    s.packets = packets;
    s.bytes = packets * 172;
    s.jitter = 28;
    return s;
}

Snapshot two_leg_call(double timestamp, uint64_t packets) {
    Snapshot snap;
    snap.timestamp = timestamp;
    snap.statistics = bencode::Value::dictionary();
    auto current = bencode::Value::dictionary();
    current.append_integer("sessionsown", 1);
    snap.statistics.append("currentstatistics", std::move(current));
    auto total = bencode::Value::dictionary();
    total.append("uptime", bencode::Value::string("12"));
    snap.statistics.append("totalstatistics", std::move(total));
    auto iface = bencode::Value::dictionary();
    iface.append("name", bencode::Value::string("default"));
    iface.append("address", bencode::Value::string("127.0.0.1"));
    auto ifaces = bencode::Value::list();
    ifaces.push_back(std::move(iface));
    snap.statistics.append("interfaces", std::move(ifaces));

    CallView call;
    call.call_id = "cid";
    for (const char* tag : {"ft", "tt"}) {
        LegView leg;
        leg.tag = tag;
        if (std::string(tag) == "ft")
            leg.label = "caller";
        MediaView m;
        m.index = 1;
        m.type = "audio";
        m.interface = "default";
        m.protocol = "RTP/AVP";
        m.address = "127.0.0.1";
        m.port = std::string(tag) == "ft" ? 30000 : 30002;
        m.ingress = ssrc(std::string(tag) == "ft" ? 1 : 2, packets);
        m.egress = ssrc(std::string(tag) == "ft" ? 2 : 1, packets);
        leg.medias.push_back(m);
        call.legs.push_back(leg);
    }
    snap.calls.push_back(call);
    return snap;
}

}  // namespace

TEST(MqttOptions, DefaultsAsUpstream) {
    auto o = load({});
    EXPECT_TRUE(o.mqtt.host.empty());
    EXPECT_EQ(o.mqtt.port, 1883);
    EXPECT_TRUE(o.mqtt.id.empty());
    EXPECT_EQ(o.mqtt.keepalive, 30);
    EXPECT_EQ(o.mqtt.publish_qos, 0);
    EXPECT_TRUE(o.mqtt.publish_topic.empty());
    EXPECT_EQ(o.mqtt.publish_interval, 5000);
    EXPECT_EQ(o.mqtt.publish_scope, DaemonOptions::Mqtt::Scope::global);
}

TEST(MqttOptions, AllParsed) {
    auto o = load({"--mqtt-host=broker", "--mqtt-port=8883", "--mqtt-id=rtpe1", "--mqtt-keepalive=10",
                   "--mqtt-user=u", "--mqtt-pass=p", "--mqtt-cafile=/ca.pem", "--mqtt-capath=/certs",
                   "--mqtt-certfile=/c.pem", "--mqtt-keyfile=/k.pem", "--mqtt-publish-qos=2",
                   "--mqtt-publish-topic=rtpengine/stats", "--mqtt-publish-interval=250",
                   "--mqtt-publish-scope=media"});
    EXPECT_EQ(o.mqtt.host, "broker");
    EXPECT_EQ(o.mqtt.port, 8883);
    EXPECT_EQ(o.mqtt.id, "rtpe1");
    EXPECT_EQ(o.mqtt.keepalive, 10);
    EXPECT_EQ(o.mqtt.user, "u");
    EXPECT_EQ(o.mqtt.pass, "p");
    EXPECT_EQ(o.mqtt.cafile, "/ca.pem");
    EXPECT_EQ(o.mqtt.capath, "/certs");
    EXPECT_EQ(o.mqtt.certfile, "/c.pem");
    EXPECT_EQ(o.mqtt.keyfile, "/k.pem");
    EXPECT_EQ(o.mqtt.publish_qos, 2);
    EXPECT_EQ(o.mqtt.publish_topic, "rtpengine/stats");
    EXPECT_EQ(o.mqtt.publish_interval, 250);
    EXPECT_EQ(o.mqtt.publish_scope, DaemonOptions::Mqtt::Scope::media);
    EXPECT_EQ(load({"--mqtt-publish-scope=call"}).mqtt.publish_scope, DaemonOptions::Mqtt::Scope::call);
    EXPECT_EQ(load({"--mqtt-keepalive=0"}).mqtt.keepalive, 0);
}

TEST(MqttOptions, BadValuesNameOptionAndValue) {
    EXPECT_EQ(error_of({"--mqtt-publish-scope=summary"}),
              "invalid value 'summary' for option --mqtt-publish-scope: expected global, call or media");
    EXPECT_EQ(error_of({"--mqtt-publish-qos=3"}),
              "invalid value '3' for option --mqtt-publish-qos: must be between 0 and 2");
    EXPECT_EQ(error_of({"--mqtt-port=0"}), "invalid value '0' for option --mqtt-port: must be between 1 and 65535");
    EXPECT_EQ(error_of({"--mqtt-port=x"}), "invalid value 'x' for option --mqtt-port: not an integer");
    EXPECT_EQ(error_of({"--mqtt-keepalive=3"}),
              "invalid value '3' for option --mqtt-keepalive: must be 0 (off) or between 5 and 65535");
    EXPECT_EQ(error_of({"--mqtt-publish-interval=0"}),
              "invalid value '0' for option --mqtt-publish-interval: must be between 1 and 86400000");
    EXPECT_EQ(error_of({"--mqtt-publish-topic=a/#"}),
              "invalid value 'a/#' for option --mqtt-publish-topic: wildcards '+' and '#' cannot be published to");
    EXPECT_EQ(error_of({"--mqtt-host="}), "invalid value '' for option --mqtt-host: empty host");
    EXPECT_EQ(error_of({"--mqtt-host=h", "--mqtt-cafile=/ca", "--mqtt-certfile=/c"}),
              "--mqtt-certfile and --mqtt-keyfile go together");
    EXPECT_EQ(error_of({"--mqtt-host=h", "--mqtt-certfile=/c", "--mqtt-keyfile=/k"}),
              "--mqtt-certfile needs --mqtt-cafile or --mqtt-capath");
}

TEST(MqttDocuments, RtpmapSplit) {
    SsrcView v;
    apply_rtpmap(v, "opus/48000/2");
    EXPECT_EQ(*v.codec, "opus");
    EXPECT_EQ(v.clock_rate, 48000u);
    EXPECT_EQ(v.codec_params, "2");
    apply_rtpmap(v, "PCMA/8000");
    EXPECT_EQ(*v.codec, "PCMA");
    EXPECT_EQ(v.clock_rate, 8000u);
    EXPECT_EQ(v.codec_params, "");
    EXPECT_EQ(media_status(true, true), "sendrecv");
    EXPECT_EQ(media_status(true, false), "sendonly");
    EXPECT_EQ(media_status(false, true), "recvonly");
    EXPECT_EQ(media_status(false, false), "inactive");
}

TEST(MqttDocuments, StatisticsAsUpstreamPublishesThem) {
    auto doc = json::parse(statistics_members(two_leg_call(1.0, 1).statistics));
    EXPECT_EQ(doc["currentstatistics"]["sessionsown"], 1);
    EXPECT_EQ(doc["totalstatistics"]["uptime"], "12");  // a string, as over ng
    // Free text wrapped in quotes, as upstream 10.5 publishes it.
    EXPECT_EQ(doc["interfaces"][0]["name"], "\"default\"");
    EXPECT_EQ(doc["interfaces"][0]["address"], "\"127.0.0.1\"");
}

TEST(MqttDocuments, GlobalScopeIsOneDocumentWithCalls) {
    DocumentBuilder builder(1.0);
    auto docs = builder.build(two_leg_call(100.5, 50), Scope::global);
    ASSERT_EQ(docs.size(), 1u);
    auto doc = json::parse(docs[0]);
    EXPECT_EQ(keys(doc), (std::vector<std::string>{"timestamp", "currentstatistics", "totalstatistics",
                                                   "interfaces", "calls"}));
    EXPECT_DOUBLE_EQ(doc["timestamp"].get<double>(), 100.5);
    const auto& call = doc["calls"][0];
    EXPECT_EQ(keys(call), (std::vector<std::string>{"call_id", "legs"}));
    EXPECT_EQ(call["call_id"], "cid");
    EXPECT_EQ(keys(call["legs"][0]), (std::vector<std::string>{"tag", "label", "medias"}));
    EXPECT_EQ(keys(call["legs"][1]), (std::vector<std::string>{"tag", "medias"}));
    const auto& media = call["legs"][0]["medias"][0];
    EXPECT_EQ(keys(media), (std::vector<std::string>{"media_index", "type", "interface", "protocol", "status",
                                                     "address", "port", "ingress", "egress"}));
    EXPECT_EQ(media["status"], "sendrecv");
    EXPECT_EQ(media["port"], 30000);
    EXPECT_EQ(keys(media["ingress"]),
              (std::vector<std::string>{"SSRC", "codec", "clock_rate", "codec_params", "codec_format", "metrics"}));
    EXPECT_EQ(media["ingress"]["SSRC"], 1);
    EXPECT_EQ(media["egress"]["SSRC"], 2);
    const auto& m = media["ingress"]["metrics"];
    EXPECT_EQ(keys(m), (std::vector<std::string>{"packets", "bytes", "lost", "duplicates", "packets_per_second",
                                                 "bytes_per_second", "lost_per_second", "duplicates_per_second",
                                                 "jitter"}));
    EXPECT_EQ(m["packets"], 50);
    EXPECT_EQ(m["bytes"], 50 * 172);
    EXPECT_DOUBLE_EQ(m["jitter"].get<double>(), 3.5);  // 28 timestamp units at 8 kHz
    // Nothing reported before: the counts over the fallback period (one second here).
    EXPECT_DOUBLE_EQ(m["packets_per_second"].get<double>(), 50.0);
}

TEST(MqttDocuments, RatesSinceTheLastReport) {
    DocumentBuilder builder(5.0);
    builder.build(two_leg_call(100.0, 50), Scope::global);
    auto doc = json::parse(builder.build(two_leg_call(102.0, 150), Scope::global)[0]);
    const auto& m = doc["calls"][0]["legs"][0]["medias"][0]["ingress"]["metrics"];
    EXPECT_DOUBLE_EQ(m["packets_per_second"].get<double>(), 50.0);
    EXPECT_DOUBLE_EQ(m["bytes_per_second"].get<double>(), 50.0 * 172);
    EXPECT_DOUBLE_EQ(m["lost_per_second"].get<double>(), 0.0);
}

TEST(MqttDocuments, CallScopeIsSummaryThenOnePerCall) {
    DocumentBuilder builder(1.0);
    auto docs = builder.build(two_leg_call(1.0, 5), Scope::call);
    ASSERT_EQ(docs.size(), 2u);
    auto summary = json::parse(docs[0]);
    EXPECT_FALSE(summary.contains("calls"));
    EXPECT_TRUE(summary.contains("currentstatistics"));
    auto call = json::parse(docs[1]);
    EXPECT_EQ(keys(call), (std::vector<std::string>{"timestamp", "call_id", "legs"}));
    EXPECT_EQ(call["legs"].size(), 2u);
}

TEST(MqttDocuments, MediaScopeIsSummaryThenOnePerMedia) {
    DocumentBuilder builder(1.0);
    auto docs = builder.build(two_leg_call(1.0, 5), Scope::media);
    ASSERT_EQ(docs.size(), 3u);
    auto first = json::parse(docs[1]);
    EXPECT_EQ(keys(first), (std::vector<std::string>{"timestamp", "call_id", "tag", "label", "media_index", "type",
                                                     "interface", "protocol", "status", "address", "port",
                                                     "ingress", "egress"}));
    auto second = json::parse(docs[2]);
    EXPECT_EQ(second["tag"], "tt");
    EXPECT_FALSE(second.contains("label"));
}

TEST(MqttDocuments, MediaWithoutPacketsOrCodec) {
    auto snap = two_leg_call(1.0, 0);
    auto& media = snap.calls[0].legs[0].medias[0];
    media.ingress.reset();
    media.egress->codec.reset();
    media.egress->clock_rate = 0;
    media.address.reset();
    DocumentBuilder builder(1.0);
    auto doc = json::parse(builder.build(snap, Scope::media)[1]);
    EXPECT_FALSE(doc.contains("ingress"));
    EXPECT_FALSE(doc.contains("address"));
    EXPECT_FALSE(doc.contains("port"));
    EXPECT_EQ(keys(doc["egress"]), (std::vector<std::string>{"SSRC", "metrics"}));
    EXPECT_FALSE(doc["egress"]["metrics"].contains("jitter"));
}

TEST(MqttPublisher, NoBrokerCostsNothingAndStopsPromptly) {
    PublisherSettings s;
    s.client.host = "127.0.0.1";
    s.client.port = 1;  // nothing listens there
    s.topic = "t";
    s.interval_ms = 10;
    Publisher publisher(s, 256 * 1024);
    for (int i = 0; i < 20; ++i) {
        const auto before = std::chrono::steady_clock::now();
        publisher.submit(two_leg_call(1.0 + i, 5));
        EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(50));
    }
    const auto before = std::chrono::steady_clock::now();
    publisher.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(500));
    EXPECT_EQ(publisher.published(), 0u);
    EXPECT_GT(publisher.dropped(), 0u);
}

TEST(MqttPublisher, BadTlsFilesAreRefusedAtStart) {
    PublisherSettings s;
    s.client.host = "127.0.0.1";
    s.client.cafile = "/nonexistent/ca.pem";
    EXPECT_THROW(Publisher(s, 256 * 1024), std::runtime_error);
}

}  // namespace rtpe::mqtt
