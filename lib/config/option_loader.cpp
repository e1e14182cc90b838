#include "config/option_loader.hpp"

#include <glib.h>

#include <map>
#include <memory>

#include "util/parse.hpp"

namespace rtpe::config {

namespace {

struct GErrorDeleter {
    void operator()(GError* e) const { g_error_free(e); }
};
using GErrorPtr = std::unique_ptr<GError, GErrorDeleter>;

struct KeyFileDeleter {
    void operator()(GKeyFile* k) const { g_key_file_free(k); }
};
struct OptionContextDeleter {
    void operator()(GOptionContext* c) const { g_option_context_free(c); }
};
struct StrvDeleter {
    void operator()(gchar** v) const { g_strfreev(v); }
};
using StrvPtr = std::unique_ptr<gchar*, StrvDeleter>;

constexpr const char* kConfigFile = "config-file";
constexpr const char* kConfigSection = "config-section";

// Values gathered from one source, by long option name.
using RawValues = std::map<std::string, std::vector<std::string>>;

struct CommandLineState {
    const std::vector<OptionSpec>* specs;
    RawValues values;
};

const OptionSpec* find_spec(const std::vector<OptionSpec>& specs, const std::string& name) {
    for (const auto& spec : specs)
        if (spec.long_name == name)
            return &spec;
    return nullptr;
}

gboolean on_option(const gchar* option_name, const gchar* value, gpointer data, GError** error) {
    auto* state = static_cast<CommandLineState*>(data);
    std::string name = option_name;
    const OptionSpec* spec = nullptr;
    if (name.rfind("--", 0) == 0) {
        name.erase(0, 2);
        spec = find_spec(*state->specs, name);
    } else if (name.size() == 2 && name[0] == '-') {
        for (const auto& s : *state->specs)
            if (s.short_name == name[1])
                spec = &s;
    }
    if (!spec) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION, "Unknown option %s", option_name);
        return FALSE;
    }
    auto& slot = state->values[spec->long_name];
    switch (spec->kind) {
    case ArgKind::flag:
        slot = {"true"};
        break;
    case ArgKind::value:
        slot = {value ? value : ""};
        break;
    case ArgKind::list:
        slot.emplace_back(value ? value : "");
        break;
    }
    return TRUE;
}

RawValues parse_command_line(int argc, char** argv, const std::vector<OptionSpec>& specs,
                             const LoaderSettings& settings) {
    CommandLineState state{&specs, {}};

    std::vector<GOptionEntry> entries;
    for (const auto& spec : specs) {
        GOptionEntry e{};
        e.long_name = spec.long_name.c_str();
        e.short_name = spec.short_name;
        e.flags = spec.kind == ArgKind::flag ? G_OPTION_FLAG_NO_ARG : G_OPTION_FLAG_NONE;
        e.arg = G_OPTION_ARG_CALLBACK;
        e.arg_data = reinterpret_cast<gpointer>(&on_option);
        e.description = spec.description.c_str();
        e.arg_description = spec.arg_description.empty() ? nullptr : spec.arg_description.c_str();
        entries.push_back(e);
    }
    entries.push_back(GOptionEntry{});

    std::unique_ptr<GOptionContext, OptionContextDeleter> context(
        g_option_context_new(settings.program_summary.c_str()));
    GOptionGroup* group = g_option_group_new("rtpengine", "Application Options", "Show application options",
                                             &state, nullptr);
    g_option_group_add_entries(group, entries.data());
    g_option_context_set_main_group(context.get(), group);

    // GLib rearranges argv; work on a copy so the caller's stays intact.
    std::vector<char*> args(argv, argv + argc);
    int count = argc;
    char** data = args.data();
    GError* raw_error = nullptr;
    if (!g_option_context_parse(context.get(), &count, &data, &raw_error)) {
        GErrorPtr error(raw_error);
        throw ConfigError(error ? error->message : "cannot parse the command line");
    }
    if (count > 1)
        throw ConfigError(std::string("unexpected argument '") + data[1] + "'");
    return std::move(state.values);
}

RawValues read_config_file(const std::string& path, const std::string& section, const std::vector<OptionSpec>& specs,
                           std::vector<std::string>& warnings) {
    std::unique_ptr<GKeyFile, KeyFileDeleter> kf(g_key_file_new());
    g_key_file_set_list_separator(kf.get(), ';');
    GError* raw_error = nullptr;
    if (!g_key_file_load_from_file(kf.get(), path.c_str(), G_KEY_FILE_NONE, &raw_error)) {
        GErrorPtr error(raw_error);
        throw ConfigError("cannot load config file '" + path + "': " + (error ? error->message : "unknown error"));
    }
    gsize key_count = 0;
    StrvPtr keys(g_key_file_get_keys(kf.get(), section.c_str(), &key_count, &raw_error));
    if (!keys) {
        GErrorPtr error(raw_error);
        throw ConfigError("config file '" + path + "' has no section [" + section + "]");
    }

    RawValues values;
    for (gsize i = 0; i < key_count; ++i) {
        const std::string key = keys.get()[i];
        const OptionSpec* spec = find_spec(specs, key);
        if (!spec || key == kConfigFile || key == kConfigSection) {
            warnings.push_back("config file '" + path + "': ignoring unknown key '" + key + "'");
            continue;
        }
        if (spec->kind == ArgKind::list) {
            gsize n = 0;
            StrvPtr list(g_key_file_get_string_list(kf.get(), section.c_str(), key.c_str(), &n, &raw_error));
            if (!list) {
                GErrorPtr error(raw_error);
                throw ConfigError("config file '" + path + "': invalid value for '" + key + "'");
            }
            auto& slot = values[key];
            // "a; b" is a common way to write a list; the spaces are not part of the items.
            for (gsize j = 0; j < n; ++j) {
                std::string item = g_strstrip(list.get()[j]);
                if (!item.empty())
                    slot.push_back(std::move(item));
            }
            continue;
        }
        gchar* raw = g_key_file_get_string(kf.get(), section.c_str(), key.c_str(), &raw_error);
        if (!raw) {
            GErrorPtr error(raw_error);
            throw ConfigError("config file '" + path + "': invalid value for '" + key + "'");
        }
        std::string text(raw);
        g_free(raw);
        if (spec->kind == ArgKind::flag) {
            auto b = parse_bool(text);
            if (!b)
                throw ConfigError("config file '" + path + "': option '" + key + "' needs true or false, not '" +
                                  text + "'");
            text = *b ? "true" : "false";
        }
        values[key] = {text};
    }
    return values;
}

std::string single_value(const RawValues& values, const char* key, const std::string& fallback) {
    auto it = values.find(key);
    return it == values.end() || it->second.empty() ? fallback : it->second.back();
}

}  // namespace

LoadResult load_options(int argc, char** argv, const std::vector<OptionSpec>& specs,
                        const LoaderSettings& settings) {
    std::vector<OptionSpec> all = specs;
    all.push_back({kConfigFile, 0, ArgKind::value, "FILE", "key file to read options from; none reads none", nullptr});
    all.push_back({kConfigSection, 0, ArgKind::value, "STRING", "section of the config file to use", nullptr});

    RawValues command_line = parse_command_line(argc, argv, all, settings);

    LoadResult result;
    result.config_file = single_value(command_line, kConfigFile, settings.default_config_file);
    result.config_section = single_value(command_line, kConfigSection, settings.default_config_section);
    const bool explicit_file = command_line.count(kConfigFile) != 0;

    RawValues merged;
    if (result.config_file == "none") {
        result.config_file.clear();
    } else if (!explicit_file && !g_file_test(result.config_file.c_str(), G_FILE_TEST_EXISTS)) {
        result.config_file.clear();
    } else {
        merged = read_config_file(result.config_file, result.config_section, all, result.warnings);
    }
    for (auto& [key, values] : command_line)
        merged[key] = std::move(values);

    // Unsupported options are reported before any value is judged: knowing that a feature is
    // missing matters more to an operator than a typo next to it.
    for (const auto& spec : all) {
        auto it = merged.find(spec.long_name);
        if (it == merged.end() || spec.apply)
            continue;
        // A config file may spell out an unsupported flag's default; only a real request is refused.
        if (spec.kind == ArgKind::flag && it->second == std::vector<std::string>{"false"})
            continue;
        if (spec.long_name != kConfigFile && spec.long_name != kConfigSection)
            throw ConfigError("option --" + spec.long_name + " is not supported yet");
    }
    // Table order makes the first reported error predictable.
    for (const auto& spec : all) {
        auto it = merged.find(spec.long_name);
        if (it != merged.end() && spec.apply)
            spec.apply(it->second);
    }
    return result;
}

}  // namespace rtpe::config
