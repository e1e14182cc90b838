#pragma once
// The two legacy control protocols upstream still speaks: rtpproxy's over UDP (U/L/D/Q/V,
// --listen-udp) and OpenSER mediaproxy's line protocol over TCP (request/lookup/delete/
// status/..., --listen-tcp). Each command becomes the equivalent offer/answer/delete/query
// on the call model, with an SDP body made up from the addresses and ports the command
// names; the port and address of the rewritten SDP are answered the legacy way. Runs on
// the control thread only, like every call operation.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/call/call_service.hpp"

namespace rtpe::control {

class LegacyCalls {
public:
    // silent_timeout: what the Q command counts down from.
    LegacyCalls(call::CallService& service, int silent_timeout) : service_(service), silent_timeout_(silent_timeout) {}

    // One rtpproxy datagram in, the whole reply out (cookie first, newline last); empty
    // when nothing is to be answered (a datagram without even a cookie).
    std::string rtpproxy(std::string_view datagram, const std::string& sender);

    struct LineReply {
        std::string text;  // may be empty
        bool answered = false;  // false: the line was not understood; close without a word
    };
    // One mediaproxy line (without its newline) in; connected lists the control
    // connections open now, for "controls".
    LineReply mediaproxy(std::string_view line, const std::vector<std::string>& connected);

    // Known media per call and tag, so that a command about stream 2 can repeat stream 1 in
    // the SDP it makes up. Exposed for tests.
    std::size_t remembered_calls() const { return media_.size(); }

private:
    struct Endpoint {
        std::string address;
        uint16_t port = 0;
    };
    using TagMedia = std::map<int, Endpoint>;                     // by 1-based stream index
    using CallMedia = std::map<std::string, TagMedia>;            // by tag

    std::string rtpproxy_update(bool lookup, std::string_view cookie, std::string_view modifiers,
                                const std::vector<std::string_view>& args, const std::string& sender);
    std::string rtpproxy_delete(std::string_view cookie, const std::vector<std::string_view>& args);
    std::string rtpproxy_query(std::string_view cookie, const std::vector<std::string_view>& args);
    std::string mediaproxy_offer_answer(bool lookup, const std::vector<std::string_view>& tokens);
    std::string mediaproxy_status();

    // Makes up the SDP a participant with these streams would have sent.
    static std::string make_sdp(const TagMedia& media, std::string_view payload_types);
    // Forgets the media of calls the registry no longer has.
    void prune();

    call::CallService& service_;
    const int silent_timeout_;
    std::map<std::string, CallMedia> media_;  // by call-id
};

}  // namespace rtpe::control
