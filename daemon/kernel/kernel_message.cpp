#include "daemon/kernel/kernel_message.hpp"

#include "util/parse.hpp"

#include <algorithm>
#include <cstring>

#include "kernel-module/rtpengine_kernel_abi.h"

namespace rtpe::kernel {

static_assert(AF_INET == RTPE_KAF_INET && AF_INET6 == RTPE_KAF_INET6, "the ABI uses Linux's address family numbers");
static_assert(static_cast<uint32_t>(KernelCommand::add) == RTPE_KCMD_ADD_TARGET);
static_assert(static_cast<uint32_t>(KernelCommand::update) == RTPE_KCMD_UPDATE_TARGET);
static_assert(static_cast<uint32_t>(KernelCommand::remove) == RTPE_KCMD_DEL_TARGET);
static_assert(static_cast<uint32_t>(KernelCipher::aes_cm_128) == RTPE_KCIPHER_AES_CM_128);
static_assert(static_cast<uint32_t>(KernelCipher::aes_cm_256) == RTPE_KCIPHER_AES_CM_256);
static_assert(static_cast<uint32_t>(KernelCipher::aes_gcm_256) == RTPE_KCIPHER_AEAD_AES_GCM_256);
static_assert(static_cast<uint32_t>(KernelHmac::sha1) == RTPE_KHMAC_SHA1);
static_assert(kKernelSsrcSlots == RTPE_KABI_NUM_SSRC);

const std::size_t kMessageSize = sizeof(rtpe_kmsg);
const std::size_t kRecordSize = sizeof(rtpe_kstats_record);
const unsigned kAbiVersion = RTPE_KABI_VERSION;

namespace {

bool family_ok(const net::SocketAddress& a) {
    return a.family() == AF_INET || a.family() == AF_INET6;
}

rtpe_kaddr to_kaddr(const net::SocketAddress& a) {
    rtpe_kaddr k{};
    if (a.family() == AF_INET) {
        k.family = RTPE_KAF_INET;
        const in_addr v4 = a.ip().v4();
        std::memcpy(k.addr, &v4, sizeof(v4));
    } else if (a.family() == AF_INET6) {
        k.family = RTPE_KAF_INET6;
        const in6_addr v6 = a.ip().v6();
        std::memcpy(k.addr, &v6, sizeof(v6));
    } else {
        return k;  // family 0: not set
    }
    k.port = a.port();
    return k;
}

// family 0 gives an unset SocketAddress; false for a family the ABI does not have.
bool from_kaddr(const rtpe_kaddr& k, net::SocketAddress& out) {
    switch (k.family) {
    case RTPE_KAF_NONE:
        out = net::SocketAddress();
        return true;
    case RTPE_KAF_INET: {
        in_addr v4;
        std::memcpy(&v4, k.addr, sizeof(v4));
        out = net::SocketAddress(net::IpAddress::from_v4(v4), k.port);
        return true;
    }
    case RTPE_KAF_INET6: {
        in6_addr v6;
        std::memcpy(&v6, k.addr, sizeof(v6));
        out = net::SocketAddress(net::IpAddress::from_v6(v6), k.port);
        return true;
    }
    default:
        return false;
    }
}

KernelStatus refuse(const std::string& why) {
    return KernelStatus::failure(EINVAL, "kernel target refused: " + why);
}

rtpe_kcrypto to_kcrypto(const KernelCrypto& c) {
    rtpe_kcrypto k{};
    k.cipher = static_cast<uint32_t>(c.cipher);
    k.hmac = static_cast<uint32_t>(c.hmac);
    k.master_key_len = static_cast<rtpe_u32>(std::min(c.master_key.size(), sizeof(k.master_key)));
    std::copy_n(c.master_key.begin(), k.master_key_len, k.master_key);  // also when empty
    k.master_salt_len = static_cast<rtpe_u32>(std::min(c.master_salt.size(), sizeof(k.master_salt)));
    std::copy_n(c.master_salt.begin(), k.master_salt_len, k.master_salt);
    k.rtp_auth_tag_len = c.rtp_tag_length;
    k.rtcp_auth_tag_len = c.rtcp_tag_length;
    k.mki_len = static_cast<rtpe_u32>(std::min(c.mki.size(), sizeof(k.mki)));
    std::copy_n(c.mki.begin(), k.mki_len, k.mki);
    for (std::size_t i = 0; i < RTPE_KABI_NUM_SSRC; ++i) {
        k.roc[i] = c.roc[i];
        k.last_rtcp_index[i] = c.srtcp_index[i];
    }
    return k;
}

// What blist shows of a direction: everything but the key and salt (zeroed there).
bool from_kcrypto(const rtpe_kcrypto& k, KernelCrypto& c) {
    if (k.cipher > RTPE_KCIPHER_AEAD_AES_GCM_256 || k.hmac > RTPE_KHMAC_SHA1 || k.mki_len > sizeof(k.mki) ||
        k.rtp_auth_tag_len > 255 || k.rtcp_auth_tag_len > 255)
        return false;
    c = KernelCrypto{};
    c.cipher = static_cast<KernelCipher>(k.cipher);
    c.hmac = static_cast<KernelHmac>(k.hmac);
    c.rtp_tag_length = static_cast<uint8_t>(k.rtp_auth_tag_len);
    c.rtcp_tag_length = static_cast<uint8_t>(k.rtcp_auth_tag_len);
    c.mki.assign(k.mki, k.mki + k.mki_len);
    for (std::size_t i = 0; i < RTPE_KABI_NUM_SSRC; ++i) {
        c.roc[i] = k.roc[i];
        c.srtcp_index[i] = k.last_rtcp_index[i];
    }
    return true;
}

// "" when the module takes c, else why not (the errno in *error).
std::string crypto_problem(const KernelCrypto& c, int* error) {
    *error = EINVAL;
    if (c.plain()) {
        if (!c.master_key.empty() || !c.master_salt.empty() || c.rtp_tag_length || c.rtcp_tag_length ||
            !c.mki.empty())
            return "plain RTP with SRTP keys, tags or an MKI";
        return {};
    }
    std::size_t key_length = 0;
    switch (c.cipher) {
    case KernelCipher::null:
    case KernelCipher::aes_cm_128:
        key_length = 16;
        break;
    case KernelCipher::aes_cm_192:
        key_length = 24;
        break;
    case KernelCipher::aes_cm_256:
        key_length = 32;
        break;
    case KernelCipher::aes_f8:
    case KernelCipher::aes_gcm_128:
    case KernelCipher::aes_gcm_256:
        *error = EOPNOTSUPP;
        return "the module does not do AES-F8 or AES-GCM";
    default:
        return "unknown cipher " + std::to_string(static_cast<uint32_t>(c.cipher));
    }
    if (c.hmac != KernelHmac::sha1) {
        *error = c.hmac == KernelHmac::null ? EOPNOTSUPP : EINVAL;
        return "the module does SRTP only with HMAC-SHA1";
    }
    if (c.master_key.size() != key_length)
        return "master key of " + std::to_string(c.master_key.size()) + " bytes, the suite has " +
               std::to_string(key_length);
    if (c.master_salt.size() != 14)
        return "master salt of " + std::to_string(c.master_salt.size()) + " bytes, not 14";
    for (unsigned tag : {c.rtp_tag_length, c.rtcp_tag_length})
        if (tag != 4 && tag != 10)
            return "authentication tag of " + std::to_string(tag) + " bytes, not 4 or 10";
    if (c.mki.size() > 16)
        return "MKI of " + std::to_string(c.mki.size()) + " bytes, at most 16";
    return {};
}

rtpe_ktarget to_ktarget(const KernelTarget& t) {
    rtpe_ktarget k{};
    k.local = to_kaddr(t.local);
    if (t.expected_source)
        k.expected_src = to_kaddr(*t.expected_source);
    k.src = to_kaddr(t.send_from);
    k.dst = to_kaddr(t.destination);
    k.flags = (t.rtcp ? RTPE_KF_RTCP : 0u) | (t.payload_type_filter ? RTPE_KF_PT_FILTER : 0u) |
              (t.ssrc_check ? RTPE_KF_SSRC_CHECK : 0u) | (t.rtp_only ? RTPE_KF_RTP_ONLY : 0u);
    k.stats_slot = t.stats_slot;
    k.tos = t.tos;
    k.num_pt = static_cast<rtpe_u8>(t.payload_types.size());
    for (std::size_t i = 0; i < t.payload_types.size() && i < RTPE_KABI_MAX_PT; ++i)
        k.pt[i] = t.payload_types[i];
    k.num_ssrc = static_cast<rtpe_u8>(t.ssrcs.size());
    for (std::size_t i = 0; i < t.ssrcs.size() && i < RTPE_KABI_NUM_SSRC; ++i)
        k.ssrc[i] = t.ssrcs[i];
    k.decrypt = to_kcrypto(t.decrypt);
    k.encrypt = to_kcrypto(t.encrypt);
    return k;
}

bool from_ktarget(const rtpe_ktarget& k, KernelTarget& t) {
    net::SocketAddress expected;
    if (!from_kaddr(k.local, t.local) || !from_kaddr(k.expected_src, expected) || !from_kaddr(k.src, t.send_from) ||
        !from_kaddr(k.dst, t.destination))
        return false;
    if (k.num_pt > RTPE_KABI_MAX_PT || k.num_ssrc > RTPE_KABI_NUM_SSRC)
        return false;
    t.expected_source.reset();
    if (k.expected_src.family != RTPE_KAF_NONE)
        t.expected_source = expected;
    t.rtcp = k.flags & RTPE_KF_RTCP;
    t.payload_type_filter = k.flags & RTPE_KF_PT_FILTER;
    t.ssrc_check = k.flags & RTPE_KF_SSRC_CHECK;
    t.rtp_only = k.flags & RTPE_KF_RTP_ONLY;
    t.stats_slot = k.stats_slot;
    t.tos = k.tos;
    t.payload_types.assign(k.pt, k.pt + k.num_pt);
    t.ssrcs.assign(k.ssrc, k.ssrc + k.num_ssrc);
    return from_kcrypto(k.decrypt, t.decrypt) && from_kcrypto(k.encrypt, t.encrypt);
}

}  // namespace

KernelStatus validate(const KernelTarget& t) {
    if (!family_ok(t.local) || t.local.port() == 0)
        return refuse("the local address needs an IPv4 or IPv6 address and a port");
    if (!family_ok(t.destination) || t.destination.port() == 0)
        return refuse("the destination needs an IPv4 or IPv6 address and a port");
    if (t.send_from.family() != t.destination.family())
        return refuse("send-from " + t.send_from.to_string() + " and destination " + t.destination.to_string() +
                      " differ in address family");
    if (t.expected_source && !family_ok(*t.expected_source))
        return refuse("the expected source needs an IPv4 or IPv6 address");
    if (t.payload_types.size() > RTPE_KABI_MAX_PT)
        return refuse(std::to_string(t.payload_types.size()) + " payload types, at most " +
                      std::to_string(RTPE_KABI_MAX_PT));
    for (uint8_t pt : t.payload_types)
        if (pt > 127)
            return refuse("payload type " + std::to_string(pt) + " above 127");
    if (t.ssrcs.size() > RTPE_KABI_NUM_SSRC)
        return refuse(std::to_string(t.ssrcs.size()) + " SSRCs, at most " + std::to_string(RTPE_KABI_NUM_SSRC));
    for (const auto* c : {&t.decrypt, &t.encrypt}) {
        int error = 0;
        std::string why = crypto_problem(*c, &error);
        if (!why.empty())
            return KernelStatus::failure(error, std::string("kernel target refused: ") +
                                                    (c == &t.decrypt ? "decrypt: " : "encrypt: ") + why);
    }
    return {};
}

std::optional<KernelCrypto> kernel_crypto_for_suite(std::string_view suite, std::vector<uint8_t> master_key,
                                                    std::vector<uint8_t> master_salt, std::vector<uint8_t> mki) {
    struct Entry {
        std::string_view name;
        KernelCipher cipher;
        uint8_t rtp_tag;
    };
    static constexpr Entry kSuites[] = {
        {"AES_CM_128_HMAC_SHA1_80", KernelCipher::aes_cm_128, 10}, {"AES_CM_128_HMAC_SHA1_32", KernelCipher::aes_cm_128, 4},
        {"AES_192_CM_HMAC_SHA1_80", KernelCipher::aes_cm_192, 10}, {"AES_192_CM_HMAC_SHA1_32", KernelCipher::aes_cm_192, 4},
        {"AES_256_CM_HMAC_SHA1_80", KernelCipher::aes_cm_256, 10}, {"AES_256_CM_HMAC_SHA1_32", KernelCipher::aes_cm_256, 4},
        {"NULL_HMAC_SHA1_80", KernelCipher::null, 10},             {"NULL_HMAC_SHA1_32", KernelCipher::null, 4},
    };
    for (const auto& e : kSuites) {
        if (!equals_ignoring_case(e.name, suite))
            continue;
        KernelCrypto c;
        c.cipher = e.cipher;
        c.hmac = KernelHmac::sha1;
        c.master_key = std::move(master_key);
        c.master_salt = std::move(master_salt);
        c.rtp_tag_length = e.rtp_tag;
        c.rtcp_tag_length = 10;
        c.mki = std::move(mki);
        return c;
    }
    return std::nullopt;
}

std::vector<uint8_t> encode_message(KernelCommand cmd, const KernelTarget& target) {
    rtpe_kmsg m{};
    m.magic = RTPE_KABI_MAGIC;
    m.version = RTPE_KABI_VERSION;
    m.size = sizeof(rtpe_kmsg);
    m.cmd = static_cast<uint32_t>(cmd);
    if (cmd == KernelCommand::remove)
        m.target.local = to_kaddr(target.local);
    else
        m.target = to_ktarget(target);
    std::vector<uint8_t> bytes(sizeof(m));
    std::memcpy(bytes.data(), &m, sizeof(m));
    return bytes;
}

KernelStatus decode_record(std::span<const uint8_t> record, KernelTargetStats& out) {
    if (record.size() != sizeof(rtpe_kstats_record))
        return KernelStatus::failure(EPROTO, "blist record of " + std::to_string(record.size()) + " bytes, expected " +
                                                 std::to_string(sizeof(rtpe_kstats_record)));
    rtpe_kstats_record r;
    std::memcpy(&r, record.data(), sizeof(r));
    if (r.magic != RTPE_KABI_MAGIC || r.version != RTPE_KABI_VERSION || r.size != sizeof(r))
        return KernelStatus::failure(EPROTO, "blist record with magic " + std::to_string(r.magic) + ", version " +
                                                 std::to_string(r.version) + ", size " + std::to_string(r.size) +
                                                 ": the module does not speak this daemon's ABI version " +
                                                 std::to_string(RTPE_KABI_VERSION));
    KernelTargetStats s;
    if (!from_ktarget(r.target, s.target))
        return KernelStatus::failure(EPROTO, "blist record with a malformed target");
    s.packets = r.packets;
    s.bytes = r.bytes;
    s.errors = r.errors;
    s.userspace = r.userspace;
    s.last_packet_us = r.last_packet_us;
    s.pt_packets.assign(r.pt_packets, r.pt_packets + r.target.num_pt);
    for (std::size_t slot = 0; slot < kKernelSsrcSlots; ++slot) {
        const rtpe_kssrc_stats& c = r.ssrc_stats[slot];
        if (c.ssrc == 0 && c.packets == 0)
            continue;
        KernelSsrcCounters counters{c.ssrc, c.packets, c.bytes, slot, std::nullopt};
        if (c.srtp_seq & RTPE_KSEQ_SEEN)
            counters.srtp_seq = static_cast<uint16_t>(c.srtp_seq & 0xffff);
        s.ssrcs.push_back(counters);
    }
    out = std::move(s);
    return {};
}

KernelStatus decode_records(std::span<const uint8_t> bytes, std::vector<KernelTargetStats>& out) {
    const std::size_t n = bytes.size() / sizeof(rtpe_kstats_record);
    for (std::size_t i = 0; i < n; ++i) {
        KernelTargetStats s;
        auto status = decode_record(bytes.subspan(i * sizeof(rtpe_kstats_record), sizeof(rtpe_kstats_record)), s);
        if (!status)
            return status;
        out.push_back(std::move(s));
    }
    if (bytes.size() % sizeof(rtpe_kstats_record) != 0)
        return KernelStatus::failure(EPROTO, "blist ends in a partial record of " +
                                                 std::to_string(bytes.size() % sizeof(rtpe_kstats_record)) + " bytes");
    return {};
}

std::string describe(KernelCommand cmd, const KernelTarget& target) {
    const char* verb = cmd == KernelCommand::add ? "add" : cmd == KernelCommand::update ? "update" : "delete";
    return std::string(verb) + " target " + target.local.to_string();
}

}  // namespace rtpe::kernel
