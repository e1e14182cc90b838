#include "daemon/control/call_request_parser.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include "codec/telephone_event.hpp"
#include "daemon/control/ng_commands.hpp"
#include "daemon/control/ng_values.hpp"
#include "net/endpoint_spec.hpp"
#include "util/log.hpp"
#include "util/parse.hpp"

namespace rtpe::control {

namespace {

using call::CallRequest;
using call::IceMode;

// delay-buffer beyond this (ms) is taken as this: the playout ring holds no more.
constexpr int64_t kMaxDelayBufferMs = 5000;

// Flags come as "trust address", "trust-address" or "trust_address", in any case.
std::string canonical_flag(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text)
        out.push_back(c == ' ' || c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    return out;
}

void apply_flag(CallRequest& r, const std::string& flag) {
    struct Entry {
        const char* name;
        bool CallRequest::*field;
    };
    static constexpr Entry kFlags[] = {
        {"trust-address", &CallRequest::trust_address},
        {"sip-source-address", &CallRequest::sip_source_address},
        {"symmetric", &CallRequest::symmetric},
        {"asymmetric", &CallRequest::asymmetric},
        {"unidirectional", &CallRequest::unidirectional},
        {"strict-source", &CallRequest::strict_source},
        {"media-handover", &CallRequest::media_handover},
        {"port-latching", &CallRequest::port_latching},
        {"no-port-latching", &CallRequest::no_port_latching},
        {"no-rtcp-attribute", &CallRequest::no_rtcp_attribute},
        {"full-rtcp-attribute", &CallRequest::full_rtcp_attribute},
        {"loop-protect", &CallRequest::loop_protect},
        {"original-sendrecv", &CallRequest::original_sendrecv},
        {"generate-mid", &CallRequest::generate_mid},
        {"strip-extmap", &CallRequest::strip_extmap},
        {"reset", &CallRequest::reset},
        {"trickle-ice", &CallRequest::trickle_ice},
        {"reject-ice", &CallRequest::reject_ice},
        {"all", &CallRequest::all},
        {"always-transcode", &CallRequest::always_transcode},
        {"inject-dtmf", &CallRequest::inject_dtmf},
        {"single-codec", &CallRequest::single_codec},
        {"reuse-codecs", &CallRequest::reuse_codecs},
        {"no-codec-renegotiation", &CallRequest::reuse_codecs},
    };
    for (const auto& e : kFlags) {
        if (flag == e.name) {
            r.*(e.field) = true;
            return;
        }
    }
    // Flags upstream retired: its codec handling does what they asked for anyway. They are
    // logged as 10.5 logs them, not as unknown.
    for (const char* obsolete : {"asymmetric-codecs", "reorder-codecs"}) {
        if (flag == obsolete) {
            RTPE_LOG(core, log::kInfo, "Ignoring obsolete flag `%s`", obsolete);
            return;
        }
    }
    RTPE_LOG(control, log::kWarning, "Unknown flag encountered: '%s'", flag.c_str());
}

// One SDES option. Session parameter options come in all lower or all upper case, suite
// names as written (compared without case, as upstream does).
void apply_sdes_option(call::SdesRequest& s, const std::string& option) {
    std::string lower = option;
    for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "off" || lower == "no" || lower == "disable")
        s.off = true;
    else if (lower == "pad")
        s.pad = true;
    else if (lower == "lifetime")
        s.lifetime = true;
    else if (lower == "static")
        s.keep = true;
    else if (lower.rfind("no-", 0) == 0)
        s.excluded_suites.push_back(option.substr(3));
    else if (lower == "unencrypted_srtp" || lower == "encrypted_srtp")
        s.unencrypted_srtp = lower[0] == 'u';
    else if (lower == "unencrypted_srtcp" || lower == "encrypted_srtcp")
        s.unencrypted_srtcp = lower[0] == 'u';
    else if (lower == "unauthenticated_srtp" || lower == "authenticated_srtp")
        s.unauthenticated_srtp = lower[0] == 'u';
    else
        RTPE_LOG(control, log::kWarning, "Unknown 'SDES' flag encountered: '%s'", option.c_str());
}

void apply_osrtp_option(call::OsrtpRequest& o, const std::string& option) {
    if (option == "offer")
        o.offer = true;
    else if (option == "accept")
        o.accept = true;
    else
        RTPE_LOG(control, log::kWarning, "Unknown 'OSRTP' flag encountered: '%s'", option.c_str());
}

// One T.38 option, compared without case as 10.5 does ("no-V.17", "no-v17" alike).
void apply_t38_option(call::T38Request& t, const std::string& option) {
    std::string o = canonical_flag(option);
    std::erase(o, '.');
    struct Entry {
        const char* name;
        bool call::T38Request::*field;
    };
    static constexpr Entry kOptions[] = {
        {"decode", &call::T38Request::decode}, {"force", &call::T38Request::force},
        {"stop", &call::T38Request::stop},     {"fec", &call::T38Request::fec},
        {"no-ecm", &call::T38Request::no_ecm}, {"no-v17", &call::T38Request::no_v17},
        {"no-v27ter", &call::T38Request::no_v27ter}, {"no-v29", &call::T38Request::no_v29},
        {"no-v34", &call::T38Request::no_v34}, {"no-iaf", &call::T38Request::no_iaf},
        {"redundancy", &call::T38Request::redundancy},
        {"no-fill-bit-removal", &call::T38Request::no_fill_bit_removal},
        {"no-transcoding-mmr", &call::T38Request::no_transcoding_mmr},
        {"no-transcoding-jbig", &call::T38Request::no_transcoding_jbig},
        {"local-max-datagram", &call::T38Request::local_max_datagram},
    };
    for (const auto& e : kOptions)
        if (o == e.name) {
            t.*(e.field) = true;
            return;
        }
    RTPE_LOG(control, log::kWarning, "Unknown 'T.38' flag encountered: '%s'", option.c_str());
}

// One codec option: the codec key's list KEY, or a codec-KEY-VALUE flag. `offer` lists
// codecs to keep, as except does (10.5 does not reorder with it).
// The value of the first of a key's spellings the dictionary has.
const bencode::Value* find_spelling(const bencode::Value& d, std::initializer_list<const char*> spellings,
                                    const char*& key) {
    for (const char* k : spellings)
        if (const bencode::Value* v = d.find(k)) {
            key = k;
            return v;
        }
    return nullptr;
}

// A mode key (DTMF-security and its trigger forms): an unknown mode is logged and left.
void parse_mode(const bencode::Value& d, const char* key, media::DtmfMode& mode) {
    if (const std::string text = string_of(d, key); !text.empty()) {
        if (auto parsed = media::parse_dtmf_mode(text))
            mode = *parsed;
        else
            RTPE_LOG(control, log::kWarning, "Unknown DTMF block mode encountered: '%s'", text.c_str());
    }
}

// block DTMF's DTMF-security and the keys its modes take, as upstream reads them: an
// unknown mode is logged and drops (or, with a trigger, is off until the trigger, as in
// 10.5); frequencies come as a list (of integers or strings) or as one comma-separated
// string; volume in dB, a positive number counting as negative; digit (or code) as 0-15
// or one of 0-9*#A-D; the trigger keys in all their spellings.
void parse_dtmf_security(const bencode::Value& d, media::DtmfSecurity& s) {
    constexpr int64_t kMaxCount = std::numeric_limits<int32_t>::max();
    media::DtmfTriggers& t = s.triggers;
    const char* key = nullptr;
    if (find_spelling(d, {"trigger"}, key) && !t.start.assign(string_of(d, key)))
        RTPE_LOG(control, log::kWarning, "Invalid DTMF trigger '%s'", string_of(d, key).c_str());
    if (find_spelling(d, {"trigger-end", "trigger end", "end trigger", "end-trigger"}, key) &&
        !t.end.assign(string_of(d, key)))
        RTPE_LOG(control, log::kWarning, "Invalid DTMF end trigger '%s'", string_of(d, key).c_str());
    if (find_spelling(d, {"trigger-end-time", "trigger end time", "end-trigger-time", "end trigger time"}, key))
        t.end_ms = static_cast<uint32_t>(std::clamp<int64_t>(integer_of(d, key).value_or(0), 0, kMaxCount));
    if (find_spelling(d, {"trigger-end-digits", "trigger end digits", "end-trigger-digits", "end trigger digits"},
                      key))
        t.end_digits = static_cast<uint32_t>(std::clamp<int64_t>(integer_of(d, key).value_or(0), 0, kMaxCount));
    if (find_spelling(d, {"DTMF-delay", "DTMF delay", "dtmf-delay", "dtmf delay"}, key))
        s.delay_ms = static_cast<uint32_t>(std::clamp<int64_t>(integer_of(d, key).value_or(0), 0, kMaxCount));
    if (t.any())
        s.mode = media::DtmfMode::off;
    parse_mode(d, "DTMF-security", s.mode);
    parse_mode(d, "DTMF-security-trigger", t.start_mode);
    parse_mode(d, "DTMF-security-trigger-end", t.end_mode);
    const char* frequency_key = d.find("frequencies") ? "frequencies" : "frequency";
    std::vector<std::string> frequencies;
    if (const bencode::Value* v = d.find(frequency_key); v && v->is_list()) {
        for (const auto& item : v->as_list())
            frequencies.push_back(item.is_integer() ? std::to_string(item.as_integer())
                                  : item.is_string() ? item.as_string() : std::string());
    } else if (v) {
        const std::string list = string_of(d, frequency_key);
        for (std::string_view f : split(list, ','))
            frequencies.emplace_back(f);
    }
    std::size_t count = 0;
    for (const auto& text : frequencies)
        if (auto hz = parse_int(text); hz && *hz > 0 && *hz < 24000 && count < s.frequencies.size())
            s.frequencies[count++] = static_cast<uint16_t>(*hz);
    if (count)
        s.frequency_count = static_cast<uint8_t>(count);
    if (auto volume = integer_of(d, "volume"))
        s.volume = static_cast<uint8_t>(std::min<int64_t>(*volume < 0 ? -*volume : *volume, 63));
    const char* digit_key = d.find("digit") ? "digit" : "code";
    if (auto n = integer_of(d, digit_key); n && *n >= 0 && *n <= 15)
        s.digit = static_cast<uint8_t>(*n);
    else if (const std::string text = string_of(d, digit_key); text.size() == 1 && codec::dtmf_digit_to_event(text[0]) >= 0)
        s.digit = static_cast<uint8_t>(codec::dtmf_digit_to_event(text[0]));
}

void apply_codec_option(call::CodecRequest& c, std::string_view key, const std::string& value) {
    std::vector<std::string>* list = key == "strip"       ? &c.strip
                                     : key == "except"    ? &c.except
                                     : key == "offer"     ? &c.except
                                     : key == "mask"      ? &c.mask
                                     : key == "consume"   ? &c.consume
                                     : key == "transcode" ? &c.transcode
                                     : key == "accept"    ? &c.accept
                                     : key == "set"       ? &c.set
                                                          : nullptr;
    if (list)
        list->push_back(value);
    else
        RTPE_LOG(control, log::kWarning, "Unknown codec option '%.*s' encountered", static_cast<int>(key.size()),
                 key.data());
}

}  // namespace

CallRequest parse_call_request(const bencode::Value& d) {
    CallRequest r;
    r.call_id = string_of(d, "call-id");
    r.from_tag = string_of(d, "from-tag");
    r.to_tag = string_of(d, "to-tag");
    r.via_branch = string_of(d, "via-branch");
    r.label = string_of(d, "label");
    if (r.label.empty())
        r.label = string_of(d, "from-label");
    r.set_label = string_of(d, "set-label");
    r.to_label = string_of(d, "to-label");
    r.address = string_of(d, "address");
    if (auto all = string_of(d, "all"); !all.empty()) {
        if (all == "all")
            r.all = true;
        else if (all == "offer-answer")
            r.flows = call::FlowSelection::offer_answer;
        else if (all == "except-offer-answer")
            r.flows = call::FlowSelection::except_offer_answer;
        else if (all == "flows")
            r.flows = call::FlowSelection::flows;
        else if (all != "none")
            RTPE_LOG(control, log::kWarning, "Unknown 'all' value encountered: '%s'", all.c_str());
    }
    r.from_tags = strings_of(d, "from-tags");
    r.xmlrpc_callback = string_of(d, "xmlrpc-callback");
    if (const std::string* sdp = d.find_string("sdp"))
        r.sdp = *sdp;

    for (const auto& flag : strings_of(d, "flags")) {
        // SDES-... flags carry SDES options, suite names included, so they are not folded;
        // nor are codec-KEY-VALUE ones (codec names are case-sensitive).
        if (flag.size() > 6 && canonical_flag(flag.substr(0, 6)) == "codec-" && flag.find('-', 6) != std::string::npos) {
            const std::size_t dash = flag.find('-', 6);
            apply_codec_option(r.codec, canonical_flag(flag.substr(6, dash - 6)), flag.substr(dash + 1));
        } else if (flag.size() > 5 && canonical_flag(flag.substr(0, 5)) == "sdes-")
            apply_sdes_option(r.sdes, flag.substr(5));
        else if (flag.size() > 6 && canonical_flag(flag.substr(0, 6)) == "osrtp-")
            apply_osrtp_option(r.osrtp, flag.substr(6));
        else if (flag.size() > 5 && canonical_flag(flag.substr(0, 5)) == "t.38-")
            apply_t38_option(r.t38, flag.substr(5));
        else
            apply_flag(r, canonical_flag(flag));
    }
    if (const bencode::Value* codec = d.find("codec"); codec && codec->is_dictionary())
        for (const auto& [key, value] : codec->as_dictionary())
            for (const auto& v : strings_of(*codec, key))
                apply_codec_option(r.codec, canonical_flag(key), v);
    for (const auto& feature : strings_of(d, "supports"))
        if (feature == "load limit")
            r.supports_load_limit = true;
    for (const auto& what : strings_of(d, "replace")) {
        const std::string w = canonical_flag(what);
        if (w == "origin")
            r.replace_origin = true;
        else if (w == "session-connection" || w == "session-c-line")
            r.replace_session_connection = true;
        else if (w == "sdp-version")
            r.replace_sdp_version = true;
        else if (w == "username")
            r.replace_username = true;
        else if (w == "session-name")
            r.replace_session_name = true;
        else if (w == "origin-full")
            continue;  // known: upstream 10.5 gives it no effect
        else
            RTPE_LOG(control, log::kWarning, "Unknown 'replace' flag encountered: '%s'", what.c_str());
    }

    const auto direction = strings_of(d, "direction");
    for (std::size_t i = 0; i < direction.size() && i < 2; ++i)
        r.direction[i] = direction[i];

    if (auto af = string_of(d, "address-family"); !af.empty()) {
        if (af != "IP4" && af != "IP6")
            throw NgError("Invalid address-family");
        r.address_family = af;
    }
    if (auto ma = string_of(d, "media-address"); !ma.empty())
        r.media_address = ma;
    if (auto tp = string_of(d, "transport-protocol"); !tp.empty()) {
        if (tp != "RTP/AVP" && tp != "RTP/AVPF" && tp != "RTP/SAVP" && tp != "RTP/SAVPF" &&
            tp != "UDP/TLS/RTP/SAVP" && tp != "UDP/TLS/RTP/SAVPF")
            throw NgError("Transport protocol " + tp + " is not supported yet");
        r.transport_protocol = tp;
    }
    if (auto ice = string_of(d, "ICE"); !ice.empty()) {
        const std::string mode = canonical_flag(ice);
        if (mode == "remove")
            r.ice = IceMode::remove;
        else if (mode == "force")
            r.ice = IceMode::force;
        else if (mode == "default")
            r.ice = IceMode::default_mode;
        else if (mode == "optional")
            r.ice = IceMode::optional;
        else if (mode == "force-relay")
            r.ice = IceMode::force_relay;
        else
            throw NgError("ICE option '" + ice + "' is not supported yet");
    }
    if (auto lite = string_of(d, "ICE-lite"); !lite.empty()) {
        const std::string mode = canonical_flag(lite);
        if (mode == "forward")
            r.ice_lite = call::IceLite::forward;
        else if (mode == "backward")
            r.ice_lite = call::IceLite::backward;
        else if (mode == "both")
            r.ice_lite = call::IceLite::both;
        else if (mode == "off")
            r.ice_lite = call::IceLite::off;
        else
            RTPE_LOG(control, log::kWarning, "Unknown 'ICE-lite' flag encountered: '%s'", lite.c_str());
    }
    // Upstream matches these values exactly (no case folding, no flags- spelling).
    for (const auto& mux : strings_of(d, "rtcp-mux")) {
        if (mux == "offer")
            r.rtcp_mux.offer = true;
        else if (mux == "require")
            r.rtcp_mux.require = true;
        else if (mux == "demux")
            r.rtcp_mux.demux = true;
        else if (mux == "accept")
            r.rtcp_mux.accept = true;
        else if (mux == "reject")
            r.rtcp_mux.reject = true;
        else
            RTPE_LOG(control, log::kWarning, "Unknown 'rtcp-mux' flag encountered: '%s'", mux.c_str());
    }
    if (auto dtls = string_of(d, "DTLS"); !dtls.empty()) {
        const std::string mode = canonical_flag(dtls);
        if (mode == "off" || mode == "no" || mode == "disable")
            r.dtls_off = true;
        else if (mode == "passive" || mode == "active")
            r.dtls_passive = mode == "passive";
        else
            RTPE_LOG(control, log::kWarning, "Unknown 'DTLS' flag encountered: '%s'", dtls.c_str());
    }
    if (auto reverse = string_of(d, "DTLS-reverse"); !reverse.empty()) {
        const std::string mode = canonical_flag(reverse);
        if (mode == "passive" || mode == "active")
            r.dtls_reverse_passive = mode == "passive";
        else
            RTPE_LOG(control, log::kWarning, "Unknown 'DTLS-reverse' flag encountered: '%s'", reverse.c_str());
    }
    if (auto hash = string_of(d, "DTLS-fingerprint"); !hash.empty())
        r.dtls_fingerprint = hash;
    for (const auto& sdes : strings_of(d, "SDES"))
        apply_sdes_option(r.sdes, sdes);
    for (const auto& option : strings_of(d, "T.38"))
        apply_t38_option(r.t38, option);
    for (const auto& osrtp : strings_of(d, "OSRTP"))
        apply_osrtp_option(r.osrtp, osrtp);
    for (const auto& bundle : strings_of(d, "bundle")) {
        if (bundle == "accept")
            r.bundle_accept = true;
        else
            RTPE_LOG(control, log::kWarning, "Unsupported 'bundle' flag encountered: '%s'", bundle.c_str());
    }
    if (d.find("TOS")) {
        auto value = integer_of(d, "TOS");
        if (!value || *value < 0 || *value > 255)
            throw NgError("Invalid TOS value");
        r.tos = static_cast<int>(*value);
    }
    if (const bencode::Value* rf = d.find("received-from"); rf && rf->is_list() && rf->as_list().size() == 2 &&
                                                             rf->as_list()[1].is_string())
        r.received_from_address = rf->as_list()[1].as_string();
    // Packet times in ms (offers): towards the answerer, and back towards the offerer.
    for (auto [key, field] : {std::pair{"ptime", &CallRequest::ptime}, {"ptime-reverse", &CallRequest::ptime_reverse}})
        if (auto value = integer_of(d, key); value && *value > 0 && *value <= 1000)
            r.*field = static_cast<int>(*value);
    parse_dtmf_security(d, r.dtmf_security);
    if (auto value = integer_of(d, "delay-buffer"); value && *value >= 0)
        r.delay_buffer = static_cast<int>(std::min<int64_t>(*value, kMaxDelayBufferMs));
    if (auto dest = string_of(d, "DTMF-log-dest"); !dest.empty()) {
        auto parsed = net::parse_endpoint(dest);
        if (!parsed.error.empty())
            throw NgError("Invalid DTMF-log-dest: " + parsed.error);
        r.dtmf_log_dest = parsed.addresses.front();
    }
    if (const std::string* file = d.find_string("file"))
        r.media_file = *file;
    if (const std::string* blob = d.find_string("blob"))
        r.media_blob = *blob;
    r.media_db_id = integer_of(d, "db-id");
    if (auto n = integer_of(d, "repeat-times"); n && *n > 0)
        r.repeat_times = static_cast<int>(std::min<int64_t>(*n, 1000000));
    if (auto n = integer_of(d, "start-pos"); n && *n > 0)
        r.start_position = static_cast<int>(std::min<int64_t>(*n, 1 << 30));
    if (auto value = integer_of(d, "delete-delay"); value && *value >= 0)
        r.delete_delay = *value;
    if (const bencode::Value* rc = d.find("record-call"); rc && rc->is_string() && canonical_flag(rc->as_string()) == "yes")
        throw NgError("Call recording is not supported yet");
    return r;
}

}  // namespace rtpe::control
