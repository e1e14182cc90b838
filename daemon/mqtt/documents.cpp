#include "daemon/mqtt/documents.hpp"

#include <nlohmann/json.hpp>

namespace rtpe::mqtt {

namespace {

using Json = nlohmann::ordered_json;

bool quoted_in_mqtt(const std::string& key) {
    return key == "proxy" || key == "name" || key == "address";
}

Json to_json(const bencode::Value& v, const std::string& key) {
    if (v.is_integer())
        return v.as_integer();
    if (v.is_string())
        return quoted_in_mqtt(key) ? "\"" + v.as_string() + "\"" : v.as_string();
    if (v.is_list()) {
        Json out = Json::array();
        for (const auto& item : v.as_list())
            out.push_back(to_json(item, key));
        return out;
    }
    if (v.is_dictionary()) {
        Json out = Json::object();
        for (const auto& [k, item] : v.as_dictionary())
            out[k] = to_json(item, k);
        return out;
    }
    return nullptr;
}

void add_statistics(Json& doc, const bencode::Value& statistics) {
    if (!statistics.is_dictionary())
        return;
    for (const auto& [k, v] : statistics.as_dictionary())
        doc[k] = to_json(v, k);
}

Json intro(double timestamp) {
    Json doc = Json::object();
    doc["timestamp"] = timestamp;
    return doc;
}

void add_leg_keys(Json& j, const LegView& leg) {
    j["tag"] = leg.tag;
    if (!leg.label.empty())
        j["label"] = leg.label;
}

std::string key_of(const CallView& call, const LegView& leg, const MediaView& media, char direction, uint32_t ssrc) {
    std::string key = call.call_id;
    key += '\0';
    key += leg.tag;
    key += '\0';
    key += std::to_string(media.index);
    key += direction;
    key += std::to_string(ssrc);
    return key;
}

}  // namespace

std::string media_status(bool send, bool recv) {
    if (send)
        return recv ? "sendrecv" : "sendonly";
    return recv ? "recvonly" : "inactive";
}

std::string statistics_members(const bencode::Value& statistics) {
    Json doc = Json::object();
    add_statistics(doc, statistics);
    return doc.dump();
}

std::array<double, 4> DocumentBuilder::rates(const std::string& key, const SsrcView& ssrc, double now) {
    Sample& last = samples_[key];
    const bool fresh = last.round == 0;
    const Sample base = fresh ? Sample{} : last;
    const double seconds = fresh ? fallback_seconds_ : now - base.timestamp;
    auto per_second = [seconds](uint64_t current, uint64_t before) {
        if (seconds <= 0 || current < before)
            return 0.0;
        return static_cast<double>(current - before) / seconds;
    };
    last = {now, ssrc.packets, ssrc.bytes, ssrc.lost, ssrc.duplicates, round_};
    return {per_second(ssrc.packets, base.packets), per_second(ssrc.bytes, base.bytes),
            per_second(ssrc.lost, base.lost), per_second(ssrc.duplicates, base.duplicates)};
}

std::vector<std::string> DocumentBuilder::build(const Snapshot& snapshot, Scope scope) {
    ++round_;
    const double now = snapshot.timestamp;

    auto ssrc_json = [&](const std::string& key, const SsrcView& s) {
        Json j = Json::object();
        j["SSRC"] = s.ssrc;
        if (s.codec) {
            j["codec"] = *s.codec;
            j["clock_rate"] = s.clock_rate;
            j["codec_params"] = s.codec_params;
            j["codec_format"] = s.codec_format;
        }
        Json m = Json::object();
        m["packets"] = s.packets;
        m["bytes"] = s.bytes;
        m["lost"] = s.lost;
        m["duplicates"] = s.duplicates;
        const auto r = rates(key, s, now);
        m["packets_per_second"] = r[0];
        m["bytes_per_second"] = r[1];
        m["lost_per_second"] = r[2];
        m["duplicates_per_second"] = r[3];
        if (s.codec && s.clock_rate)
            m["jitter"] = static_cast<double>(s.jitter) * 1000.0 / static_cast<double>(s.clock_rate);
        j["metrics"] = std::move(m);
        return j;
    };
    auto add_media = [&](Json& j, const CallView& call, const LegView& leg, const MediaView& media) {
        j["media_index"] = media.index;
        j["type"] = media.type;
        j["interface"] = media.interface;
        if (!media.protocol.empty())
            j["protocol"] = media.protocol;
        j["status"] = media_status(media.send, media.recv);
        if (media.address) {
            j["address"] = *media.address;
            j["port"] = media.port;
        }
        if (media.ingress)
            j["ingress"] = ssrc_json(key_of(call, leg, media, 'i', media.ingress->ssrc), *media.ingress);
        if (media.egress)
            j["egress"] = ssrc_json(key_of(call, leg, media, 'e', media.egress->ssrc), *media.egress);
    };
    auto add_call = [&](Json& j, const CallView& call) {
        j["call_id"] = call.call_id;
        Json legs = Json::array();
        for (const auto& leg : call.legs) {
            Json l = Json::object();
            add_leg_keys(l, leg);
            Json medias = Json::array();
            for (const auto& media : leg.medias) {
                Json m = Json::object();
                add_media(m, call, leg, media);
                medias.push_back(std::move(m));
            }
            l["medias"] = std::move(medias);
            legs.push_back(std::move(l));
        }
        j["legs"] = std::move(legs);
    };

    std::vector<std::string> out;
    Json summary = intro(now);
    add_statistics(summary, snapshot.statistics);
    if (scope == Scope::global) {
        Json calls = Json::array();
        for (const auto& call : snapshot.calls) {
            Json c = Json::object();
            add_call(c, call);
            calls.push_back(std::move(c));
        }
        summary["calls"] = std::move(calls);
        out.push_back(summary.dump());
    } else {
        out.push_back(summary.dump());
        for (const auto& call : snapshot.calls) {
            if (scope == Scope::call) {
                Json doc = intro(now);
                add_call(doc, call);
                out.push_back(doc.dump());
                continue;
            }
            for (const auto& leg : call.legs)
                for (const auto& media : leg.medias) {
                    Json doc = intro(now);
                    doc["call_id"] = call.call_id;
                    add_leg_keys(doc, leg);
                    add_media(doc, call, leg, media);
                    out.push_back(doc.dump());
                }
        }
    }
    // SSRCs that are gone are forgotten.
    for (auto it = samples_.begin(); it != samples_.end();)
        it = it->second.round == round_ ? std::next(it) : samples_.erase(it);
    return out;
}

}  // namespace rtpe::mqtt
