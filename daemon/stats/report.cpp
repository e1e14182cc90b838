#include "daemon/stats/report.hpp"

#include <cstdio>
#include <vector>

#include "daemon/stats/catalog.hpp"
#include "util/appendf.hpp"

namespace rtpe::stats {

namespace {

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

void value_to(Sink& s, const std::string& key, const Row& row, const Value& v) {
    switch (row.format) {
        case Format::integer:
            s.integer(key, static_cast<int64_t>(v.integer));
            break;
        case Format::text:
            s.text(key, std::string(v.text));
            break;
        default:
            s.number(key, format_value(row, v));
    }
}

// Writes rows (all of one scope family) for one instance at a time, opening and closing
// the objects their keys nest them in.
class Nesting {
public:
    explicit Nesting(Sink& s) : s_(s) {}
    ~Nesting() { close(); }
    void emit(std::string_view key, const Row& row, const Figures& f, const At& at) {
        const auto slash = key.rfind('/');
        const std::string_view prefix = slash == std::string_view::npos ? std::string_view{} : key.substr(0, slash);
        if (prefix != open_) {
            close();
            if (!prefix.empty())
                s_.begin_object(std::string(prefix));
            open_ = prefix;
        }
        const std::string name = expand(slash == std::string_view::npos ? key : key.substr(slash + 1), f, at);
        value_to(s_, name, row, row.value(f, at));
    }
    void close() {
        if (!open_.empty())
            s_.end_object();
        open_ = {};
    }

private:
    Sink& s_;
    std::string_view open_;
};

bool same_run(const Row& a, const Row& b) { return a.scope == b.scope && a.group == b.group; }

bool per_proxy(Scope scope) { return scope == Scope::proxy || scope == Scope::proxy_command; }

// The rows of one section for one instance of its own (an interface, or none).
void write_rows(Sink& s, const std::vector<const Row*>& rows, const Figures& f, At at) {
    Nesting nest(s);
    for (std::size_t i = 0; i < rows.size();) {
        const Row& row = *rows[i];
        if (row.key.empty() || (row.present && !row.present(f, at))) {
            ++i;
            continue;
        }
        if (per_proxy(row.scope)) {
            // One list (named by the keys' first part) of one object per client.
            std::size_t end = i;
            while (end < rows.size() && per_proxy(rows[end]->scope))
                ++end;
            nest.close();
            const std::string_view list = row.key.substr(0, row.key.find('/'));
            s.begin_list(std::string(list));
            for (std::size_t p = 0; p < f.proxies.size(); ++p) {
                s.begin_object("");
                for (std::size_t j = i; j < end;) {
                    std::size_t run = j + 1;
                    while (run < end && same_run(*rows[run], *rows[j]))
                        ++run;
                    const std::size_t count = rows[j]->scope == Scope::proxy_command ? kNgCommands.size() : 1;
                    for (std::size_t c = 0; c < count; ++c)
                        for (std::size_t k = j; k < run; ++k)
                            value_to(s, expand(rows[k]->key.substr(list.size() + 1), f, {c, p, 0}), *rows[k],
                                     rows[k]->value(f, {c, p, 0}));
                    j = run;
                }
                s.end_object();
            }
            s.end_list();
            i = end;
            continue;
        }
        if (row.scope == Scope::command) {
            std::size_t end = i + 1;
            while (end < rows.size() && same_run(*rows[end], row))
                ++end;
            for (std::size_t c = 0; c < kNgCommands.size(); ++c) {
                at.command = c;
                for (std::size_t k = i; k < end; ++k)
                    if (!rows[k]->key.empty())
                        nest.emit(rows[k]->key, *rows[k], f, at);
            }
            i = end;
            continue;
        }
        nest.emit(row.key, row, f, at);
        ++i;
    }
}

void write(Sink& s, const Statistics& stats, const media::LocalInterfaces& interfaces) {
    const Figures f = sample_figures(stats, interfaces);
    for (const SectionInfo& section : sections()) {
        const auto rows = rows_of(section.section);
        if (section.list_scope != Scope::global) {
            s.begin_list(std::string(section.key));
            if (!rows.empty())
                for (const At& at : instances_of(section.list_scope, f)) {
                    s.begin_object("");
                    write_rows(s, rows, f, at);
                    s.end_object();
                }
            s.end_list();
            continue;
        }
        s.begin_object(std::string(section.key));
        write_rows(s, rows, f, {});
        s.end_object();
    }
}

// list totals: one " label:value" line per row, rows joined onto the line before them, and
// the control table.
class TotalsLines {
public:
    explicit TotalsLines(std::string& out) : out_(out) {}
    ~TotalsLines() { flush(); }
    void row(const Row& row, const Figures& f, const At& at) {
        const std::string value = format_value(row, row.value(f, at));
        if (row.totals_style == TotalsStyle::joined) {
            out_ += "/" + value;
        } else {
            flush();
            appendf(out_, " %-48s:", expand(row.totals, f, at).c_str());
            out_ += value;
        }
        unit_ = row.unit;
        gap_ = row.totals_gap;
        open_ = true;
    }
    void flush() {
        if (!open_)
            return;
        out_ += std::string(unit_) + "\n";
        if (gap_)
            out_ += "\n";
        open_ = false;
    }

private:
    std::string& out_;
    std::string_view unit_;
    bool gap_ = false, open_ = false;
};

void control_table(std::string& out, const std::vector<const Row*>& rows, const Figures& f) {
    auto cells = [&](auto&& cell) {
        for (const Row* row : rows)
            if (row->totals_style == TotalsStyle::cell) {
                if (row->scope == Scope::proxy_command)
                    for (std::size_t c = 0; c < kNgCommands.size(); ++c)
                        cell(*row, At{.command = c}, " | %10s");
                else
                    cell(*row, At{}, " %20s");
            }
        out += " \n";
    };
    cells([&](const Row& row, const At& at, const char* layout) {
        appendf(out, layout, expand(row.totals, f, at).c_str());
    });
    for (std::size_t p = 0; p < f.proxies.size(); ++p)
        cells([&](const Row& row, At at, const char* layout) {
            at.proxy = p;
            appendf(out, layout, format_value(row, row.value(f, at)).c_str());
        });
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

namespace rtpe::stats {

std::string totals_text(const Statistics& stats, const media::LocalInterfaces& interfaces) {
    const Figures f = sample_figures(stats, interfaces);
    std::string out;
    for (const SectionInfo& section : sections()) {
        if (section.totals_heading.empty())
            continue;
        out += section.totals_heading;
        const auto rows = rows_of(section.section);
        if (section.section == Section::control) {
            control_table(out, rows, f);
            out += "\n\n\n\n";
            continue;
        }
        TotalsLines lines(out);
        for (std::size_t i = 0; i < rows.size();) {
            std::size_t end = i + 1;
            while (end < rows.size() && same_run(*rows[end], *rows[i]))
                ++end;
            for (const At& at : instances_of(rows[i]->scope, f))
                for (std::size_t k = i; k < end; ++k)
                    if (!rows[k]->totals.empty())
                        lines.row(*rows[k], f, at);
            i = end;
        }
    }
    return out;
}

std::string transcoders_text(const Statistics& stats, const media::LocalInterfaces& interfaces) {
    const Figures f = sample_figures(stats, interfaces);
    if (f.chains.empty())
        return "No stats entries\n";
    std::string out;
    for (const auto& c : f.chains) {
        appendf(out, "%s: %llu transcoders\n", c.name.c_str(), static_cast<unsigned long long>(c.total.transcoders));
        if (c.rate)
            appendf(out, "     %llu packets/s\n     %llu bytes/s\n     %llu samples/s\n",
                    static_cast<unsigned long long>(c.rate->packets), static_cast<unsigned long long>(c.rate->bytes),
                    static_cast<unsigned long long>(c.rate->samples));
    }
    return out;
}

}  // namespace rtpe::stats
