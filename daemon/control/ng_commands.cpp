#include "daemon/control/ng_commands.hpp"

namespace rtpe::control {

void NgCommandTable::add(std::string command, Handler handler) {
    handlers_[std::move(command)] = std::move(handler);
}

const NgCommandTable::Handler* NgCommandTable::find(std::string_view command) const {
    auto it = handlers_.find(std::string(command));
    return it == handlers_.end() ? nullptr : &it->second;
}

void add_basic_commands(NgCommandTable& table) {
    table.add("ping", [](const NgRequest&, bencode::Value& reply) { reply.set("result", "pong"); });
}

}  // namespace rtpe::control
