// rtpengine-ctl: sends one text command to the daemon's CLI port (--listen-cli) and prints
// the reply. Command line, defaults, config-file lookup, usage text and exit statuses match
// the Perl tool shipped with upstream rtpengine, so scripts written against it keep working.

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

const char* const kUsage =
    "\n"
    "    rtpengine-ctl [ -ip <ipaddress>[:<port>] -port <port> ] <command>\n"
    "\n"
    "    Supported commands are:\n"
    "\n"
    "    help                       : generated complete list of commands\n"
    "\n"
    "    list <option>\n"
    "         help                  : generated complete list of sub-commands\n"
    "         numsessions           : print the number of sessions\n"
    "         maxsessions           : print the number of allowed sessions\n"
    "         maxopenfiles          : print the number of allowed open files\n"
    "         maxcpu                : print maxmimum CPU usage allowed\n"
    "         maxload               : print maxmimum load average allowed\n"
    "         maxbw                 : print maxmimum bandwidth usage average allowed\n"
    "         sessions <callid>     : print detail about one session\n"
    "         sessions all          : print one-liner all sessions information\n"
    "         sessions own          : print one-liner own sessions information\n"
    "         sessions foreign      : print one-liner foreign sessions information\n"
    "         totals                : print total statistics\n"
    "         jsonstats             : print total statistics in JSON format\n"
    "         timeout               : print timeout parameter\n"
    "         silenttimeout         : print silent-timeout parameter\n"
    "         finaltimeout          : print final-timeout parameter\n"
    "         offertimeout          : print offer-timeout parameter\n"
    "         loglevels             : print available log levels\n"
    "         loglevel              : print current log levels\n"
    "         loglevel <system>     : print one current log level\n"
    "         redisallowederrors    : print redis-allowed-errors parameter\n"
    "         redisdisabletime      : print redis-disable-time parameter\n"
    "         redisconnecttimeout   : print redis-connect-timeout parameter\n"
    "         rediscmdtimeout       : print redis-cmd-timeout parameter\n"
    "         controltos            : print control-tos parameter\n"
    "         deletedelay           : print delete-delay parameter\n"
    "         interfaces            : print local interface/port statistics\n"
    "         transcoders           : print transcoding statistics\n"
    "\n"
    "    get                        : get is an alias for list, same parameters apply\n"
    "\n"
    "    terminate <option>\n"
    "         <callid>              : session is immediately terminated\n"
    "         all                   : terminates all current sessions\n"
    "         own                   : terminates own current sessions\n"
    "         foreign               : terminates foreign current sessions\n"
    "\n"
    "    set <option>\n"
    "         help                  : generated complete list of sub-commands\n"
    "         maxsessions  <int>    : set the max nr of allowed sessions\n"
    "         maxopenfiles <uint>   : set the max nr of allowed open files\n"
    "         maxcpu <float>        : set maxmimum CPU usage allowed\n"
    "         maxload <float>       : set maxmimum load average allowed\n"
    "         maxbw <uint>          : set maxmimum bandwidth usage average allowed\n"
    "         timeout <uint>        : set the --timeout parameter \n"
    "         silenttimeout <uint>  : set the --silent-timeout parameter \n"
    "         finaltimeout <uint>   : set the --final-timeout parameter \n"
    "         offertimeout <uint>   : set the --offer-timeout parameter \n"
    "         loglevel <uint>       : set all log levels to new value (1-7)\n"
    "         loglevel <sys> <uint> : set one log level to new value (1-7)\n"
    "         redisallowederrors    : set the --redis-allowed-errors parameter\n"
    "         redisdisabletime      : set the --redis-disable-time parameter\n"
    "         redisconnecttimeout   : set the --redis-connect-timeout parameter\n"
    "         rediscmdtimeout       : set the --redis-cmd-timeout parameter\n"
    "         controltos            : set the --control-tos parameter\n"
    "         deletedelay           : set the --delete-delay parameter\n"
    "\n"
    "    params <option>\n"
    "         start                 : lists the initial values of all the configuration file parameters\n"
    "         current               : lists the present values of all the configuration file parameters\n"
    "         diff                  : compares initial and present values of all the configuration file parameters and lists the updated parameters\n"
    "         revert                : reverts the values of all the configuration file parameters to their initial values\n"
    "\n"
    "    ksadd [ keyspace <uint>]\n"
    "         keyspace <uint>       : subscribe to 'keyspace' database\n"
    "\n"
    "    ksrm [ keyspace <uint>]\n"
    "         keyspace <uint>       : unsubscribe to 'keyspace' database\n"
    "                               : remove all foreign calls for that 'keyspace'\n"
    "\n"
    "    kslist                     : print all currently subscribed keyspaces\n"
    "\n"
    "    active                     : set all running sessions to 'owned'\n"
    "    standby                    : set all running sessions to 'foreign'\n"
    "\n"
    "    debug <callid> <on/off>    : set debugging flag for given call\n"
    "\n"
    "\n"
    "    Return Value:\n"
    "    0 on success with output from server side, other values for failure.\n"
    "\n";

void usage() {
    std::fputs(kUsage, stdout);
    std::fflush(stdout);
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string trim(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && is_space(s[b])) ++b;
    while (e > b && is_space(s[e - 1])) --e;
    return s.substr(b, e - b);
}

bool all_digits(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// "[+-]digits", as an integer option accepts it.
std::optional<long long> parse_int(const std::string& s) {
    std::size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    if (!all_digits(s.substr(i))) return std::nullopt;
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == ERANGE) return std::nullopt;
    return v;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Simple "key = value" file with [sections]; '#' and ';' start comment lines.
// Returns nullopt (and a reason) on a line that is neither.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;

std::optional<IniFile> read_ini(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "Failed to open file '" + path + "' for reading: " + std::strerror(errno);
        return std::nullopt;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    std::string text = buf.str();
    // Lines end in LF, CR LF, CR CR LF or CR alone.
    std::vector<std::string> lines;
    std::string cur;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\n' || c == '\r') {
            lines.push_back(cur);
            cur.clear();
            if (c == '\r') {
                std::size_t j = i + 1;
                if (j < text.size() && text[j] == '\r' && j + 1 < text.size() && text[j + 1] == '\n')
                    i = j + 1;
                else if (j < text.size() && text[j] == '\n')
                    i = j;
            }
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) lines.push_back(cur);

    IniFile ini;
    std::string section = "_";
    int lineno = 0;
    for (auto line : lines) {
        ++lineno;
        std::string t = trim(line);
        std::size_t lead = line.find_first_not_of(" \t\f\v");
        if (t.empty() || (lead != std::string::npos && (line[lead] == '#' || line[lead] == ';'))) continue;
        // An inline comment is " ; " with whitespace on both sides.
        for (std::size_t p = 1; p + 2 < line.size(); ++p) {
            if (line[p] == ';' && is_space(line[p - 1]) && is_space(line[p + 1])) {
                line.erase(p - 1);
                break;
            }
        }
        t = trim(line);
        if (t.size() >= 2 && t.front() == '[' && t.back() == ']') {
            std::string name = trim(t.substr(1, t.size() - 2));
            if (!name.empty()) {
                section = name;
                ini[section];
                continue;
            }
        }
        std::size_t eq = line.find('=');
        if (eq != std::string::npos) {
            std::string key = trim(line.substr(0, eq));
            if (!key.empty()) {
                ini[section][key] = trim(line.substr(eq + 1));
                continue;
            }
        }
        error = "Syntax error at line " + std::to_string(lineno) + ": '" + line + "'";
        return std::nullopt;
    }
    return ini;
}

struct Options {
    std::optional<std::string> ip;
    std::optional<long long> port;
    std::string config_file = "/etc/rtpengine/rtpengine.conf";
};

// Long options with one or two dashes, "=value" or a separate word, unique prefixes,
// case-insensitive; parsing stops at the first non-option or after "--".
// Returns false when an option was bad (after reporting it); rest receives the command words.
bool parse_options(int argc, char** argv, Options& opt, std::vector<std::string>& rest, bool& help) {
    static const std::vector<std::string> names = {"help", "h", "ip", "port", "config-file"};
    bool ok = true;
    int i = 1;
    for (; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--") {
            ++i;
            break;
        }
        if (arg.size() < 2 || arg[0] != '-') break;
        std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
        std::optional<std::string> value;
        if (auto eq = body.find('='); eq != std::string::npos) {
            value = body.substr(eq + 1);
            body.erase(eq);
        }
        std::string key = lower(body);
        std::vector<std::string> hits;
        for (const auto& n : names) {
            if (n == key) {
                hits = {n};
                break;
            }
            if (!key.empty() && n.compare(0, key.size(), key) == 0) hits.push_back(n);
        }
        // "h" is only an alias of "help": a prefix matching both is still one option.
        if (hits.size() == 2 && hits[0] == "help" && hits[1] == "h") hits.resize(1);
        if (hits.size() != 1) {
            std::fprintf(stderr, hits.empty() ? "Unknown option: %s\n" : "Option %s is ambiguous\n", body.c_str());
            ok = false;
            continue;
        }
        const std::string& name = hits[0];
        if (name == "help" || name == "h") {
            help = true;
            return ok;
        }
        if (!value) {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "Option %s requires an argument\n", name.c_str());
                ok = false;
                continue;
            }
            value = argv[++i];
        }
        if (name == "ip") {
            opt.ip = *value;
        } else if (name == "config-file") {
            opt.config_file = *value;
        } else {
            auto v = parse_int(*value);
            if (!v) {
                std::fprintf(stderr, "Value \"%s\" invalid for option port (number expected)\n", value->c_str());
                ok = false;
                continue;
            }
            opt.port = *v;
        }
    }
    for (; i < argc; ++i) rest.emplace_back(argv[i]);
    return ok;
}

[[noreturn]] void die_errno(const char* what, int err) {
    std::fprintf(stderr, "%s %s\n", what, std::strerror(err));
    std::exit(err ? (err & 0xff) : 255);
}

int connect_to(const std::string& host_in, int port) {
    std::string host = host_in;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    addrinfo* res = nullptr;
    std::string service = std::to_string(port);
    if (getaddrinfo(host.c_str(), service.c_str(), &hints, &res) != 0 || !res)
        die_errno("Cannot connect to the rtpengine", EINVAL);
    int err = ECONNREFUSED;
    int fd = -1;
    // IPv4 first, as the original tool resolves host names to IPv4 only.
    for (int pass = 0; pass < 2 && fd < 0; ++pass) {
        for (addrinfo* ai = res; ai; ai = ai->ai_next) {
            if ((pass == 0) != (ai->ai_family == AF_INET)) continue;
            int s = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (s < 0) {
                err = errno;
                continue;
            }
            if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0) {
                fd = s;
                break;
            }
            err = errno;
            close(s);
        }
    }
    freeaddrinfo(res);
    if (fd < 0) die_errno("Cannot connect to the rtpengine", err);
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    std::vector<std::string> words;
    bool help = false;
    bool ok = parse_options(argc, argv, opt, words, help);
    if (help) {
        usage();
        return 0;
    }

    // The config file's [rtpengine] listen-cli fills in what the command line left open.
    if (access(opt.config_file.c_str(), F_OK) == 0) {
        std::string error;
        auto ini = read_ini(opt.config_file, error);
        if (!ini) {
            std::fprintf(stderr, "Failed to read config file: %s\n", error.c_str());
            return 255;
        }
        auto sec = ini->find("rtpengine");
        if (sec != ini->end()) {
            auto it = sec->second.find("listen-cli");
            if (it != sec->second.end()) {
                if (all_digits(it->second)) {
                    if (!opt.port) opt.port = parse_int(it->second).value_or(0);
                } else if (!opt.ip) {
                    opt.ip = it->second;
                }
            }
        }
    }

    if (opt.ip) {
        std::string& ip = *opt.ip;
        std::size_t colon = ip.rfind(':');
        if (colon != std::string::npos && all_digits(ip.substr(colon + 1))) {
            std::string p = ip.substr(colon + 1);
            ip.erase(colon);
            if (!opt.port || *opt.port == 0) opt.port = parse_int(p).value_or(0);
        }
    }

    std::string command;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (i) command += ' ';
        command += words[i];
    }
    command = trim(command);

    std::string ip = opt.ip.value_or("127.0.0.1");
    long long port = opt.port.value_or(9900);

    if (command.empty() || command == "0" || !ok || port <= 0 || port > 65535) {
        usage();
        return 1;
    }

    int fd = connect_to(ip, static_cast<int>(port));
    timeval tv{3, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    command += '\n';
    std::size_t sent = 0;
    while (sent < command.size()) {
        ssize_t n = send(fd, command.data() + sent, command.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }

    // Print the reply as it arrives, until the daemon closes the connection (or 3 s of silence).
    std::vector<char> buf(1 << 16);
    for (;;) {
        ssize_t n = recv(fd, buf.data(), buf.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        std::fwrite(buf.data(), 1, static_cast<std::size_t>(n), stdout);
    }
    close(fd);
    std::fflush(stdout);
    return 0;
}
