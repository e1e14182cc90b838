// Parsing must never crash, whatever parses must print back as the very input bytes, and the
// edits a relay makes must leave a body that parses again.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sdp/session.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto first = rtpe::sdp::parse(input);
    if (!first)
        return 0;
    const std::string printed = rtpe::sdp::print(*first);
    if (printed != input)
        __builtin_trap();
    const auto second = rtpe::sdp::parse(printed);
    if (!second || *second != *first)
        __builtin_trap();
    // Typed views of whatever parsed must be safe to take as well.
    for (std::size_t i = 0; i < first->media().size(); ++i) {
        const auto media = first->media()[i].media();
        for (const auto& fmt : media.formats) {
            (void)first->media()[i].rtpmap(fmt);
            (void)first->media()[i].fmtp(fmt);
        }
        (void)first->media()[i].rtcp();
        (void)first->connection(i);
        (void)first->direction(i);
    }
    (void)first->origin();

    rtpe::sdp::Session edited = *first;
    edited.set_origin_address("IP6", "2001:db8::1");
    edited.session().set_connection({"IN", "IP4", "203.0.113.1", ""});
    for (auto& m : edited.media()) {
        if (!m.is_rejected())
            m.set_port(40000);
        m.set_connection({"IN", "IP6", "::", ""});
        m.set_direction(rtpe::sdp::Direction::sendonly);
        m.set_rtcp({40001, "IN", "IP4", "203.0.113.1"});
        m.set_attribute("rtcp-mux");
        m.add_attribute("candidate", "1 1 udp 1 203.0.113.1 40000 typ host");
        m.remove_attributes("ice-ufrag");
    }
    // Compared as text: dropping the only LF line of a mixed body rightly changes what the
    // reparse reports as the body's line endings.
    const std::string edited_text = rtpe::sdp::print(edited);
    const auto third = rtpe::sdp::parse(edited_text);
    if (!third || rtpe::sdp::print(*third) != edited_text || third->media().size() != edited.media().size())
        __builtin_trap();
    return 0;
}
