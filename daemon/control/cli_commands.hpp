#pragma once
// The text CLI rtpengine-ctl speaks: one command line in, text out, in upstream's wording
// so that operators' scripts parsing it keep working.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/call/call_service.hpp"
#include "daemon/call/call_timeouts.hpp"
#include "daemon/call/load_limits.hpp"
#include "daemon/media/local_interfaces.hpp"
#include "daemon/options.hpp"
#include "daemon/stats/statistics.hpp"

namespace rtpe::control {

// Upstream's reply to a command that stops where it needs another word.
inline constexpr std::string_view kMoreParameters = "More parameters required.\n";

// Words separated by spaces or tabs; views into line.
std::vector<std::string_view> split_words(std::string_view line);

class CliCommandTable {
public:
    // args: the words after the command's own; the reply text is appended to out.
    using Handler = std::function<void(const std::vector<std::string_view>& args, std::string& out)>;

    // words: the command as typed, e.g. "list numsessions".
    void add(std::string_view words, Handler handler);
    // The whole reply to one line (without its newline).
    std::string dispatch(std::string_view line) const;

private:
    struct Node {
        std::map<std::string, Node, std::less<>> children;
        Handler handler;
    };
    Node root_;
};

// What the commands read and change; every one of them runs on the control thread, the
// only thread that touches the call service and the timeouts.
struct CliContext {
    call::CallService& service;
    call::CallTimeouts& timeouts;
    call::LoadLimits& limits;
    const media::LocalInterfaces& interfaces;
    const stats::Statistics& stats;
    // For "params": what the daemon was started with (null: params show defaults).
    const DaemonOptions* options = nullptr;
    unsigned worker_threads = 0;
    // --control-tos, read and changed by "list/set controltos" (null: fixed at 0).
    std::function<int()> control_tos;
    std::function<void(int)> set_control_tos;
};

void add_cli_commands(CliCommandTable& table, const CliContext& context);

}  // namespace rtpe::control
