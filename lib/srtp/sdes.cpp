#include "srtp/sdes.hpp"

#include "crypto/base64.hpp"
#include "crypto/hmac.hpp"
#include "util/parse.hpp"

#include <charconv>

namespace rtpe::srtp {

namespace {
bool fail(std::string* error, std::string why) {
    if (error)
        *error = std::move(why);
    return false;
}

bool parse_lifetime(std::string_view s, SdesKey& key) {
    if (s.starts_with("2^")) {
        auto n = parse_number<unsigned>(s.substr(2));
        if (!n || *n > 63)
            return false;
        key.lifetime = uint64_t{1} << *n;
        key.lifetime_as_power = true;
        return true;
    }
    auto n = parse_number<uint64_t>(s);
    if (!n)
        return false;
    key.lifetime = *n;
    return true;
}

bool parse_key(std::string_view param, const CryptoSuite& suite, SdesKey& key, std::string* error) {
    constexpr std::string_view kInline = "inline:";
    if (param.size() < kInline.size() || param.substr(0, kInline.size()) != kInline)
        return fail(error, "key method is not inline");
    const auto parts = split(param.substr(kInline.size()), '|');
    if (parts.size() > 3)
        return fail(error, "too many '|' in key info");
    auto material = crypto::base64_decode(parts[0]);
    if (!material)
        return fail(error, "key is not base64");
    const std::size_t want = std::size_t{suite.master_key_length} + suite.master_salt_length;
    if (material->size() != want)
        return fail(error, "key is " + std::to_string(material->size()) + " bytes, " + std::string(suite.name) +
                               " needs " + std::to_string(want));
    key.key.assign(material->begin(), material->begin() + suite.master_key_length);
    key.salt.assign(material->begin() + suite.master_key_length, material->end());
    for (std::size_t i = 1; i < parts.size(); ++i) {
        const std::string_view p = parts[i];
        const std::size_t colon = p.find(':');
        if (colon == std::string_view::npos) {
            // A lifetime, which must come before the MKI.
            if (i != 1 || !parse_lifetime(p, key))
                return fail(error, "bad lifetime");
            continue;
        }
        if (i != parts.size() - 1)
            return fail(error, "MKI must be last");
        auto value = parse_number<uint64_t>(p.substr(0, colon));
        auto length = parse_number<unsigned>(p.substr(colon + 1));
        if (!value || !length || *length < 1 || *length > 128)
            return fail(error, "bad MKI");
        if (*length < 8 && (*value >> (8 * *length)) != 0)
            return fail(error, "MKI value does not fit its length");
        key.mki_value = *value;
        key.mki_length = static_cast<uint8_t>(*length);
    }
    return true;
}
}  // namespace

std::vector<uint8_t> SdesKey::mki_bytes() const {
    std::vector<uint8_t> out;
    if (!mki_value)
        return out;
    out.assign(mki_length, 0);
    for (std::size_t i = 0; i < mki_length && i < 8; ++i)
        out[mki_length - 1 - i] = static_cast<uint8_t>(*mki_value >> (8 * i));
    return out;
}

ContextOptions SdesCrypto::context_options(std::size_t index) const {
    ContextOptions o;
    if (index < keys.size())
        o.mki = keys[index].mki_bytes();
    o.unencrypted_srtp = unencrypted_srtp;
    o.unencrypted_srtcp = unencrypted_srtcp;
    o.unauthenticated_srtp = unauthenticated_srtp;
    o.key_derivation_rate = kdr ? (uint64_t{1} << *kdr) : 0;
    // RFC 4568 6.3.7: the window size hint is a hint; our windows are 64 or 128.
    o.replay_window = (wsh && *wsh <= 64) ? 64 : 128;
    return o;
}

std::optional<SdesCrypto> parse_sdes(std::string_view value, std::string* error) {
    const auto w = split_words(value);
    if (w.size() < 3) {
        fail(error, "a=crypto needs a tag, a suite and key params");
        return std::nullopt;
    }
    SdesCrypto out;
    auto tag = parse_number<uint32_t>(w[0]);
    if (!tag || w[0].size() > 9) {
        fail(error, "bad tag");
        return std::nullopt;
    }
    out.tag = *tag;
    out.suite_name = std::string(w[1]);
    out.suite = find_suite(w[1]);
    out.key_params = std::string(w[2]);
    if (out.suite) {
        for (std::string_view param : split(w[2], ';')) {
            SdesKey key;
            if (!parse_key(param, *out.suite, key, error))
                return std::nullopt;
            out.keys.push_back(std::move(key));
        }
        // RFC 4568 6.1: several keys need MKIs of one length to tell them apart.
        if (out.keys.size() > 1)
            for (const SdesKey& k : out.keys)
                if (!k.mki_value || k.mki_length != out.keys[0].mki_length) {
                    fail(error, "several keys need MKIs of one length");
                    return std::nullopt;
                }
    }
    for (std::size_t i = 3; i < w.size(); ++i) {
        const std::string_view p = w[i];
        if (p == "UNENCRYPTED_SRTP") {
            out.unencrypted_srtp = true;
        } else if (p == "UNENCRYPTED_SRTCP") {
            out.unencrypted_srtcp = true;
        } else if (p == "UNAUTHENTICATED_SRTP") {
            out.unauthenticated_srtp = true;
        } else if (p.starts_with("KDR=")) {
            auto n = parse_number<unsigned>(p.substr(4));
            if (!n || *n > 24) {
                fail(error, "bad KDR");
                return std::nullopt;
            }
            out.kdr = static_cast<uint8_t>(*n);
        } else if (p.starts_with("FEC_ORDER=")) {
            out.fec_order = std::string(p.substr(10));
        } else if (p.starts_with("WSH=")) {
            auto n = parse_number<uint32_t>(p.substr(4));
            if (!n || *n < 64) {
                fail(error, "bad WSH");
                return std::nullopt;
            }
            out.wsh = *n;
        } else {
            out.other_params.emplace_back(p);
        }
    }
    if (out.suite) {
        if (out.unencrypted_srtp && !out.suite->allows_unencrypted_srtp) {
            fail(error, "UNENCRYPTED_SRTP not allowed with " + out.suite_name);
            return std::nullopt;
        }
        if (out.unauthenticated_srtp && !out.suite->allows_unauthenticated_srtp) {
            fail(error, "UNAUTHENTICATED_SRTP not allowed with " + out.suite_name);
            return std::nullopt;
        }
    }
    return out;
}

std::string format_sdes(const SdesCrypto& c, bool padded) {
    std::string out = std::to_string(c.tag) + " " + c.suite_name + " ";
    if (c.suite && !c.keys.empty()) {
        for (std::size_t i = 0; i < c.keys.size(); ++i) {
            const SdesKey& k = c.keys[i];
            if (i)
                out += ';';
            std::vector<uint8_t> material = k.key;
            material.insert(material.end(), k.salt.begin(), k.salt.end());
            // Without the '=' padding by default, as upstream writes keys (and accepts them back).
            std::string encoded = crypto::base64_encode(material);
            while (!padded && !encoded.empty() && encoded.back() == '=')
                encoded.pop_back();
            out += "inline:" + encoded;
            if (k.lifetime) {
                out += '|';
                const uint64_t v = *k.lifetime;
                if (k.lifetime_as_power && v && (v & (v - 1)) == 0)
                    out += "2^" + std::to_string(__builtin_ctzll(v));
                else
                    out += std::to_string(v);
            }
            if (k.mki_value)
                out += "|" + std::to_string(*k.mki_value) + ":" + std::to_string(k.mki_length);
        }
    } else {
        out += c.key_params;
    }
    if (c.kdr)
        out += " KDR=" + std::to_string(*c.kdr);
    if (c.unencrypted_srtp)
        out += " UNENCRYPTED_SRTP";
    if (c.unencrypted_srtcp)
        out += " UNENCRYPTED_SRTCP";
    if (c.unauthenticated_srtp)
        out += " UNAUTHENTICATED_SRTP";
    if (c.fec_order)
        out += " FEC_ORDER=" + *c.fec_order;
    if (c.wsh)
        out += " WSH=" + std::to_string(*c.wsh);
    for (const std::string& p : c.other_params)
        out += " " + p;
    return out;
}

SdesKey generate_sdes_key(const CryptoSuite& suite) {
    SdesKey k;
    k.key.resize(suite.master_key_length);
    k.salt.resize(suite.master_salt_length);
    crypto::random_bytes(k.key);
    crypto::random_bytes(k.salt);
    return k;
}

SdesCrypto make_sdes(uint32_t tag, const CryptoSuite& suite) {
    SdesCrypto c;
    c.tag = tag;
    c.suite_name = std::string(suite.name);
    c.suite = &suite;
    c.keys.push_back(generate_sdes_key(suite));
    c.key_params = format_sdes(c).substr(std::to_string(tag).size() + 1 + c.suite_name.size() + 1);
    return c;
}

}  // namespace rtpe::srtp
