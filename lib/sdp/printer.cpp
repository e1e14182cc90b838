#include "sdp/session.hpp"

namespace rtpe::sdp {

namespace {

std::size_t printed_size(const std::vector<Line>& lines) {
    std::size_t size = 0;
    for (const auto& line : lines)
        size += 2 + line.value.size() + (line.ending == LineEnding::crlf ? 2 : 1);
    return size;
}

void print_lines(const std::vector<Line>& lines, std::string& out) {
    for (const auto& line : lines) {
        out += line.type;
        out += '=';
        out += line.value;
        out += line.ending == LineEnding::crlf ? "\r\n" : "\n";
    }
}

}  // namespace

void print_to(const Session& session, std::string& out) {
    // One allocation for the whole body instead of one per doubling.
    std::size_t size = out.size() + printed_size(session.session_.lines()) + session.trailer_.size();
    for (const auto& m : session.media_)
        size += printed_size(m.lines());
    out.reserve(size);
    print_lines(session.session_.lines(), out);
    for (const auto& m : session.media_)
        print_lines(m.lines(), out);
    if (!session.final_line_ending_) {
        const auto& last = session.media_.empty() ? session.session_.lines() : session.media_.back().lines();
        if (!last.empty())
            out.resize(out.size() - (last.back().ending == LineEnding::crlf ? 2 : 1));
    }
    out += session.trailer_;
}

std::string print(const Session& session) {
    std::string out;
    print_to(session, out);
    return out;
}

}  // namespace rtpe::sdp
