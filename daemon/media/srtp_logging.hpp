#pragma once
// --log-srtp-keys and --debug-srtp, as upstream 10.5 has them: the keys of every SRTP
// context made go to the debug log (to the error log with --log-srtp-keys); with
// --debug-srtp, every SRTCP packet and every 512th SRTP packet handled in userspace is
// logged with its SSRC, sequence number, length and the bytes around it.

#include <cstddef>
#include <cstdint>
#include <span>

#include "net/address.hpp"

namespace rtpe::srtp {
struct CryptoSuite;
}

namespace rtpe::media {

// Set once at start, before any media socket exists.
void set_srtp_logging(bool keys_to_error_log, bool debug_packets);
bool srtp_debug_packets();

// how: "SDES" or "DTLS"; incoming: the key that unprotects what the participant sends.
void log_srtp_key(const char* how, const net::SocketAddress& local, const srtp::CryptoSuite& suite,
                  std::span<const uint8_t> key, std::span<const uint8_t> salt, bool incoming);

// One packet around (un)protection, when --debug-srtp selects it (counter: per stream).
void debug_srtp_packet(const net::SocketAddress& local, const char* what, const uint8_t* data, std::size_t length,
                       bool rtcp, uint32_t& counter);

}  // namespace rtpe::media
