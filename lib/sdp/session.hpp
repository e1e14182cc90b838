#pragma once
// A lossless model of an SDP body: every line is kept as written, in order, with its own line
// ending, so printing an unedited session gives back the input byte for byte. Typed views are
// parsed from the line text on demand, and edits rewrite only the lines they touch.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/fields.hpp"

namespace rtpe::sdp {

enum class LineEnding : uint8_t { crlf, lf };

// What the body as a whole used; decides the ending of lines added by edits.
enum class LineEndings : uint8_t { crlf, lf, mixed };

struct Line {
    char type = 0;
    // Everything after "x=" up to the line ending, unchanged.
    std::string value;
    LineEnding ending = LineEnding::crlf;

    bool operator==(const Line&) const = default;
};

// The session-level block or one media description: the lines up to the next m=.
class Section {
public:
    Section() = default;
    Section(std::vector<Line> lines, LineEnding new_line_ending, bool is_media)
        : lines_(std::move(lines)), new_line_ending_(new_line_ending), is_media_(is_media) {}

    const std::vector<Line>& lines() const { return lines_; }
    // Replaces the section's lines wholesale; for a media section the first must stay m=.
    void set_lines(std::vector<Line> lines) { lines_ = std::move(lines); }
    // The first line of the type, e.g. 's' or 'c'.
    const Line* find_line(char type) const;

    std::vector<Attribute> attributes() const;
    std::optional<Attribute> attribute(std::string_view name) const;
    std::vector<Attribute> attributes(std::string_view name) const;
    bool has_attribute(std::string_view name) const { return attribute(name).has_value(); }

    // Replaces the first a=name in place and drops any later ones, or appends a=name at
    // the end of the section when there is none. No value writes a flag attribute.
    void set_attribute(std::string_view name, std::optional<std::string_view> value = std::nullopt);
    // Appends another a=name even when some exist, for repeatable ones like candidate.
    void add_attribute(std::string_view name, std::optional<std::string_view> value = std::nullopt);
    // Returns how many lines went.
    std::size_t remove_attributes(std::string_view name);

    std::optional<Connection> connection() const;
    // Rewrites the c= line in place, or inserts one where RFC 8866 orders it.
    void set_connection(const Connection& connection);
    bool remove_connection();

    // Only what this section itself says; see Session::direction for the effective one.
    std::optional<Direction> direction() const;
    // Replaces the first direction attribute in place and drops the others, or appends one.
    void set_direction(Direction direction);

    std::optional<Rtcp> rtcp() const;
    void set_rtcp(const Rtcp& rtcp) { set_attribute("rtcp", format_rtcp(rtcp)); }

    bool operator==(const Section&) const = default;

protected:
    std::vector<Line> lines_;
    LineEnding new_line_ending_ = LineEnding::crlf;

private:
    // o= lives in the session-level section but only Session offers edits of it.
    friend class Session;

    void insert_line(std::size_t pos, char type, std::string value);
    std::vector<Line>::iterator find_attribute_line(std::string_view name);

    bool is_media_ = false;
};

// A media description; its first line is always a valid m= line.
class MediaSection : public Section {
public:
    MediaSection(std::vector<Line> lines, LineEnding new_line_ending)
        : Section(std::move(lines), new_line_ending, true) {}

    MediaDescription media() const;
    // Cheaper than media().port: no copy of the format list.
    uint16_t port() const;
    bool is_rejected() const { return port() == 0; }

    // Leaves every other m= field, including a /count, as written.
    void set_port(uint16_t port);
    void set_proto(std::string_view proto);

    std::optional<Rtpmap> rtpmap(std::string_view payload_type) const;
    std::optional<Fmtp> fmtp(std::string_view format) const;
};

class Session {
public:
    const Section& session() const { return session_; }
    Section& session() { return session_; }
    const std::vector<MediaSection>& media() const { return media_; }
    std::vector<MediaSection>& media() { return media_; }

    LineEndings line_endings() const { return line_endings_; }
    bool ends_with_line_ending() const { return final_line_ending_; }

    Origin origin() const;
    // Rewrites only the address type and address fields of o=.
    void set_origin_address(std::string_view addr_type, std::string_view address);
    void set_origin_version(std::string_view version);
    void set_origin_username(std::string_view username);
    // The s= value (empty when there is no s= line).
    std::string session_name() const;
    void set_session_name(std::string_view name);

    // The media section's c=, else the session's.
    std::optional<Connection> connection(std::size_t media_index) const;
    // The media section's direction, else the session's, else sendrecv (RFC 3264 5.1).
    Direction direction(std::size_t media_index) const;

    bool operator==(const Session&) const = default;

private:
    friend std::optional<Session> parse(std::string_view body, std::string* error);
    friend void print_to(const Session& session, std::string& out);

    Section session_;
    std::vector<MediaSection> media_;
    LineEndings line_endings_ = LineEndings::crlf;
    bool final_line_ending_ = true;
    // Blank lines after the last line, kept only so they print again.
    std::string trailer_;
};

// Bodies beyond these are rejected rather than parsed: the largest real offers (WebRTC with
// many candidates and simulcast) stay well under 16 KiB, and a SIP message over UDP has to
// fit 64 KiB anyway.
inline constexpr std::size_t kMaxBodySize = 64 * 1024;
inline constexpr std::size_t kMaxLineLength = 8 * 1024;
inline constexpr std::size_t kMaxMediaSections = 1000;

// Parses a whole body. On failure returns nullopt and, when error is given, a reason such
// as "line 7: invalid port in m= line". Never throws on bad input and never recurses.
std::optional<Session> parse(std::string_view body, std::string* error = nullptr);

void print_to(const Session& session, std::string& out);
std::string print(const Session& session);

}  // namespace rtpe::sdp
