#pragma once
// KernelTarget <-> the bytes of kernel-module/rtpengine_kernel_abi.h, with no I/O: the
// control message written to /proc/rtpengine/N/control and the records read from
// /proc/rtpengine/N/blist. The one place the daemon includes the ABI header.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "daemon/kernel/kernel_target.hpp"

namespace rtpe::kernel {

enum class KernelCommand : uint32_t { add = 1, update = 2, remove = 3 };  // RTPE_KCMD_*

// sizeof(struct rtpe_kmsg) and sizeof(struct rtpe_kstats_record).
extern const std::size_t kMessageSize;
extern const std::size_t kRecordSize;
extern const unsigned kAbiVersion;  // RTPE_KABI_VERSION

// What the daemon itself refuses before writing: an unset or unsupported address family,
// a send-from and destination of different families, more than 32 payload types or one
// above 127, more than 4 SSRCs. The module checks the rest (and these again).
KernelStatus validate(const KernelTarget& target);

// The control message for cmd, kMessageSize bytes. For remove only target.local is
// written (the rest is zero, as the module reads nothing else). The caller validates first.
std::vector<uint8_t> encode_message(KernelCommand cmd, const KernelTarget& target);

// One blist record (exactly kRecordSize bytes) into out; a record with another magic,
// version or size field is refused (EPROTO) and out is left alone.
KernelStatus decode_record(std::span<const uint8_t> record, KernelTargetStats& out);

// Whole records in sequence, appended to out; trailing bytes short of a record are an error
// (EPROTO), as is any bad record; out keeps the records before it.
KernelStatus decode_records(std::span<const uint8_t> bytes, std::vector<KernelTargetStats>& out);

// "add target 127.0.0.1:30000", for messages.
std::string describe(KernelCommand cmd, const KernelTarget& target);

}  // namespace rtpe::kernel
