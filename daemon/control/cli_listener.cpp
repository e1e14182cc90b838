#include "daemon/control/cli_listener.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <vector>

#include "util/log.hpp"

namespace rtpe::control {

class CliListener::Connection : public TcpConnection {
public:
    Connection(TcpServer& server, net::Fd fd, const net::SocketAddress& peer, const LineHandler& handler)
        : TcpConnection(server, std::move(fd), peer),
          handler_(handler),
          deadline_(Clock::now() + kReadTimeout) {}

    Clock::time_point deadline() const { return deadline_; }

protected:
    void on_readable_or_writable(uint32_t) override {
        if (replying_)
            send_reply();
        else
            read_line();
    }

private:
    void read_line() {
        char buffer[1024];
        for (;;) {
            const ssize_t n = recv(fd_.get(), buffer, sizeof(buffer), 0);
            if (n == 0) {
                close();  // gone before finishing its line
                return;
            }
            if (n < 0) {
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                    close();
                return;
            }
            line_.append(buffer, static_cast<std::size_t>(n));
            const auto newline = line_.find('\n');
            if (newline != std::string::npos && newline <= kMaxLine) {
                std::string_view command(line_.data(), newline);
                if (!command.empty() && command.back() == '\r')
                    command.remove_suffix(1);
                RTPE_LOG(control, log::kInfo, "Got %s command: %.*s", server_.what().c_str(),
                         static_cast<int>(command.size()), command.data());
                std::vector<std::string> connected;
                server_.for_each_connection([&](TcpConnection& c) { connected.push_back(c.peer()); });
                auto reply = handler_(command, connected);
                if (!reply) {
                    RTPE_LOG(control, log::kWarning, "Unable to parse %s command from %s", server_.what().c_str(),
                             peer_.c_str());
                    close();
                    return;
                }
                start_reply(std::move(*reply));
                return;
            }
            if (line_.size() > kMaxLine) {
                RTPE_LOG(control, log::kWarning, "%s command from %s longer than %zu bytes, closing",
                         server_.what().c_str(), peer_.c_str(), kMaxLine);
                if (server_.what() == "CLI")
                    start_reply("Command too long.\n");
                else
                    close();
                return;
            }
        }
    }

    void start_reply(std::string reply) {
        replying_ = true;
        reply_ = std::move(reply);
        line_.clear();
        deadline_ = Clock::now() + kWriteTimeout;
        send_reply();
    }

    void send_reply() {
        const ssize_t n = send_some(std::string_view(reply_).substr(sent_));
        if (n >= 0)
            sent_ += static_cast<std::size_t>(n);
        if (n >= 0 && sent_ < reply_.size()) {
            // Wait until the client takes more, rather than for more input.
            if (!waiting_for_output_) {
                waiting_for_output_ = true;
                server_.poller().remove(fd_.get());
                server_.poller().add(fd_.get(), *this, EPOLLOUT);
            }
            return;
        }
        close();
    }

    const LineHandler& handler_;
    Clock::time_point deadline_;
    std::string line_;
    std::string reply_;
    std::size_t sent_ = 0;
    bool replying_ = false;
    bool waiting_for_output_ = false;
};

CliListener::CliListener(const net::SocketAddress& address, const CliCommandTable& commands)
    : CliListener(address, "CLI",
                  [&commands](std::string_view line, const std::vector<std::string>&) -> std::optional<std::string> {
                      return commands.dispatch(line);
                  }) {}

CliListener::CliListener(const net::SocketAddress& address, std::string what, LineHandler handler)
    : handler_(std::move(handler)),
      server_(address, std::move(what), kMaxConnections,
              [this](TcpServer& server, net::Fd fd, const net::SocketAddress& peer) {
                  return std::make_shared<Connection>(server, std::move(fd), peer, handler_);
              }) {}

void CliListener::expire(Clock::time_point now) {
    std::vector<std::pair<int, std::string>> late;
    server_.for_each_connection([&](TcpConnection& c) {
        if (now >= static_cast<Connection&>(c).deadline())
            late.emplace_back(c.fd(), c.peer());
    });
    for (const auto& [fd, peer] : late) {
        RTPE_LOG(control, log::kInfo, "Closing %s connection from %s: timed out", server_.what().c_str(),
                 peer.c_str());
        server_.close(fd);
    }
}

}  // namespace rtpe::control
