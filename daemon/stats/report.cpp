#include "daemon/stats/report.hpp"

#include <cstdio>
#include <vector>

namespace rtpe::stats {

namespace {

std::string fixed(double value, int decimals) {
    char text[64];
    std::snprintf(text, sizeof(text), "%.*f", decimals, value);
    return text;
}

// The document is written once through this, for either format.
class Sink {
public:
    virtual ~Sink() = default;
    virtual void begin_object(const std::string& key) = 0;  // empty key: a list element
    virtual void end_object() = 0;
    virtual void begin_list(const std::string& key) = 0;
    virtual void end_list() = 0;
    virtual void integer(const std::string& key, int64_t value) = 0;
    // A number upstream quotes over ng, already formatted.
    virtual void number(const std::string& key, const std::string& value) = 0;
    virtual void text(const std::string& key, const std::string& value) = 0;
};

class BencodeSink : public Sink {
public:
    BencodeSink() { stack_.push_back(bencode::Value::dictionary()); }
    bencode::Value take() { return std::move(stack_.front()); }

    void begin_object(const std::string& key) override { open(key, bencode::Value::dictionary()); }
    void end_object() override { close(); }
    void begin_list(const std::string& key) override { open(key, bencode::Value::list()); }
    void end_list() override { close(); }
    void integer(const std::string& key, int64_t value) override { add(key, bencode::Value::integer(value)); }
    void number(const std::string& key, const std::string& value) override { add(key, bencode::Value::string(value)); }
    void text(const std::string& key, const std::string& value) override { add(key, bencode::Value::string(value)); }

private:
    void add(const std::string& key, bencode::Value v) {
        auto& top = stack_.back();
        if (top.is_list())
            top.push_back(std::move(v));
        else
            top.append(key, std::move(v));
    }
    void open(const std::string& key, bencode::Value v) {
        keys_.push_back(key);
        stack_.push_back(std::move(v));
    }
    void close() {
        bencode::Value done = std::move(stack_.back());
        stack_.pop_back();
        add(keys_.back(), std::move(done));
        keys_.pop_back();
    }
    std::vector<bencode::Value> stack_;
    std::vector<std::string> keys_;
};

class JsonSink : public Sink {
public:
    JsonSink() { out_ = "{"; first_.push_back(true); }
    std::string take() { return out_ + "}"; }

    void begin_object(const std::string& key) override { open(key, '{'); }
    void end_object() override { close('}'); }
    void begin_list(const std::string& key) override { open(key, '['); }
    void end_list() override { close(']'); }
    void integer(const std::string& key, int64_t value) override { raw(key, std::to_string(value)); }
    void number(const std::string& key, const std::string& value) override { raw(key, value); }
    void text(const std::string& key, const std::string& value) override { raw(key, quoted(value)); }

private:
    static std::string quoted(const std::string& s) {
        std::string q = "\"";
        for (const char c : s) {
            if (c == '"' || c == '\\') {
                q += '\\';
                q += c;
            } else if (static_cast<unsigned char>(c) < 0x20) {
                char esc[8];
                std::snprintf(esc, sizeof(esc), "\\u%04x", static_cast<unsigned>(c));
                q += esc;
            } else {
                q += c;
            }
        }
        return q + "\"";
    }
    void prefix(const std::string& key) {
        if (!first_.back())
            out_ += ',';
        first_.back() = false;
        if (!key.empty())
            out_ += quoted(key) + ":";
    }
    void raw(const std::string& key, const std::string& value) {
        prefix(key);
        out_ += value;
    }
    void open(const std::string& key, char bracket) {
        prefix(key);
        out_ += bracket;
        first_.push_back(true);
    }
    void close(char bracket) {
        out_ += bracket;
        first_.pop_back();
    }
    std::string out_;
    std::vector<bool> first_;
};

void write(Sink& s, const Statistics& stats, const media::LocalInterfaces& interfaces) {
    const Current now = stats.current();
    const Relayed rates = stats.rates();
    s.begin_object("currentstatistics");
    s.integer("sessionsown", static_cast<int64_t>(now.sessions));
    s.integer("sessionsforeign", 0);
    s.integer("sessionstotal", static_cast<int64_t>(now.sessions));
    s.integer("transcodedmedia", 0);
    // Everything is relayed in userspace: the kernel's share is always zero.
    s.integer("packetrate_user", static_cast<int64_t>(rates.packets));
    s.integer("byterate_user", static_cast<int64_t>(rates.bytes));
    s.integer("errorrate_user", static_cast<int64_t>(rates.errors));
    s.integer("packetrate_kernel", 0);
    s.integer("byterate_kernel", 0);
    s.integer("errorrate_kernel", 0);
    s.integer("packetrate", static_cast<int64_t>(rates.packets));
    s.integer("byterate", static_cast<int64_t>(rates.bytes));
    s.integer("errorrate", static_cast<int64_t>(rates.errors));
    s.integer("media_userspace", static_cast<int64_t>(now.media_streams));
    s.integer("media_kernel", 0);
    s.integer("media_mixed", 0);
    s.end_object();

    const EndedCalls& ended = stats.ended();
    const Relayed relayed = stats.relayed_total(now);
    auto reason = [&](EndReason r) { return static_cast<int64_t>(ended.by_reason[static_cast<std::size_t>(r)]); };
    s.begin_object("totalstatistics");
    s.number("uptime", std::to_string(stats.uptime()));
    s.integer("managedsessions", static_cast<int64_t>(ended.calls));
    s.integer("timeoutsessions", reason(EndReason::timeout));
    s.integer("silenttimeoutsessions", reason(EndReason::silent_timeout));
    s.integer("finaltimeoutsessions", reason(EndReason::final_timeout));
    s.integer("offertimeoutsessions", reason(EndReason::offer_timeout));
    s.integer("regularterminatedsessions", reason(EndReason::regular));
    s.integer("forcedterminatedsessions", reason(EndReason::forced));
    s.integer("relayedpackets_user", static_cast<int64_t>(relayed.packets));
    s.integer("relayedpacketerrors_user", static_cast<int64_t>(relayed.errors));
    s.integer("relayedbytes_user", static_cast<int64_t>(relayed.bytes));
    s.integer("relayedpackets_kernel", 0);
    s.integer("relayedpacketerrors_kernel", 0);
    s.integer("relayedbytes_kernel", 0);
    s.integer("relayedpackets", static_cast<int64_t>(relayed.packets));
    s.integer("relayedpacketerrors", static_cast<int64_t>(relayed.errors));
    s.integer("relayedbytes", static_cast<int64_t>(relayed.bytes));
    s.number("avgcallduration", fixed(ended.average_duration(), 6));
    s.number("totalcallsduration", fixed(ended.duration, 6));
    s.number("totalcallsduration2", fixed(ended.duration_squared, 6));
    s.number("totalcallsduration_stddev", fixed(ended.duration_stddev(), 6));
    s.end_object();

    s.begin_object("controlstatistics");
    s.begin_list("proxies");
    std::array<uint64_t, kNgCommands.size()> totals{};
    for (const auto& [proxy, counts] : stats.proxies()) {
        s.begin_object("");
        s.text("proxy", proxy);
        for (std::size_t i = 0; i < kNgCommands.size(); ++i) {
            const std::string name(kNgCommands[i].short_name);
            s.integer(name + "count", static_cast<int64_t>(counts.commands[i].count));
            s.number(name + "duration", fixed(counts.commands[i].seconds, 6));
            totals[i] += counts.commands[i].count;
        }
        s.integer("errorcount", static_cast<int64_t>(counts.errors));
        s.end_object();
    }
    s.end_list();
    for (std::size_t i = 0; i < kNgCommands.size(); ++i)
        s.integer("total" + std::string(kNgCommands[i].short_name) + "count", static_cast<int64_t>(totals[i]));
    s.end_object();

    s.begin_list("interfaces");
    for (const auto& a : interfaces.addresses()) {
        const auto& pool = *a->ports;
        const int64_t total = pool.port_max() - pool.port_min() + 1;
        const int64_t used = static_cast<int64_t>(pool.used() * 2);  // each pair is RTP and RTCP
        s.begin_object("");
        s.text("name", a->interface_name);
        s.text("address", a->local.to_string());
        s.begin_object("ports");
        s.integer("min", pool.port_min());
        s.integer("max", pool.port_max());
        s.integer("used", used);
        s.number("used_pct", fixed(total ? 100.0 * static_cast<double>(used) / static_cast<double>(total) : 0, 2));
        s.integer("free", total - used);
        s.integer("totals", total);
        s.integer("last", pool.last_acquired());
        s.end_object();
        s.end_object();
    }
    s.end_list();
    // No transcoding here, so no transcoders to list.
    s.begin_list("transcoders");
    s.end_list();
}

}  // namespace

bencode::Value ng_statistics(const Statistics& stats, const media::LocalInterfaces& interfaces) {
    BencodeSink sink;
    write(sink, stats, interfaces);
    return sink.take();
}

std::string json_statistics(const Statistics& stats, const media::LocalInterfaces& interfaces) {
    JsonSink sink;
    write(sink, stats, interfaces);
    return sink.take();
}

}  // namespace rtpe::stats
