#pragma once
// ICE candidates as SDP carries them (RFC 8839 5.1) and the numbers RFC 8445 derives
// from them: candidate and pair priorities, foundations, credentials.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/address.hpp"

namespace rtpe::ice {

enum class CandidateType : uint8_t { host, srflx, prflx, relay };
enum class Transport : uint8_t { udp, tcp, other };

std::string_view to_string(CandidateType type);

// One a=candidate line. Everything a peer wrote is kept so that a line formats back
// exactly as it came (Chrome writes "udp", Firefox "UDP"; extensions stay in order).
struct Candidate {
    std::string foundation;  // 1-32 ice-chars
    unsigned component = 1;  // 1-256
    Transport transport = Transport::udp;
    std::string transport_name;  // as written; empty: "UDP"
    uint32_t priority = 0;
    // An IP literal, or a host name (Chrome's mDNS "<uuid>.local"), which this code
    // cannot use but keeps.
    std::string address;
    uint16_t port = 0;
    CandidateType type = CandidateType::host;
    std::optional<std::string> related_address;
    std::optional<uint16_t> related_port;
    // generation, ufrag, network-id, network-cost, tcptype and any unknown ones.
    std::vector<std::pair<std::string, std::string>> extensions;

    // The address as a socket address; nullopt for a host name.
    std::optional<net::SocketAddress> socket_address() const;
    std::optional<std::string_view> extension(std::string_view name) const;

    bool operator==(const Candidate&) const = default;
};

// The value of an a=candidate attribute ("<foundation> <component> <transport> ...");
// a leading "a=candidate:" or "candidate:" is accepted too. nullopt when malformed.
std::optional<Candidate> parse_candidate(std::string_view value);
// The attribute value, without "candidate:".
std::string format_candidate(const Candidate& candidate);

// RFC 8445 5.1.2.1: type preferences: host 126, prflx 110, srflx 100, relay 0.
uint32_t type_preference(CandidateType type);
// RFC 8445 5.1.2.1: 2^24 * type pref + 2^8 * local pref + (256 - component).
uint32_t candidate_priority(CandidateType type, uint16_t local_preference, unsigned component);
// RFC 8445 6.1.2.3: 2^32 * min(G, D) + 2 * max(G, D) + (G > D ? 1 : 0), G being the
// controlling agent's candidate priority.
uint64_t pair_priority(uint32_t controlling, uint32_t controlled);

// A foundation for our host candidates: the same for every candidate on one base
// address (RFC 8445 5.1.1.3), different between addresses, stable across calls so that
// a re-offer does not look like new candidates. Shaped as upstream's (16 letters and
// digits, random per run): a keyed hash of the address with a key made at start.
std::string host_foundation(const net::IpAddress& base);

// ice-char = ALPHA / DIGIT / "+" / "/"
bool is_ice_chars(std::string_view text);
// Random letters and digits (a subset of ice-chars, and what upstream's credentials and
// foundations are made of).
std::string random_alphanumeric(std::size_t count);

struct Credentials {
    std::string ufrag;  // >= 4 ice-chars (RFC 8839 5.4)
    std::string pwd;    // >= 22 ice-chars

    bool empty() const { return ufrag.empty() && pwd.empty(); }
    bool operator==(const Credentials&) const = default;
};

inline constexpr std::size_t kUfragLength = 8;
inline constexpr std::size_t kPwdLength = 26;
Credentials generate_credentials();

}  // namespace rtpe::ice
