#pragma once
// The one way lib/dtls reports an OpenSSL failure outside the packet path: an exception
// naming the step and OpenSSL's reason (e.g. "ee key too small"), its error queue cleared.

namespace rtpe::dtls {

[[noreturn]] void throw_openssl_error(const char* what);

}  // namespace rtpe::dtls
