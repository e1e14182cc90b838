#pragma once
// In-kernel forwarding of established streams (issue 11's daemon side): the control thread
// works out which streams need no userspace work, pushes one xt_RTPENGINE target per
// stream into the daemon's table, keeps them matching the call (re-offers, learned
// endpoints), takes them out before their sockets go, and adds what the kernel forwarded
// to the streams' kernel counters (each tick from blist, and a removed target's last
// counts as the module hands them back), so that query, statistics and the timeouts see
// every packet wherever it went.
//
// Which streams: RTP/AVP(F) or SDES-SRTP (a suite the module does, one key, no session
// parameters) on either side, with or without rtcp-mux, no DTLS, no ICE, no BUNDLE, no
// subscribers, no media-handover; the sender's source learned and settled. Anything the
// kernel will not take (another source, a payload type no SDP named, an SSRC it was not
// given, SRTP that does not authenticate, STUN, RTCP arriving on an RTP port: muxed RTCP)
// it hands to the socket, and userspace does as before.
//
// SRTP: the contexts are the worker's, so before an SRTP stream goes in, its worker is
// asked where each SSRC stands (media/srtp_handoff.hpp) and the kernel starts from there;
// when a target comes out with the stream still running, what the kernel reached goes back
// to the worker.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/kernel/kernel_table.hpp"
#include "srtp/context.hpp"

namespace rtpe::media {
class PacketStream;
}

namespace rtpe::call {

class Call;
struct MediaSide;

class KernelOffload {
public:
    explicit KernelOffload(const kernel::KernelTable& table) : table_(table) {}

    // Work for a stream's worker: asking where its SRTP stands, or handing the kernel's back.
    struct WorkerTask {
        std::size_t worker = 0;
        std::function<void()> task;
    };
    // Control thread, call locked: installs, updates and removes targets so that the call's
    // streams have exactly those they should now. What it returns is to be posted in order.
    std::vector<WorkerTask> sync(const Call& call, int default_tos);
    // Before a side's streams go (their ports may be reused at once): their targets go.
    void release(const MediaSide& side);
    // A srtp_progress event of a stream the control thread asked about.
    void take_srtp_progress(const media::PacketStream* stream, const srtp::StreamState& state);

    // Control thread: what the kernel forwarded since the last look goes into the streams'
    // kernel counters (media::StreamCounters::fold_kernel).
    void collect();

    std::size_t installed() const { return installed_.size(); }

private:
    struct Installed {
        kernel::KernelTarget target;
        media::PacketStream* stream = nullptr;
        std::size_t worker = 0;
        const Call* call = nullptr;
        uint64_t packets = 0, bytes = 0, errors = 0;  // already folded
        uint64_t userspace_packets = 0;                // the stream's own count when last looked at
    };
    // A tick in which the kernel forwarded nothing while the kernelized streams' packets
    // kept reaching their sockets: the firewall rule is not (or no longer) in place.
    void check_bypass(uint64_t kernel_packets);
    // s's counts beyond what e folded already, into e's stream.
    void fold(Installed& e, const kernel::KernelTargetStats& s);
    // Where a stream's SSRCs stand in userspace, as its worker last said.
    struct SrtpProgress {
        std::vector<srtp::StreamState> ssrcs;
        std::chrono::steady_clock::time_point received{};
        bool asked = false;  // a report is on its way (unless events were lost: asked_at)
        std::chrono::steady_clock::time_point asked_at{};
    };
    struct Wanted;
    std::vector<Wanted> wanted_targets(const Call& call, int tos, std::vector<WorkerTask>& tasks);
    // The SRTP part of a target from a to b: false while a's progress is not there yet.
    bool add_crypto(kernel::KernelTarget& target, const MediaSide& a, const MediaSide& b,
                    std::vector<WorkerTask>& tasks);
    // Takes key's target out; with hand_back, what the kernel's SRTP reached goes to the
    // stream's worker (the stream stays).
    void remove(const std::string& key, std::vector<WorkerTask>* hand_back = nullptr);
    void report(const kernel::KernelStatus& status);

    const kernel::KernelTable& table_;
    std::unordered_map<std::string, Installed> installed_;  // by local address, as text
    // The keys of installed_ each call owns: a call's sync looks at its own targets only,
    // not at every call's, once a second for every call.
    std::unordered_map<const Call*, std::vector<std::string>> keys_by_call_;
    // By the RTP stream of the sending side (its RTCP stream shares the contexts).
    std::unordered_map<const media::PacketStream*, SrtpProgress> srtp_progress_;
    bool reported_failure_ = false;
    bool reported_bypass_ = false;
    uint64_t forwarded_since_check_ = 0;  // packets folded since check_bypass last looked
};

}  // namespace rtpe::call
