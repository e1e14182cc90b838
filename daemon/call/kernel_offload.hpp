#pragma once
// In-kernel forwarding of established streams (issue 11's daemon side): the control thread
// works out which streams need no userspace work, pushes one xt_RTPENGINE target per
// stream into the daemon's table, keeps them matching the call (re-offers, learned
// endpoints), takes them out before their sockets go, and folds what the kernel forwarded
// back into the streams' counters, on the streams' workers, so that query, statistics and
// the timeouts see every packet wherever it went.
//
// Which streams (this slice): plain RTP/AVP(F) both ways, no SRTP, no ICE, no rtcp-mux, no
// BUNDLE, no subscribers, no media-handover; the sender's source learned and settled.
// Anything the kernel will not take (another source, a payload type no SDP named, STUN,
// RTCP arriving on an RTP port) it hands to the socket, and userspace does as before.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/kernel/kernel_table.hpp"

namespace rtpe::media {
class PacketStream;
}

namespace rtpe::call {

class Call;
struct MediaSide;

class KernelOffload {
public:
    explicit KernelOffload(const kernel::KernelTable& table) : table_(table) {}

    // Control thread, call locked: installs, updates and removes targets so that the call's
    // streams have exactly those they should now.
    void sync(const Call& call, int default_tos);
    // Before a side's streams go (their ports may be reused at once): their targets go.
    void release(const MediaSide& side);

    // What the kernel forwarded for a stream since the last collect().
    struct Delta {
        media::PacketStream* stream = nullptr;
        std::size_t worker = 0;  // the stream's
        uint64_t packets = 0, bytes = 0, errors = 0;
        int64_t last_packet_s = 0;  // wall clock; 0: none
    };
    std::vector<Delta> collect();

    std::size_t installed() const { return installed_.size(); }

private:
    struct Installed {
        kernel::KernelTarget target;
        media::PacketStream* stream = nullptr;
        std::size_t worker = 0;
        const Call* call = nullptr;
        uint64_t packets = 0, bytes = 0, errors = 0;  // already folded
    };
    void remove(const std::string& key);
    void report(const kernel::KernelStatus& status);

    const kernel::KernelTable& table_;
    std::unordered_map<std::string, Installed> installed_;  // by local address, as text
    // The keys of installed_ each call owns: a call's sync looks at its own targets only,
    // not at every call's, once a second for every call.
    std::unordered_map<const Call*, std::vector<std::string>> keys_by_call_;
    bool reported_failure_ = false;
};

}  // namespace rtpe::call
