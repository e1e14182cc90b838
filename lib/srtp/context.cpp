#include "srtp/context.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace rtpe::srtp {

namespace {
constexpr std::size_t kRtpHeader = 12;
constexpr std::size_t kRtcpHeader = 8;
constexpr std::size_t kSrtcpIndexLength = 4;
constexpr uint32_t kEFlag = 0x80000000u;
constexpr uint32_t kSrtcpIndexMask = 0x7fffffffu;
constexpr std::size_t kMaxMki = 128;  // RFC 4568 5.1: MKI length 1..128 bytes

uint16_t get16(const uint8_t* p) {
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
uint32_t get32(const uint8_t* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
void put32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

// Comparison time independent of where the first difference is.
bool equal_constant_time(const uint8_t* a, const uint8_t* b, std::size_t n) {
    uint8_t diff = 0;
    for (std::size_t i = 0; i < n; ++i)
        diff |= static_cast<uint8_t>(a[i] ^ b[i]);
    return diff == 0;
}

// Length of the RTP header with CSRCs and extension, or 0 when it does not fit in
// [0, limit).
std::size_t rtp_header_length(const uint8_t* p, std::size_t limit) {
    if (limit < kRtpHeader)
        return 0;
    std::size_t n = kRtpHeader + 4 * std::size_t{p[0] & 0x0fu};
    if (p[0] & 0x10) {
        if (n + 4 > limit)
            return 0;
        n += 4 + 4 * std::size_t{get16(p + n + 2)};
    }
    return n <= limit ? n : 0;
}

// RFC 3711 4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16).
crypto::AesBlock cm_iv(const SessionKeys& keys, uint32_t ssrc, uint64_t index) {
    crypto::AesBlock iv{};
    std::memcpy(iv.data(), keys.salt.data(), 14);
    iv[4] ^= static_cast<uint8_t>(ssrc >> 24);
    iv[5] ^= static_cast<uint8_t>(ssrc >> 16);
    iv[6] ^= static_cast<uint8_t>(ssrc >> 8);
    iv[7] ^= static_cast<uint8_t>(ssrc);
    for (int i = 0; i < 6; ++i)
        iv[13 - i] ^= static_cast<uint8_t>(index >> (8 * i));
    return iv;
}

// RFC 7714 8.1 and 9.1: 12 bytes, SSRC at 2..5, then ROC||SEQ (SRTP) or 0||index (SRTCP)
// at 6..11, XOR the session salt.
crypto::AesGcm::Iv gcm_iv(const SessionKeys& keys, uint32_t ssrc, uint64_t low48) {
    crypto::AesGcm::Iv iv{};
    iv[2] = static_cast<uint8_t>(ssrc >> 24);
    iv[3] = static_cast<uint8_t>(ssrc >> 16);
    iv[4] = static_cast<uint8_t>(ssrc >> 8);
    iv[5] = static_cast<uint8_t>(ssrc);
    for (int i = 0; i < 6; ++i)
        iv[11 - i] = static_cast<uint8_t>(low48 >> (8 * i));
    for (std::size_t i = 0; i < iv.size(); ++i)
        iv[i] ^= keys.salt[i];
    return iv;
}

bool power_of_two_up_to_2_24(uint64_t v) {
    return v != 0 && (v & (v - 1)) == 0 && v <= (uint64_t{1} << 24);
}

}  // namespace

std::string_view to_string(Status status) {
    switch (status) {
    case Status::ok: return "ok";
    case Status::too_short: return "too short";
    case Status::malformed: return "malformed";
    case Status::no_room: return "no room for the trailer";
    case Status::wrong_mki: return "wrong MKI";
    case Status::auth_failed: return "authentication failed";
    case Status::replayed: return "replayed";
    case Status::too_old: return "too old";
    case Status::cipher_error: return "cipher error";
    }
    return "unknown";
}

uint64_t estimate_index(uint64_t highest, uint16_t seq) {
    const auto s_l = static_cast<uint16_t>(highest & 0xffff);
    const auto roc = static_cast<uint32_t>(highest >> 16);
    uint32_t v = roc;
    if (s_l < 32768) {
        // A sequence number far above s_l is a late packet from before the last wrap;
        // with no wrap yet (ROC 0) it can only be a jump forward.
        if (seq - s_l > 32768 && roc > 0)
            v = roc - 1;
    } else if (s_l - 32768 > seq) {
        v = roc + 1;
    }
    return (uint64_t{v} << 16) | seq;
}

namespace {
void check_master(const CryptoSuite& suite, std::span<const uint8_t> key, std::span<const uint8_t> salt) {
    if (key.size() != suite.master_key_length || salt.size() != suite.master_salt_length)
        throw std::invalid_argument("SRTP master key or salt length does not fit " + std::string(suite.name));
}

SessionKeys derive_for(const CryptoSuite& suite, std::span<const uint8_t> key, std::span<const uint8_t> salt,
                       bool rtcp) {
    check_master(suite, key, salt);
    KeyDeriver d(key, salt);
    return d.session_keys(suite, rtcp, 0);
}
}  // namespace

Context::Context(const CryptoSuite& suite, std::span<const uint8_t> master_key,
                 std::span<const uint8_t> master_salt, ContextOptions options)
    : Context(suite, derive_for(suite, master_key, master_salt, false),
              derive_for(suite, master_key, master_salt, true), options,
              options.key_derivation_rate ? std::optional<KeyDeriver>(std::in_place, master_key, master_salt)
                                          : std::nullopt) {
    master_key_.assign(master_key.begin(), master_key.end());
    master_salt_.assign(master_salt.begin(), master_salt.end());
}

Context::Context(const ContextSnapshot& snapshot)
    : Context(
          [&]() -> const CryptoSuite& {
              const CryptoSuite* s = find_suite(snapshot.suite);
              if (!s)
                  throw std::invalid_argument("unknown SRTP suite " + snapshot.suite);
              return *s;
          }(),
          snapshot.master_key, snapshot.master_salt, snapshot.options) {
    for (const StreamState& s : snapshot.streams)
        restore_stream(s);
}

Context Context::with_session_keys(const CryptoSuite& suite, const SessionKeys& rtp, const SessionKeys& rtcp,
                                   ContextOptions options) {
    if (options.key_derivation_rate)
        throw std::invalid_argument("a key derivation rate needs a master key");
    return Context(suite, rtp, rtcp, options, std::nullopt);
}

Context::Context(const CryptoSuite& suite, const SessionKeys& rtp, const SessionKeys& rtcp,
                 const ContextOptions& options, std::optional<KeyDeriver> deriver)
    : suite_(&suite),
      options_(options),
      deriver_(std::move(deriver)),
      rtp_(suite, rtp),
      rtcp_(suite, rtcp) {
    validate_options();
    for (Stream& s : streams_) {
        s.rtp_window = ReplayWindow(options_.replay_window);
        s.rtcp_window = ReplayWindow(options_.replay_window);
    }
}

void Context::validate_options() const {
    if (options_.mki.size() > kMaxMki)
        throw std::invalid_argument("SRTP MKI longer than 128 bytes");
    if (options_.key_derivation_rate && !power_of_two_up_to_2_24(options_.key_derivation_rate))
        throw std::invalid_argument("SRTP key derivation rate must be a power of two up to 2^24");
    if (options_.replay_window != 64 && options_.replay_window != 128)
        throw std::invalid_argument("SRTP replay window must be 64 or 128");
    if (options_.unencrypted_srtp && !suite_->allows_unencrypted_srtp)
        throw std::invalid_argument("UNENCRYPTED_SRTP is not allowed with " + std::string(suite_->name));
    if (options_.unauthenticated_srtp && !suite_->allows_unauthenticated_srtp)
        throw std::invalid_argument("UNAUTHENTICATED_SRTP is not allowed with " + std::string(suite_->name));
}

std::size_t Context::rtp_overhead() const {
    const std::size_t tag = (options_.unauthenticated_srtp && !suite_->aead()) ? 0 : suite_->srtp_tag_length;
    return tag + options_.mki.size();
}

std::size_t Context::rtcp_overhead() const {
    return kSrtcpIndexLength + suite_->srtcp_tag_length + options_.mki.size();
}

Context::Stream* Context::find(uint32_t ssrc) {
    if (streams_[last_hit_].used && streams_[last_hit_].state.ssrc == ssrc)
        return &streams_[last_hit_];
    for (std::size_t i = 0; i < streams_.size(); ++i)
        if (streams_[i].used && streams_[i].state.ssrc == ssrc) {
            last_hit_ = i;
            return &streams_[i];
        }
    return nullptr;
}

Context::Stream Context::fresh_stream(uint32_t ssrc) const {
    Stream s;
    s.state.ssrc = ssrc;
    s.rtp_window = ReplayWindow(options_.replay_window);
    s.rtcp_window = ReplayWindow(options_.replay_window);
    s.used = true;
    return s;
}

Context::Stream& Context::insert(uint32_t ssrc) {
    std::size_t victim = 0;
    for (std::size_t i = 0; i < streams_.size(); ++i) {
        if (!streams_[i].used) {
            victim = i;
            break;
        }
        if (streams_[i].last_used < streams_[victim].last_used)
            victim = i;
    }
    streams_[victim] = fresh_stream(ssrc);
    last_hit_ = victim;
    return streams_[victim];
}

bool Context::rekey_if_needed(bool rtcp, uint64_t index) {
    if (!deriver_)
        return true;
    const uint64_t r = key_id(index, options_.key_derivation_rate);
    uint64_t& current = rtcp ? rtcp_key_id_ : rtp_key_id_;
    if (r == current)
        return true;
    try {
        (rtcp ? rtcp_ : rtp_).rekey(deriver_->session_keys(*suite_, rtcp, r));
    } catch (...) {
        return false;
    }
    current = r;
    return true;
}

bool Context::mki_matches(const uint8_t* at) const {
    return options_.mki.empty() || std::memcmp(at, options_.mki.data(), options_.mki.size()) == 0;
}

void Context::write_hmac_rtp(const uint8_t* packet, std::size_t length, uint32_t roc, uint8_t* out) {
    uint8_t roc_bytes[4];
    put32(roc_bytes, roc);
    const crypto::Sha1Digest d = rtp_.hmac->tag({{packet, length}, {roc_bytes, 4}});
    std::memcpy(out, d.data(), suite_->srtp_tag_length);
}

void Context::write_hmac_rtcp(const uint8_t* packet, std::size_t length, uint8_t* out) {
    const crypto::Sha1Digest d = rtcp_.hmac->tag({{packet, length}});
    std::memcpy(out, d.data(), suite_->srtcp_tag_length);
}

bool Context::crypt_rtp(std::span<uint8_t> packet, std::size_t header_length, uint32_t ssrc, uint64_t index) {
    auto payload = packet.subspan(header_length);
    switch (suite_->cipher) {
    case Cipher::aes_cm:
        return rtp_.ctr->apply(cm_iv(rtp_.keys, ssrc, index), payload);
    case Cipher::aes_f8: {
        // RFC 3711 4.1.2.2: IV = 0x00 || M || PT || SEQ || TS || SSRC || ROC
        crypto::AesBlock iv{};
        std::memcpy(iv.data() + 1, packet.data() + 1, 11);
        put32(iv.data() + 12, static_cast<uint32_t>(index >> 16));
        return rtp_.f8->apply(iv, payload);
    }
    case Cipher::null:
    case Cipher::aes_gcm:  // sealed and opened with its tag by the callers
        return true;
    }
    return false;
}

bool Context::crypt_rtcp(std::span<uint8_t> packet, uint32_t ssrc, uint32_t e_index) {
    auto payload = packet.subspan(kRtcpHeader);
    switch (suite_->cipher) {
    case Cipher::aes_cm:
        return rtcp_.ctr->apply(cm_iv(rtcp_.keys, ssrc, e_index & kSrtcpIndexMask), payload);
    case Cipher::aes_f8: {
        // RFC 3711 4.1.2.3: IV = 0..0 (32 bits) || E || SRTCP index || first 8 header bytes
        crypto::AesBlock iv{};
        put32(iv.data() + 4, e_index);
        std::memcpy(iv.data() + 8, packet.data(), 8);
        return rtcp_.f8->apply(iv, payload);
    }
    case Cipher::null:
    case Cipher::aes_gcm:
        return true;
    }
    return false;
}

Status Context::protect_rtp(std::span<uint8_t> buffer, std::size_t& length) {
    if (length > buffer.size() || length < kRtpHeader)
        return Status::too_short;
    uint8_t* p = buffer.data();
    if ((p[0] >> 6) != 2)
        return Status::malformed;
    const std::size_t header = rtp_header_length(p, length);
    if (header == 0)
        return Status::malformed;
    if (buffer.size() - length < rtp_overhead())
        return Status::no_room;

    const uint32_t ssrc = get32(p + 8);
    const uint16_t seq = get16(p + 2);
    Stream* s = find(ssrc);
    if (!s)
        s = &insert(ssrc);
    touch(*s);
    auto& sent = s->state.sent_index;
    const uint64_t index = sent ? estimate_index(*sent, seq) : seq;
    if (!sent || index > *sent)
        sent = index;
    if (!rekey_if_needed(false, index))
        return Status::cipher_error;
    const auto roc = static_cast<uint32_t>(index >> 16);

    if (suite_->aead()) {
        const auto iv = gcm_iv(rtp_.keys, ssrc, index);
        if (!rtp_.gcm->seal(iv, {p, header}, {p + header, length - header}, p + length))
            return Status::cipher_error;
        length += crypto::AesGcm::kTagLength;
        std::copy(options_.mki.begin(), options_.mki.end(), p + length);
        length += options_.mki.size();
        return Status::ok;
    }
    if (!options_.unencrypted_srtp && !crypt_rtp({p, length}, header, ssrc, index))
        return Status::cipher_error;
    const std::size_t authenticated = length;
    std::copy(options_.mki.begin(), options_.mki.end(), p + length);
    length += options_.mki.size();
    if (!options_.unauthenticated_srtp) {
        write_hmac_rtp(p, authenticated, roc, p + length);
        length += suite_->srtp_tag_length;
    }
    return Status::ok;
}

Status Context::unprotect_rtp(std::span<uint8_t> buffer, std::size_t& length) {
    if (length > buffer.size())
        return Status::too_short;
    const std::size_t trailer = rtp_overhead();
    if (length < kRtpHeader + trailer)
        return Status::too_short;
    uint8_t* p = buffer.data();
    if ((p[0] >> 6) != 2)
        return Status::malformed;
    const std::size_t mki_at = suite_->aead() ? length - options_.mki.size() : length - trailer;
    const std::size_t payload_end = length - trailer;
    const std::size_t header = rtp_header_length(p, payload_end);
    if (header == 0)
        return Status::malformed;
    if (!mki_matches(p + mki_at))
        return Status::wrong_mki;

    const uint32_t ssrc = get32(p + 8);
    const uint16_t seq = get16(p + 2);
    // A new SSRC is only remembered once its packet authenticated, so forged packets
    // cannot push real streams out of the table.
    Stream* s = find(ssrc);
    Stream scratch;
    if (!s) {
        scratch = fresh_stream(ssrc);
        s = &scratch;
    }
    const auto& received = s->state.received_index;
    const uint64_t index = received ? estimate_index(*received, seq) : seq;
    switch (s->rtp_window.check(index)) {
    case ReplayCheck::replayed: return Status::replayed;
    case ReplayCheck::too_old: return Status::too_old;
    case ReplayCheck::fresh: break;
    }
    if (!rekey_if_needed(false, index))
        return Status::cipher_error;
    const auto roc = static_cast<uint32_t>(index >> 16);

    if (suite_->aead()) {
        const auto iv = gcm_iv(rtp_.keys, ssrc, index);
        if (!rtp_.gcm->open(iv, {p, header}, {p + header, payload_end - header}, p + payload_end))
            return Status::auth_failed;
    } else {
        if (!options_.unauthenticated_srtp) {
            uint8_t tag[20];
            write_hmac_rtp(p, payload_end, roc, tag);
            if (!equal_constant_time(tag, p + length - suite_->srtp_tag_length, suite_->srtp_tag_length))
                return Status::auth_failed;
        }
        if (!options_.unencrypted_srtp && !crypt_rtp({p, payload_end}, header, ssrc, index))
            return Status::cipher_error;
    }

    if (s == &scratch)
        s = &insert(ssrc), *s = scratch;
    touch(*s);
    s->rtp_window.accept(index);
    if (!s->state.received_index || index > *s->state.received_index)
        s->state.received_index = index;
    length = payload_end;
    return Status::ok;
}

Status Context::protect_rtcp(std::span<uint8_t> buffer, std::size_t& length) {
    if (length > buffer.size() || length < kRtcpHeader)
        return Status::too_short;
    uint8_t* p = buffer.data();
    if ((p[0] >> 6) != 2)
        return Status::malformed;
    if (buffer.size() - length < rtcp_overhead())
        return Status::no_room;

    const uint32_t ssrc = get32(p + 4);
    Stream* s = find(ssrc);
    if (!s)
        s = &insert(ssrc);
    touch(*s);
    const uint32_t index = s->state.next_srtcp_index & kSrtcpIndexMask;
    s->state.next_srtcp_index = (index + 1) & kSrtcpIndexMask;
    const bool encrypt = !options_.unencrypted_srtcp && suite_->cipher != Cipher::null;
    const uint32_t e_index = index | (encrypt ? kEFlag : 0);
    if (!rekey_if_needed(true, index))
        return Status::cipher_error;

    if (suite_->aead()) {
        const auto iv = gcm_iv(rtcp_.keys, ssrc, index);
        uint8_t e_bytes[4];
        put32(e_bytes, e_index);
        bool sealed;
        if (encrypt) {
            uint8_t aad[kRtcpHeader + 4];
            std::memcpy(aad, p, kRtcpHeader);
            std::memcpy(aad + kRtcpHeader, e_bytes, 4);
            sealed = rtcp_.gcm->seal(iv, {aad, sizeof(aad)}, {p + kRtcpHeader, length - kRtcpHeader}, p + length);
        } else {
            // RFC 7714 9.2: authentication only, AAD = packet || E||index. The index word
            // is put right after the packet so the AAD is contiguous, the tag after it;
            // then the tag moves in front of the index word, where the layout wants it.
            std::memcpy(p + length, e_bytes, 4);
            sealed = rtcp_.gcm->seal(iv, {p, length + 4}, {}, p + length + 4);
            uint8_t tag[crypto::AesGcm::kTagLength];
            std::memcpy(tag, p + length + 4, sizeof(tag));
            std::memcpy(p + length, tag, sizeof(tag));
        }
        if (!sealed)
            return Status::cipher_error;
        length += crypto::AesGcm::kTagLength;
        std::memcpy(p + length, e_bytes, 4);
        length += 4;
        std::copy(options_.mki.begin(), options_.mki.end(), p + length);
        length += options_.mki.size();
        return Status::ok;
    }
    if (encrypt && !crypt_rtcp({p, length}, ssrc, e_index))
        return Status::cipher_error;
    put32(p + length, e_index);
    length += 4;
    const std::size_t authenticated = length;
    std::copy(options_.mki.begin(), options_.mki.end(), p + length);
    length += options_.mki.size();
    write_hmac_rtcp(p, authenticated, p + length);
    length += suite_->srtcp_tag_length;
    return Status::ok;
}

Status Context::unprotect_rtcp(std::span<uint8_t> buffer, std::size_t& length) {
    if (length > buffer.size())
        return Status::too_short;
    const std::size_t mki = options_.mki.size();
    const std::size_t tag = suite_->srtcp_tag_length;
    if (length < kRtcpHeader + kSrtcpIndexLength + tag + mki)
        return Status::too_short;
    uint8_t* p = buffer.data();
    if ((p[0] >> 6) != 2)
        return Status::malformed;
    // Where the E||index word, the MKI and the tag are, and where the payload ends.
    std::size_t index_at, mki_at, tag_at, payload_end;
    if (suite_->aead()) {
        mki_at = length - mki;
        index_at = mki_at - kSrtcpIndexLength;
        tag_at = index_at - tag;
        payload_end = tag_at;
    } else {
        tag_at = length - tag;
        mki_at = tag_at - mki;
        index_at = mki_at - kSrtcpIndexLength;
        payload_end = index_at;
    }
    if (!mki_matches(p + mki_at))
        return Status::wrong_mki;
    const uint32_t ssrc = get32(p + 4);
    const uint32_t e_index = get32(p + index_at);
    const uint32_t index = e_index & kSrtcpIndexMask;
    const bool encrypted = (e_index & kEFlag) != 0;

    Stream* s = find(ssrc);
    Stream scratch;
    if (!s) {
        scratch = fresh_stream(ssrc);
        s = &scratch;
    }
    switch (s->rtcp_window.check(index)) {
    case ReplayCheck::replayed: return Status::replayed;
    case ReplayCheck::too_old: return Status::too_old;
    case ReplayCheck::fresh: break;
    }
    if (!rekey_if_needed(true, index))
        return Status::cipher_error;

    if (suite_->aead()) {
        const auto iv = gcm_iv(rtcp_.keys, ssrc, index);
        bool opened;
        if (encrypted) {
            uint8_t aad[kRtcpHeader + 4];
            std::memcpy(aad, p, kRtcpHeader);
            std::memcpy(aad + kRtcpHeader, p + index_at, 4);
            opened = rtcp_.gcm->open(iv, {aad, sizeof(aad)}, {p + kRtcpHeader, payload_end - kRtcpHeader}, p + tag_at);
        } else {
            // The AAD is the packet followed by E||index, which sits after the tag: swap
            // them so the AAD is contiguous (the tag is copied out first).
            uint8_t tag_copy[crypto::AesGcm::kTagLength];
            std::memcpy(tag_copy, p + tag_at, sizeof(tag_copy));
            uint8_t e_bytes[4];
            std::memcpy(e_bytes, p + index_at, 4);
            std::memcpy(p + payload_end, e_bytes, 4);
            opened = rtcp_.gcm->open(iv, {p, payload_end + 4}, {}, tag_copy);
        }
        if (!opened)
            return Status::auth_failed;
    } else {
        uint8_t computed[20];
        write_hmac_rtcp(p, index_at + kSrtcpIndexLength, computed);
        if (!equal_constant_time(computed, p + tag_at, tag))
            return Status::auth_failed;
        if (encrypted && !crypt_rtcp({p, payload_end}, ssrc, e_index))
            return Status::cipher_error;
    }

    if (s == &scratch)
        s = &insert(ssrc), *s = scratch;
    touch(*s);
    s->rtcp_window.accept(index);
    if (!s->state.received_srtcp || index > *s->state.received_srtcp)
        s->state.received_srtcp = index;
    length = payload_end;
    return Status::ok;
}

std::optional<StreamState> Context::stream(uint32_t ssrc) const {
    for (const Stream& s : streams_)
        if (s.used && s.state.ssrc == ssrc)
            return s.state;
    return std::nullopt;
}

void Context::restore_stream(const StreamState& state) {
    Stream* s = find(state.ssrc);
    if (!s)
        s = &insert(state.ssrc);
    touch(*s);
    s->state = state;
    s->rtp_window = ReplayWindow(options_.replay_window);
    s->rtcp_window = ReplayWindow(options_.replay_window);
    if (state.received_index)
        s->rtp_window.reset(*state.received_index);
    if (state.received_srtcp)
        s->rtcp_window.reset(*state.received_srtcp);
}

ContextSnapshot Context::snapshot() const {
    ContextSnapshot out;
    out.suite = std::string(suite_->name);
    out.master_key = master_key_;
    out.master_salt = master_salt_;
    out.options = options_;
    // Oldest first, so that restoring keeps the same eviction order.
    std::vector<const Stream*> used;
    for (const Stream& s : streams_)
        if (s.used)
            used.push_back(&s);
    std::sort(used.begin(), used.end(), [](const Stream* a, const Stream* b) { return a->last_used < b->last_used; });
    for (const Stream* s : used)
        out.streams.push_back(s->state);
    return out;
}

}  // namespace rtpe::srtp
