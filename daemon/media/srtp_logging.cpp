#include "daemon/media/srtp_logging.hpp"

#include <atomic>
#include <string>

#include "crypto/base64.hpp"
#include "srtp/suite.hpp"
#include "util/log.hpp"

namespace rtpe::media {

namespace {
std::atomic<bool> g_keys_to_error_log{false};
std::atomic<bool> g_debug_packets{false};
constexpr uint32_t kRtpPacketsPerLog = 512;

std::string hex(const uint8_t* data, std::size_t length) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < length; ++i) {
        out += kDigits[data[i] >> 4];
        out += kDigits[data[i] & 15];
    }
    return out;
}
}  // namespace

void set_srtp_logging(bool keys_to_error_log, bool debug_packets) {
    g_keys_to_error_log.store(keys_to_error_log, std::memory_order_relaxed);
    g_debug_packets.store(debug_packets, std::memory_order_relaxed);
}

bool srtp_debug_packets() {
    return g_debug_packets.load(std::memory_order_relaxed);
}

void log_srtp_key(const char* how, const net::SocketAddress& local, const srtp::CryptoSuite& suite,
                  std::span<const uint8_t> key, std::span<const uint8_t> salt, bool incoming) {
    const int level = g_keys_to_error_log.load(std::memory_order_relaxed) ? log::kErr : log::kDebug;
    std::vector<uint8_t> material(key.begin(), key.end());
    material.insert(material.end(), salt.begin(), salt.end());
    RTPE_LOG(srtp, level, "%s SRTP key for %s on %s: %.*s inline:%s", how, incoming ? "incoming" : "outgoing",
             local.to_string().c_str(), static_cast<int>(suite.name.size()), suite.name.data(),
             crypto::base64_encode(material).c_str());
}

void debug_srtp_packet(const net::SocketAddress& local, const char* what, const uint8_t* data, std::size_t length,
                       bool rtcp, uint32_t& counter) {
    if (!rtcp && counter++ % kRtpPacketsPerLog != 0)
        return;
    if (length < 8)
        return;
    const uint32_t ssrc = static_cast<uint32_t>(data[rtcp ? 4 : 8]) << 24 | static_cast<uint32_t>(data[rtcp ? 5 : 9]) << 16 |
                          static_cast<uint32_t>(data[rtcp ? 6 : 10]) << 8 | data[rtcp ? 7 : 11];
    const unsigned seq = rtcp ? 0 : (static_cast<unsigned>(data[2]) << 8 | data[3]);
    const std::size_t shown = length < 32 ? length : 32;
    RTPE_LOG(srtp, log::kDebug, "SRTP debug %s on %s: %s SSRC %08x seq %u length %zu, first bytes %s, last bytes %s",
             what, local.to_string().c_str(), rtcp ? "RTCP" : "RTP", ssrc, seq, length, hex(data, shown).c_str(),
             hex(data + length - (length < 16 ? length : 16), length < 16 ? length : 16).c_str());
}

}  // namespace rtpe::media
