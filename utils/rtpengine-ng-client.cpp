// rtpengine-ng-client: builds one ng request from command-line options, sends it over UDP
// (bencode, or JSON with --json) with a random cookie, resends on silence, and prints the
// SDP sent, the SDP received and the rest of the reply. Option names follow the Perl client
// shipped with upstream rtpengine; see rtpengine-ng-client(1).

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bencode/codec.hpp"
#include "bencode/value.hpp"
#include "json/json_codec.hpp"

using rtpe::bencode::Value;

namespace {

enum class Kind {
    String,    // key = "value"
    Integer,   // key = integer
    Flag,      // pushes its name onto "flags"
    Replace,   // pushes its name onto "replace"
    List,      // repeatable, key = [values]
    Codec,     // repeatable, codec.<sub> = [values]
    Special,   // handled by name below
};

struct OptionDef {
    const char* name;  // command-line name (without --)
    Kind kind;
    const char* key;   // ng key, flag or replace word, codec sub-key
    bool takes_value;
};

const OptionDef kOptions[] = {
    {"from-tag", Kind::String, "from-tag", true},
    {"to-tag", Kind::String, "to-tag", true},
    {"call-id", Kind::String, "call-id", true},
    {"via-branch", Kind::String, "via-branch", true},
    {"protocol", Kind::String, "transport protocol", true},
    {"transport-protocol", Kind::String, "transport protocol", true},
    {"media-address", Kind::String, "media address", true},
    {"ICE", Kind::String, "ICE", true},
    {"DTLS", Kind::String, "DTLS", true},
    {"address-family", Kind::String, "address family", true},
    {"xmlrpc-callback", Kind::String, "xmlrpc-callback", true},
    {"metadata", Kind::String, "metadata", true},
    {"address", Kind::String, "address", true},
    {"label", Kind::String, "label", true},
    {"set-label", Kind::String, "set-label", true},
    {"from-label", Kind::String, "from-label", true},
    {"to-label", Kind::String, "to-label", true},
    {"ptime", Kind::Integer, "ptime", true},
    {"TOS", Kind::Integer, "TOS", true},
    {"delete-delay", Kind::Integer, "delete-delay", true},
    {"trust-address", Kind::Flag, "trust address", false},
    {"sip-source-address", Kind::Flag, "sip source address", false},
    {"SIP-source-address", Kind::Flag, "SIP-source-address", false},
    {"no-rtcp-attribute", Kind::Flag, "no rtcp attribute", false},
    {"full-rtcp-attribute", Kind::Flag, "full rtcp attribute", false},
    {"symmetric", Kind::Flag, "symmetric", false},
    {"asymmetric", Kind::Flag, "asymmetric", false},
    {"unidirectional", Kind::Flag, "unidirectional", false},
    {"force", Kind::Flag, "force", false},
    {"strict-source", Kind::Flag, "strict source", false},
    {"media-handover", Kind::Flag, "media handover", false},
    {"reset", Kind::Flag, "reset", false},
    {"port-latching", Kind::Flag, "port latching", false},
    {"loop-protect", Kind::Flag, "loop protect", false},
    {"record-call", Kind::Flag, "record call", false},
    {"always-transcode", Kind::Flag, "always transcode", false},
    {"all", Kind::Flag, "all", false},
    {"pad-crypto", Kind::Flag, "pad crypto", false},
    {"generate-mid", Kind::Flag, "generate mid", false},
    {"original-sendrecv", Kind::Flag, "original sendrecv", false},
    {"symmetric-codecs", Kind::Flag, "symmetric codecs", false},
    {"asymmetric-codecs", Kind::Flag, "asymmetric codecs", false},
    {"single-codec", Kind::Flag, "single codec", false},
    {"allow-transcoding", Kind::Flag, "allow transcoding", false},
    {"no-codec-renegotiation", Kind::Flag, "no codec renegotiation", false},
    {"pierce-NAT", Kind::Flag, "pierce NAT", false},
    {"trickle-ICE", Kind::Flag, "trickle ICE", false},
    {"reject-ICE", Kind::Flag, "reject ICE", false},
    {"egress", Kind::Flag, "egress", false},
    {"replace-origin", Kind::Replace, "origin", false},
    {"replace-session-connection", Kind::Replace, "session connection", false},
    {"replace-sdp-version", Kind::Replace, "sdp version", false},
    {"replace-username", Kind::Replace, "username", false},
    {"replace-session-name", Kind::Replace, "session-name", false},
    {"replace-zero-address", Kind::Replace, "zero-address", false},
    {"received-from", Kind::List, "received-from", true},
    {"rtcp-mux", Kind::List, "rtcp-mux", true},
    {"SDES", Kind::List, "SDES", true},
    {"supports", Kind::List, "supports", true},
    {"OSRTP", Kind::List, "OSRTP", true},
    {"T38", Kind::List, "T.38", true},
    {"from-tags", Kind::List, "from-tags", true},
    {"flags", Kind::List, "flags", true},
    {"codec-strip", Kind::Codec, "strip", true},
    {"codec-offer", Kind::Codec, "offer", true},
    {"codec-transcode", Kind::Codec, "transcode", true},
    {"codec-mask", Kind::Codec, "mask", true},
    {"codec-set", Kind::Codec, "set", true},
    {"codec-consume", Kind::Codec, "consume", true},
    {"codec-accept", Kind::Codec, "accept", true},
    {"codec-except", Kind::Codec, "except", true},
    {"direction", Kind::Special, nullptr, true},
    {"sdp", Kind::Special, nullptr, true},
    {"sdp-file", Kind::Special, nullptr, true},
    {"proxy-address", Kind::Special, nullptr, true},
    {"proxy-port", Kind::Special, nullptr, true},
    {"timeout", Kind::Special, nullptr, true},
    {"retries", Kind::Special, nullptr, true},
    {"json", Kind::Special, nullptr, false},
    {"verbose", Kind::Special, nullptr, false},
    {"codec-options-flat", Kind::Special, nullptr, false},
    {"help", Kind::Special, nullptr, false},
};

void usage(FILE* out) {
    std::fputs(
        "Usage: rtpengine-ng-client [OPTIONS] COMMAND\n"
        "Sends one ng request (COMMAND: ping, offer, answer, delete, query, list, statistics, ...)\n"
        "to rtpengine over UDP and prints the reply.\n"
        "\n"
        "  --proxy-address=HOST   daemon's ng address (default localhost)\n"
        "  --proxy-port=PORT      daemon's ng port (default 2223)\n"
        "  --json                 speak JSON instead of bencode, print the reply as JSON\n"
        "  --timeout=SECS         wait this long for each reply (default 2)\n"
        "  --retries=N            send the request this many times at most (default 3)\n"
        "  --call-id, --from-tag, --to-tag, --via-branch, --label ... =STRING\n"
        "  --sdp=TEXT | --sdp-file=FILE\n"
        "  --flags=FLAG (repeatable), --trust-address, --symmetric, --asymmetric, ...\n"
        "  --replace-origin, --replace-session-connection, --replace-sdp-version, ...\n"
        "  --ICE=force|remove|..., --DTLS=..., --SDES=... (repeatable)\n"
        "  --direction=IFACE1,IFACE2   --address-family=IP4|IP6\n"
        "  --protocol|--transport-protocol=RTP/AVP|...   --media-address=IP\n"
        "  --received-from=WORD (repeatable: IP4 then the address)\n"
        "  --codec-strip|offer|transcode|mask|set|consume|accept|except=CODEC (repeatable)\n"
        "  --ptime=N, --TOS=N, --delete-delay=N\n"
        "  -v, --verbose          print the request before sending it\n"
        "See rtpengine-ng-client(1) for the whole list.\n",
        out);
}

[[noreturn]] void fail(const std::string& msg) {
    std::fprintf(stderr, "rtpengine-ng-client: %s\n", msg.c_str());
    std::exit(2);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("cannot read " + path + ": " + std::strerror(errno));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

long long to_int(const std::string& opt, const std::string& v) {
    char* end = nullptr;
    errno = 0;
    long long r = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end || errno) fail("option --" + opt + " needs an integer, not \"" + v + "\"");
    return r;
}

bool is_identifier(const std::string& s) {
    if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    return true;
}

std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\\' || c == '\'') out += '\\';
        out += c;
    }
    return out + "'";
}

// The reply in the style of Perl's Data::Dumper (sorted keys, two-space indent).
void dump(const Value& v, int depth, std::string& out) {
    std::string pad(static_cast<std::size_t>(depth + 1) * 2, ' ');
    std::string closing(static_cast<std::size_t>(depth) * 2, ' ');
    switch (v.type()) {
        case Value::Type::String: out += quote(v.as_string()); break;
        case Value::Type::Integer: out += std::to_string(v.as_integer()); break;
        // Decoded replies never hold pre-encoded values; show the text should one appear.
        case Value::Type::Encoded: out += quote(v.as_encoded()); break;
        case Value::Type::List: {
            const auto& l = v.as_list();
            if (l.empty()) {
                out += "[]";
                break;
            }
            out += "[\n";
            for (std::size_t i = 0; i < l.size(); ++i) {
                out += pad;
                dump(l[i], depth + 1, out);
                out += i + 1 < l.size() ? ",\n" : "\n";
            }
            out += closing + "]";
            break;
        }
        case Value::Type::Dictionary: {
            std::vector<const std::pair<std::string, Value>*> items;
            for (const auto& kv : v.as_dictionary()) items.push_back(&kv);
            std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->first < b->first; });
            if (items.empty()) {
                out += "{}";
                break;
            }
            out += "{\n";
            for (std::size_t i = 0; i < items.size(); ++i) {
                out += pad + (is_identifier(items[i]->first) ? items[i]->first : quote(items[i]->first)) + " => ";
                dump(items[i]->second, depth + 1, out);
                out += i + 1 < items.size() ? ",\n" : "\n";
            }
            out += closing + "}";
            break;
        }
    }
}

const char* const kCut = "-----8<-----8<-----8<-----8<-----8<-----\n";
const char* const kEnd = "----->8----->8----->8----->8----->8-----\n";

std::string random_cookie() {
    std::random_device rd;
    std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(getpid()));
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string c;
    for (int i = 0; i < 16; ++i) c += digits[gen() % 36];
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    std::string proxy_address = "localhost";
    std::string proxy_port = "2223";
    double timeout = 2.0;
    int retries = 3;
    bool json = false, verbose = false, codec_flat = false;
    std::optional<std::string> sdp, sdp_file;
    std::optional<std::pair<std::string, std::string>> direction;
    std::vector<std::string> positional;

    // Values in the order they are set; merged into the request below.
    std::vector<std::pair<std::string, Value>> strings;
    std::vector<std::string> flags, replace, extra_flags;
    std::map<std::string, std::vector<std::string>> lists, codecs;
    std::vector<std::string> list_order, codec_order;

    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--") {
            for (++i; i < argc; ++i) positional.emplace_back(argv[i]);
            break;
        }
        if (arg.size() < 2 || arg[0] != '-') {
            positional.push_back(arg);
            continue;
        }
        if (arg == "-v") arg = "--verbose";
        if (arg == "-h") arg = "--help";
        std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
        std::optional<std::string> value;
        if (auto eq = body.find('='); eq != std::string::npos) {
            value = body.substr(eq + 1);
            body.erase(eq);
        }
        const OptionDef* def = nullptr;
        for (const auto& d : kOptions)
            if (body == d.name) def = &d;
        if (!def) {
            std::fprintf(stderr, "Unknown option: %s\n", body.c_str());
            usage(stderr);
            return 2;
        }
        if (def->takes_value && !value) {
            if (i + 1 >= argc) fail("option --" + body + " requires an argument");
            value = argv[++i];
        }
        if (!def->takes_value && value) fail("option --" + body + " takes no argument");
        std::string name = def->name;
        switch (def->kind) {
            case Kind::String: strings.emplace_back(def->key, Value::string(*value)); break;
            case Kind::Integer: strings.emplace_back(def->key, Value::integer(to_int(name, *value))); break;
            case Kind::Flag: flags.push_back(def->key); break;
            case Kind::Replace: replace.push_back(def->key); break;
            case Kind::List:
                if (name == "flags") {
                    extra_flags.push_back(*value);
                } else {
                    if (!lists.count(def->key)) list_order.push_back(def->key);
                    lists[def->key].push_back(*value);
                }
                break;
            case Kind::Codec:
                if (!codecs.count(def->key)) codec_order.push_back(def->key);
                codecs[def->key].push_back(*value);
                break;
            case Kind::Special:
                if (name == "help") {
                    usage(stdout);
                    return 0;
                } else if (name == "json") {
                    json = true;
                } else if (name == "verbose") {
                    verbose = true;
                } else if (name == "codec-options-flat") {
                    codec_flat = true;
                } else if (name == "proxy-address") {
                    proxy_address = *value;
                } else if (name == "proxy-port") {
                    proxy_port = *value;
                } else if (name == "timeout") {
                    char* end = nullptr;
                    timeout = std::strtod(value->c_str(), &end);
                    if (*end || timeout <= 0) fail("option --timeout needs a positive number");
                } else if (name == "retries") {
                    retries = static_cast<int>(to_int(name, *value));
                    if (retries < 1) fail("option --retries needs at least 1");
                } else if (name == "sdp") {
                    sdp = *value;
                } else if (name == "sdp-file") {
                    sdp_file = *value;
                } else if (name == "direction") {
                    auto comma = value->rfind(',');
                    if (comma == std::string::npos) fail("option --direction needs IFACE1,IFACE2");
                    direction = std::make_pair(value->substr(0, comma), value->substr(comma + 1));
                }
                break;
        }
    }
    if (positional.size() != 1) {
        usage(stderr);
        return 2;
    }

    Value req = Value::dictionary();
    req.set("command", positional[0]);
    for (auto& [k, v] : strings) req.set(k, v);
    if (!sdp && sdp_file) sdp = slurp(*sdp_file);
    if (direction) {
        Value d = Value::list();
        d.push_back(Value::string(direction->first));
        d.push_back(Value::string(direction->second));
        req.set("direction", d);
    }
    for (const auto& k : list_order) {
        Value l = Value::list();
        for (const auto& s : lists[k]) l.push_back(Value::string(s));
        req.set(k, l);
    }
    for (const auto& sub : codec_order) {
        if (codec_flat) {
            for (const auto& c : codecs[sub]) flags.push_back("codec-" + sub + "-" + c);
        } else {
            Value* codec = req.find("codec");
            if (!codec) codec = &req.set("codec", Value::dictionary());
            Value l = Value::list();
            for (const auto& s : codecs[sub]) l.push_back(Value::string(s));
            codec->set(sub, l);
        }
    }
    for (const auto& f : extra_flags) flags.push_back(f);
    if (!flags.empty()) {
        Value l = Value::list();
        for (const auto& s : flags) l.push_back(Value::string(s));
        req.set("flags", l);
    }
    if (!replace.empty()) {
        Value l = Value::list();
        for (const auto& s : replace) l.push_back(Value::string(s));
        req.set("replace", l);
    }
    if (sdp) req.set("sdp", *sdp);

    if (verbose) {
        std::string out;
        dump(req, 0, out);
        std::printf("Request:\n%s\n", out.c_str());
    }
    if (sdp) std::printf("Old SDP:\n%s%s\n%s", kCut, sdp->c_str(), kEnd);
    std::fflush(stdout);

    // Resolve and connect a UDP socket to the daemon.
    std::string host = proxy_address;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* res = nullptr;
    if (int rc = getaddrinfo(host.c_str(), proxy_port.c_str(), &hints, &res); rc != 0 || !res)
        fail("cannot resolve " + proxy_address + ":" + proxy_port + ": " + gai_strerror(rc));
    int fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) fail(std::string("socket: ") + std::strerror(errno));
    freeaddrinfo(res);

    std::string cookie = random_cookie();
    std::string datagram = cookie + " " + (json ? rtpe::json::encode(req) : rtpe::bencode::encode(req));
    std::string reply;
    bool got = false;
    for (int attempt = 0; attempt < retries && !got; ++attempt) {
        if (send(fd, datagram.data(), datagram.size(), 0) < 0) fail(std::string("send: ") + std::strerror(errno));
        pollfd p{fd, POLLIN, 0};
        int remaining = static_cast<int>(timeout * 1000);
        while (remaining > 0 && !got) {
            int r = poll(&p, 1, remaining);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            std::vector<char> buf(65536);
            ssize_t n = recv(fd, buf.data(), buf.size(), 0);
            if (n < 0) {
                // e.g. ECONNREFUSED from an ICMP port unreachable: wait out the attempt.
                poll(nullptr, 0, remaining);
                break;
            }
            std::string d(buf.data(), static_cast<std::size_t>(n));
            // Replies to other cookies (a stale resend) are ignored.
            if (d.size() > cookie.size() && d.compare(0, cookie.size() + 1, cookie + " ") == 0) {
                reply = d.substr(cookie.size() + 1);
                got = true;
            }
        }
    }
    close(fd);
    if (!got) fail("no reply from " + proxy_address + ":" + proxy_port);

    std::string error;
    std::optional<Value> resp = json ? rtpe::json::decode(reply, &error) : rtpe::bencode::decode(reply, &error);
    if (!resp || !resp->is_dictionary()) fail("undecodable reply (" + error + "): " + reply);

    const std::string* result = resp->find_string("result");
    if (!result) fail("reply without result: " + reply);
    if (*result == "error") {
        const std::string* reason = resp->find_string("error-reason");
        std::fprintf(stderr, "Error reason: \"%s\"\n", reason ? reason->c_str() : "");
        return 1;
    }

    // What is left after the SDP (and an "ok" result) is shown as a dictionary.
    Value rest = Value::dictionary();
    std::optional<std::string> new_sdp;
    for (const auto& [k, v] : resp->as_dictionary()) {
        if (k == "result" && *result == "ok") continue;
        if (k == "sdp" && v.is_string()) {
            new_sdp = v.as_string();
            continue;
        }
        rest.set(k, v);
    }
    if (new_sdp) std::printf("New SDP:\n%s%s\n%s", kCut, new_sdp->c_str(), kEnd);
    if (!new_sdp || !rest.as_dictionary().empty()) {
        std::string out;
        if (json)
            out = rtpe::json::encode(rest);
        else
            dump(rest, 0, out);
        std::printf("Result dictionary:\n%s%s\n%s", kCut, out.c_str(), kEnd);
    }
    return 0;
}
