#pragma once
// Command line and key-file options with upstream rtpengine's syntax: GLib's option parser
// for the command line, GLib's key files for the config file, command line winning.

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace rtpe::config {

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class ArgKind {
    flag,   // no argument on the command line; true/false in the config file
    value,  // one argument; the last occurrence wins
    list,   // repeatable on the command line; one ';'-separated key in the config file
};

struct OptionSpec {
    std::string long_name;
    char short_name = 0;
    ArgKind kind = ArgKind::value;
    std::string arg_description;
    std::string description;
    // Receives the final values (one for flag/value: "true"/"false" for flags) and stores
    // them; throws ConfigError naming what is wrong with a value. Empty means the option
    // is recognised but not supported yet: giving it stops startup.
    std::function<void(const std::vector<std::string>& values)> apply;
};

struct LoaderSettings {
    std::string program_summary;
    std::string default_config_file;
    std::string default_config_section;
};

struct LoadResult {
    std::string config_file;      // the file read, empty when none
    std::string config_section;
    std::vector<std::string> warnings;  // to be logged once logging is set up
};

// Parses argv, then the config file, and calls apply for every option that has a value.
// --config-file and --config-section are provided by the loader itself. --help prints
// the option list and exits, as GLib does. Throws ConfigError for every problem.
LoadResult load_options(int argc, char** argv, const std::vector<OptionSpec>& specs,
                        const LoaderSettings& settings);

}  // namespace rtpe::config
