// Our endpoint against an independent implementation: the openssl command's s_client and
// s_server (OpenSSL's own apps, driving their own DTLS state machine over a real UDP
// socket) on 127.0.0.1. The keys we export must be what -keymatexport prints.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "dtls/endpoint.hpp"
#include "dtls_test_util.hpp"

namespace {

using namespace rtpe::dtls;
using namespace std::chrono_literals;

struct TempPem {
    explicit TempPem(const std::string& text) {
        char name[] = "/tmp/rtpe-dtls-interop-XXXXXX";
        const int fd = mkstemp(name);
        if (fd >= 0) {
            path = name;
            (void)!write(fd, text.data(), text.size());
            ::close(fd);
        }
    }
    ~TempPem() {
        if (!path.empty())
            unlink(path.c_str());
    }
    std::string path;
};

// A child process with its stdin and (stdout + stderr) as pipes; killed if still running.
class Child {
public:
    explicit Child(const std::vector<std::string>& argv) {
        int in[2], out[2];
        if (pipe(in) != 0 || pipe(out) != 0)
            return;
        pid_ = fork();
        if (pid_ == 0) {
            dup2(in[0], 0);
            dup2(out[1], 1);
            dup2(out[1], 2);
            ::close(in[0]);
            ::close(in[1]);
            ::close(out[0]);
            ::close(out[1]);
            std::vector<char*> args;
            for (const auto& a : argv)
                args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            execvp(args[0], args.data());
            _exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        stdin_ = in[1];
        stdout_ = out[0];
        fcntl(stdout_, F_SETFL, O_NONBLOCK);
    }
    ~Child() {
        close_stdin();
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
        if (stdout_ >= 0)
            ::close(stdout_);
    }
    void close_stdin() {
        if (stdin_ >= 0)
            ::close(stdin_);
        stdin_ = -1;
    }
    // Reads what is there; returns all output so far.
    const std::string& output() {
        char buf[4096];
        ssize_t n;
        while (stdout_ >= 0 && (n = read(stdout_, buf, sizeof(buf))) > 0)
            output_.append(buf, static_cast<std::size_t>(n));
        return output_;
    }
    // Waits up to `limit` for the process to end (collecting its output).
    bool wait(std::chrono::milliseconds limit) {
        const auto end = Clock::now() + limit;
        while (Clock::now() < end) {
            output();
            int status;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                output();
                return true;
            }
            usleep(10000);
        }
        return false;
    }
    bool started() const { return pid_ > 0; }

private:
    pid_t pid_ = -1;
    int stdin_ = -1, stdout_ = -1;
    std::string output_;
};

// A UDP socket on 127.0.0.1 feeding one endpoint; answers go to whoever spoke last.
class UdpSide : public Endpoint::Listener {
public:
    UdpSide() {
        fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
        socklen_t len = sizeof(a);
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~UdpSide() override { ::close(fd_); }

    void send(std::span<const uint8_t> d) override {
        if (peer_.sin_port)
            sendto(fd_, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&peer_), sizeof(peer_));
    }
    void on_event(const EndpointEvent& e) override {
        kinds.push_back(e.kind);
        if (e.kind == EndpointEvent::Kind::connected)
            keys = *e.keys;
        if (e.kind == EndpointEvent::Kind::failed)
            reason = std::string(e.reason);
    }
    void set_peer(uint16_t p) {
        peer_.sin_family = AF_INET;
        peer_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        peer_.sin_port = htons(p);
    }
    // Receives and runs the endpoint's timer until `done` or `limit`.
    void pump(Endpoint& e, std::chrono::milliseconds limit, const std::function<bool()>& done) {
        const auto end = Clock::now() + limit;
        while (Clock::now() < end) {
            pollfd p{fd_, POLLIN, 0};
            poll(&p, 1, 20);
            uint8_t buf[65536];
            sockaddr_in from{};
            socklen_t len = sizeof(from);
            ssize_t n;
            while ((n = recvfrom(fd_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len)) > 0) {
                peer_ = from;
                e.on_datagram(Clock::now(), {buf, static_cast<std::size_t>(n)});
                len = sizeof(from);
            }
            if (Clock::now() >= e.next_deadline())
                e.on_timer(Clock::now());
            if (done())
                return;
        }
    }

    uint16_t port = 0;
    std::vector<EndpointEvent::Kind> kinds;
    SrtpKeys keys;
    std::string reason;

private:
    int fd_ = -1;
    sockaddr_in peer_{};
};

// "Keying material: 0A1B..." from s_client/s_server's session report.
std::vector<uint8_t> exported_keys(const std::string& output) {
    std::vector<uint8_t> out;
    const std::size_t at = output.find("Keying material: ");
    if (at == std::string::npos)
        return out;
    for (std::size_t i = at + 17; i + 1 < output.size() && std::isxdigit(output[i]) && std::isxdigit(output[i + 1]);
         i += 2)
        out.push_back(static_cast<uint8_t>(std::stoi(output.substr(i, 2), nullptr, 16)));
    return out;
}

// Our keys in the exporter's order: client key, server key, client salt, server salt.
std::vector<uint8_t> as_exported(const SrtpKeys& k, Role our_role) {
    const bool client = our_role == Role::active;
    const auto& ck = client ? k.send_key : k.receive_key;
    const auto& sk = client ? k.receive_key : k.send_key;
    const auto& cs = client ? k.send_salt : k.receive_salt;
    const auto& ss = client ? k.receive_salt : k.send_salt;
    std::vector<uint8_t> out(ck);
    out.insert(out.end(), sk.begin(), sk.end());
    out.insert(out.end(), cs.begin(), cs.end());
    out.insert(out.end(), ss.begin(), ss.end());
    return out;
}

bool have_openssl() {
    return system("openssl version > /dev/null 2>&1") == 0;
}

TEST(DtlsInterop, PassiveAgainstOpensslClient) {
    if (!have_openssl())
        GTEST_SKIP() << "no openssl command";
    const Certificate& theirs = test::other_ec_certificate();
    TempPem pem(theirs.to_pem());
    UdpSide net;
    Endpoint ours(Context(test::ec_certificate()), EndpointConfig{Role::passive}, net);
    ours.set_remote_fingerprint(theirs.fingerprint());
    ours.start(Clock::now());

    Child client({"openssl", "s_client", "-dtls1_2", "-connect", "127.0.0.1:" + std::to_string(net.port),
                  "-use_srtp", "SRTP_AES128_CM_SHA1_80", "-keymatexport", "EXTRACTOR-dtls_srtp",
                  "-keymatexportlen", "60", "-cert", pem.path, "-key", pem.path});
    ASSERT_TRUE(client.started());
    net.pump(ours, 10s, [&] { return ours.state() != EndpointState::handshaking; });
    ASSERT_EQ(ours.state(), EndpointState::connected) << net.reason << "\n" << client.output();
    EXPECT_EQ(net.keys.suite->name, "AES_CM_128_HMAC_SHA1_80");

    // s_client prints the session, then ends at the end of its input with close_notify.
    client.close_stdin();
    net.pump(ours, 5s, [&] { return ours.state() != EndpointState::connected; });
    EXPECT_EQ(ours.state(), EndpointState::closed);
    EXPECT_EQ(net.kinds.back(), EndpointEvent::Kind::closed);
    ASSERT_TRUE(client.wait(5s)) << client.output();
    const std::string out = client.output();
    EXPECT_NE(out.find("SRTP Extension negotiated, profile=SRTP_AES128_CM_SHA1_80"), std::string::npos) << out;
    const auto exported = exported_keys(out);
    ASSERT_EQ(exported.size(), 60u) << out;
    EXPECT_EQ(exported, as_exported(net.keys, Role::passive));
}

TEST(DtlsInterop, ActiveAgainstOpensslServer) {
    if (!have_openssl())
        GTEST_SKIP() << "no openssl command";
    const Certificate& theirs = test::rsa_certificate();
    TempPem pem(theirs.to_pem());
    // A free port for the server: bound and released (s_server binds it right after).
    uint16_t port;
    {
        UdpSide probe;
        port = probe.port;
    }
    Child server({"openssl", "s_server", "-dtls1_2", "-accept", "127.0.0.1:" + std::to_string(port), "-use_srtp",
                  "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_32", "-keymatexport", "EXTRACTOR-dtls_srtp",
                  "-keymatexportlen", "56", "-cert", pem.path, "-key", pem.path, "-verify", "1", "-naccept", "1"});
    ASSERT_TRUE(server.started());
    const auto ready_by = Clock::now() + 5s;
    while (server.output().find("ACCEPT") == std::string::npos && Clock::now() < ready_by)
        usleep(10000);
    ASSERT_NE(server.output().find("ACCEPT"), std::string::npos) << server.output();

    UdpSide net;
    net.set_peer(port);
    Endpoint ours(Context(test::ec_certificate()), EndpointConfig{Role::active}, net);
    ours.set_remote_fingerprint(theirs.fingerprint(HashFunction::sha_384));
    ours.start(Clock::now());
    net.pump(ours, 10s, [&] { return ours.state() != EndpointState::handshaking; });
    ASSERT_EQ(ours.state(), EndpointState::connected) << net.reason << "\n" << server.output();
    // We offer upstream's list; the server prefers its own order.
    EXPECT_EQ(net.keys.suite->name, "AEAD_AES_128_GCM");

    const auto end = Clock::now() + 5s;
    std::vector<uint8_t> exported;
    while (exported.size() != 56 && Clock::now() < end) {
        usleep(10000);
        exported = exported_keys(server.output());
    }
    ASSERT_EQ(exported.size(), 56u) << server.output();
    EXPECT_EQ(exported, as_exported(net.keys, Role::active));
    ours.close();
}

}  // namespace
