// Body to Session: one pass over the lines, no recursion, every limit checked before the
// memory it guards is spent.

#include <string>

#include "sdp/session.hpp"

namespace rtpe::sdp {

namespace {

std::optional<Session> fail(std::string* error, std::string reason) {
    if (error)
        *error = std::move(reason);
    return std::nullopt;
}

std::string at_line(std::size_t number, std::string_view reason) {
    return "line " + std::to_string(number) + ": " + std::string(reason);
}

bool is_type_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Whatever follows the last line may be blank lines, which some stacks append.
bool only_line_breaks(std::string_view rest) {
    return rest.find_first_not_of("\r\n") == std::string_view::npos;
}

// Per-section facts the whole-body checks at the end need.
struct SectionState {
    std::vector<Line> lines;
    std::size_t first_line_number = 0;
    bool has_connection = false;
    bool rejected = false;
};

}  // namespace

std::optional<Session> parse(std::string_view body, std::string* error) {
    if (body.empty())
        return fail(error, "empty body");
    if (body.size() > kMaxBodySize)
        return fail(error, "body too large (" + std::to_string(body.size()) + " bytes, limit " +
                               std::to_string(kMaxBodySize) + ")");

    Session session;
    SectionState head;
    std::vector<SectionState> media;
    bool seen_crlf = false;
    bool seen_lf = false;
    bool seen_origin = false;
    std::size_t number = 0;
    std::size_t pos = 0;

    while (pos < body.size()) {
        ++number;
        const std::size_t nl = body.find('\n', pos);
        const std::size_t end = nl == std::string_view::npos ? body.size() : nl;
        std::string_view text = body.substr(pos, end - pos);
        LineEnding ending = LineEnding::lf;
        if (nl == std::string_view::npos)
            session.final_line_ending_ = false;
        // A CR ends a line only together with LF; a bare one left at the end is rejected
        // below like any other stray CR.
        if (nl != std::string_view::npos && !text.empty() && text.back() == '\r') {
            text.remove_suffix(1);
            ending = LineEnding::crlf;
        }
        if (nl != std::string_view::npos)
            (ending == LineEnding::crlf ? seen_crlf : seen_lf) = true;

        if (text.empty()) {
            if (number == 1 || !only_line_breaks(body.substr(pos)))
                return fail(error, at_line(number, "empty line"));
            session.trailer_ = body.substr(pos);
            break;
        }
        if (text.size() > kMaxLineLength)
            return fail(error, at_line(number, "line too long (limit " + std::to_string(kMaxLineLength) + " bytes)"));
        if (text.size() < 2 || !is_type_char(text[0]) || text[1] != '=')
            return fail(error, at_line(number, "expected <type>=<value>"));
        const char type = text[0];
        const std::string_view value = text.substr(2);
        if (value.find_first_of(std::string_view("\0\r", 2)) != std::string_view::npos)
            return fail(error, at_line(number, "NUL or CR inside a line"));
        if (number == 1 && type != 'v')
            return fail(error, "missing v= line");

        std::string reason;
        if (type == 'm') {
            if (media.size() == kMaxMediaSections)
                return fail(error, at_line(number, "too many media sections (limit " +
                                                       std::to_string(kMaxMediaSections) + ")"));
            const auto m = parse_media(value, &reason);
            if (!m)
                return fail(error, at_line(number, reason));
            media.push_back(SectionState{{}, number, false, m->is_rejected()});
        }
        SectionState& section = media.empty() ? head : media.back();
        if (type == 'c') {
            if (section.has_connection)
                return fail(error, at_line(number, "duplicate c= line"));
            if (!parse_connection(value, &reason))
                return fail(error, at_line(number, reason));
            section.has_connection = true;
        } else if (type == 'o' && media.empty()) {
            if (seen_origin)
                return fail(error, at_line(number, "duplicate o= line"));
            if (!parse_origin(value, &reason))
                return fail(error, at_line(number, reason));
            seen_origin = true;
        }
        section.lines.push_back(Line{type, std::string(value), ending});
        pos = nl == std::string_view::npos ? body.size() : nl + 1;
    }

    if (!seen_origin)
        return fail(error, "missing o= line");
    for (const auto& m : media)
        if (!m.rejected && !m.has_connection && !head.has_connection)
            return fail(error, at_line(m.first_line_number, "missing c= line for this media section and the session"));

    session.line_endings_ = seen_crlf && seen_lf ? LineEndings::mixed : seen_lf ? LineEndings::lf : LineEndings::crlf;
    const LineEnding added = session.line_endings_ == LineEndings::lf ? LineEnding::lf : LineEnding::crlf;
    // The printer leaves the unterminated last line bare, but an edit may append after it,
    // and it should then end like the rest of the body.
    if (!session.final_line_ending_)
        (media.empty() ? head : media.back()).lines.back().ending = added;
    session.session_ = Section(std::move(head.lines), added, false);
    session.media_.reserve(media.size());
    for (auto& m : media)
        session.media_.emplace_back(std::move(m.lines), added);
    return session;
}

}  // namespace rtpe::sdp
