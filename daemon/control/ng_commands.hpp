#pragma once
// The one table every ng command is dispatched through.

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "bencode/value.hpp"
#include "net/address.hpp"

namespace rtpe::control {

// Thrown by a handler to answer {"result":"error","error-reason":what()}.
class NgError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct NgRequest {
    std::string_view command;
    const bencode::Value& dictionary;
    const net::SocketAddress& sender;
};

class NgCommandTable {
public:
    // Fills reply (a dictionary); "result":"ok" is appended unless the handler set a result.
    using Handler = std::function<void(const NgRequest& request, bencode::Value& reply)>;

    void add(std::string command, Handler handler);
    // nullptr for an unknown command.
    const Handler* find(std::string_view command) const;

private:
    std::unordered_map<std::string, Handler> handlers_;
};

// Commands that need nothing but the control channel itself (ping).
void add_basic_commands(NgCommandTable& table);

}  // namespace rtpe::control
