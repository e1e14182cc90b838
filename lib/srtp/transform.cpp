#include "srtp/transform.hpp"

namespace rtpe::srtp {

Transform::Transform(const CryptoSuite& s, const SessionKeys& k) : suite(&s), keys(k) {
    switch (s.cipher) {
    case Cipher::aes_cm:
        ctr.emplace(keys.key_view());
        break;
    case Cipher::aes_f8:
        f8.emplace(keys.key_view(), keys.salt_view());
        break;
    case Cipher::aes_gcm:
        gcm.emplace(keys.key_view());
        break;
    case Cipher::null:
        break;
    }
    if (!s.aead())
        hmac.emplace(keys.auth_key_view());
}

void Transform::rekey(const SessionKeys& new_keys) {
    keys = new_keys;
    if (ctr)
        ctr->rekey(keys.key_view());
    if (gcm)
        gcm->rekey(keys.key_view());
    if (f8)
        f8.emplace(keys.key_view(), keys.salt_view());
    if (hmac)
        hmac->rekey(keys.auth_key_view());
}

}  // namespace rtpe::srtp
