#include "daemon/control/ng_tcp_listener.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "bencode/codec.hpp"
#include "util/log.hpp"

namespace rtpe::control {

namespace {
// A cookie is a short token; a longer run without the space after it is not ng.
constexpr std::size_t kMaxCookie = 256;
}  // namespace

class NgTcpListener::Connection : public TcpConnection {
public:
    Connection(TcpServer& server, net::Fd fd, const net::SocketAddress& peer, NgProcessor& processor)
        : TcpConnection(server, std::move(fd), peer), processor_(processor) {
        RTPE_LOG(control, log::kInfo, "New TCP control ng connection from %s", peer_.c_str());
    }

    void send_message(std::string_view message) {
        output_ += message;
        if (output_.size() > kMaxBuffered)
            return drop("the client does not read its messages");
        flush();
    }

protected:
    void on_readable_or_writable(uint32_t events) override {
        if (events & EPOLLOUT)
            flush();
        if (!closed() && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
            read_messages();
    }

private:
    void read_messages() {
        char buffer[16384];
        for (;;) {
            const ssize_t n = recv(fd_.get(), buffer, sizeof(buffer), 0);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                RTPE_LOG(control, log::kInfo, "TCP control ng connection from %s is closing", peer_.c_str());
                close();
                return;
            }
            if (n < 0)
                break;
            input_.append(buffer, static_cast<std::size_t>(n));
            if (input_.size() > kMaxBuffered)
                return drop("too much unprocessed input");
        }
        while (!closed() && handle_one_message()) {
        }
        flush();
    }

    // Handles the first complete message in the input; false when there is none yet.
    bool handle_one_message() {
        const auto space = input_.find(' ');
        if (space == std::string::npos) {
            if (input_.size() > kMaxCookie)
                drop("no cookie");
            return false;
        }
        if (space == 0 || space > kMaxCookie) {
            drop("no cookie");
            return false;
        }
        const auto length = bencode::complete_length(std::string_view(input_).substr(space + 1));
        if (!length) {
            drop("not a bencode message");
            return false;
        }
        if (*length == 0)
            return false;
        const std::size_t total = space + 1 + *length;
        if (auto reply = processor_.process(std::string_view(input_.data(), total), peer_address_))
            output_ += *reply;
        input_.erase(0, total);
        if (output_.size() > kMaxBuffered)
            drop("the client does not read its replies");
        return true;
    }

    void flush() {
        if (closed())
            return;
        const ssize_t n = send_some(output_);
        if (n < 0) {
            close();
            return;
        }
        output_.erase(0, static_cast<std::size_t>(n));
        // Ask for writability only while replies are waiting to go out.
        const bool want_output = !output_.empty();
        if (want_output != waiting_for_output_) {
            waiting_for_output_ = want_output;
            server_.poller().remove(fd_.get());
            server_.poller().add(fd_.get(), *this, want_output ? EPOLLIN | EPOLLOUT : EPOLLIN);
        }
    }

    void drop(const char* why) {
        RTPE_LOG(control, log::kWarning, "Closing TCP control ng connection from %s: %s", peer_.c_str(), why);
        close();
    }

    NgProcessor& processor_;
    std::string input_;
    std::string output_;
    bool waiting_for_output_ = false;
};

NgTcpListener::NgTcpListener(const net::SocketAddress& address, NgProcessor& processor)
    : server_(address, "ng TCP", kMaxConnections,
              [&processor](TcpServer& server, net::Fd fd, const net::SocketAddress& peer) {
                  return std::make_shared<Connection>(server, std::move(fd), peer, processor);
              }) {}

void NgTcpListener::broadcast(std::string_view message) {
    server_.for_each_connection(
        [message](TcpConnection& c) { static_cast<Connection&>(c).send_message(message); });
}

}  // namespace rtpe::control
