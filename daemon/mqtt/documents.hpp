#pragma once
// The JSON documents upstream 10.5 publishes over MQTT, built from plain snapshots (see
// snapshot.hpp), so that building them never touches call state. Keys and nesting as
// Debian's rtpengine 10.5.3.5 publishes them (checked by t/integration/test_mqtt.py):
//
//   every scope, every interval: {"timestamp", <the ng "statistics" sections>} - for
//     scope "global" with "calls": [<call>, ...] added, for "call" and "media" followed by:
//   scope "call":  one {"timestamp", "call_id", "legs": [<leg>...]} per call
//   scope "media": one {"timestamp", "call_id", "tag", ["label"], <media keys>} per media
//   <leg>   = {"tag", ["label"], "medias": [<media>...]}
//   <media> = {"media_index", "type", "interface", "protocol", "status", ["address",
//              "port"], ["ingress": <ssrc>], ["egress": <ssrc>]}
//   <ssrc>  = {"SSRC", ["codec", "clock_rate", "codec_params", "codec_format"],
//              "metrics": {"packets", "bytes", "lost", "duplicates", ["packets_per_second",
//              "bytes_per_second", "lost_per_second", "duplicates_per_second"], ["jitter"]}}

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bencode/value.hpp"

namespace rtpe::mqtt {

enum class Scope { global, call, media };

// One SSRC in one direction of one media.
struct SsrcView {
    uint32_t ssrc = 0;
    std::optional<std::string> codec;  // encoding name; unset: its payload type has no name
    uint32_t clock_rate = 0;
    std::string codec_params;          // the rtpmap's encoding parameters (channels)
    std::string codec_format;          // format parameters (fmtp)
    uint64_t packets = 0, bytes = 0, lost = 0, duplicates = 0;
    uint32_t jitter = 0;               // RFC 3550 A.8, in timestamp units
};

struct MediaView {
    int index = 0;
    std::string type, interface, protocol;
    bool send = true, recv = true;
    std::optional<std::string> address;  // local address and port facing the participant
    int port = 0;
    std::optional<SsrcView> ingress;     // what the participant sends
    std::optional<SsrcView> egress;      // what goes to it
};

struct LegView {
    std::string tag, label;
    std::vector<MediaView> medias;
};

struct CallView {
    std::string call_id;
    std::vector<LegView> legs;
};

struct Snapshot {
    double timestamp = 0;          // wall clock, seconds
    bencode::Value statistics;     // stats::ng_statistics()
    std::vector<CallView> calls;
};

// "sendrecv", "sendonly", "recvonly" or "inactive".
std::string media_status(bool send, bool recv);

// The statistics sections as upstream's MQTT shows them: numbers stay numbers, the
// fractions ng sends as strings stay strings, and the free-text values (proxy, interface
// name and address) come wrapped in double quotes, as upstream 10.5 publishes them.
std::string statistics_members(const bencode::Value& statistics);

// Builds a round's documents. Keeps the previous counts of every SSRC it reported, for the
// per-second figures, and forgets those that did not show up in a round.
class DocumentBuilder {
public:
    // fallback_seconds divides the counts of an SSRC seen for the first time.
    explicit DocumentBuilder(double fallback_seconds) : fallback_seconds_(fallback_seconds) {}
    std::vector<std::string> build(const Snapshot& snapshot, Scope scope);

private:
    struct Sample {
        double timestamp = 0;
        uint64_t packets = 0, bytes = 0, lost = 0, duplicates = 0;
        uint64_t round = 0;
    };
    // Packets, bytes, lost and duplicates per second since the SSRC's last report.
    std::array<double, 4> rates(const std::string& key, const SsrcView& ssrc, double now);

    double fallback_seconds_;
    uint64_t round_ = 0;
    std::map<std::string, Sample> samples_;
};

}  // namespace rtpe::mqtt
