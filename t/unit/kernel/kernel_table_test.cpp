// The daemon's side of /proc/rtpengine against a fake root of regular files: the table
// commands and control messages written (byte offsets as kernel-module/rtpengine_kernel_abi.h
// lays them out, written out here independently), blist records parsed, and the errors.

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/kernel/kernel_startup.hpp"
#include "daemon/kernel/kernel_message.hpp"
#include "daemon/kernel/kernel_table.hpp"

namespace rtpe::kernel {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMsg = 448;
constexpr std::size_t kRec = 832;
constexpr uint32_t kMagic = 0x4b455452;
constexpr uint16_t kVersion = 2;  // RTPE_KABI_VERSION

net::SocketAddress addr(const char* ip, uint16_t port) {
    return net::SocketAddress(*net::IpAddress::parse(ip), port);
}

uint16_t get16(const std::vector<uint8_t>& b, std::size_t at) {
    return static_cast<uint16_t>(b.at(at) | b.at(at + 1) << 8);
}
uint32_t get32(const std::vector<uint8_t>& b, std::size_t at) {
    return static_cast<uint32_t>(get16(b, at)) | static_cast<uint32_t>(get16(b, at + 2)) << 16;
}
void put16(std::vector<uint8_t>& b, std::size_t at, uint16_t v) {
    b.at(at) = static_cast<uint8_t>(v);
    b.at(at + 1) = static_cast<uint8_t>(v >> 8);
}
void put32(std::vector<uint8_t>& b, std::size_t at, uint32_t v) {
    put16(b, at, static_cast<uint16_t>(v));
    put16(b, at + 2, static_cast<uint16_t>(v >> 16));
}
void put64(std::vector<uint8_t>& b, std::size_t at, uint64_t v) {
    put32(b, at, static_cast<uint32_t>(v));
    put32(b, at + 4, static_cast<uint32_t>(v >> 32));
}
std::vector<uint8_t> bytes_at(const std::vector<uint8_t>& b, std::size_t at, std::size_t n) {
    return std::vector<uint8_t>(b.begin() + static_cast<long>(at), b.begin() + static_cast<long>(at + n));
}

// A struct rtpe_kaddr at `at`: family, port (host order), address (network order).
void expect_kaddr(const std::vector<uint8_t>& b, std::size_t at, uint16_t family, uint16_t port,
                  std::vector<uint8_t> address) {
    EXPECT_EQ(get16(b, at), family) << "kaddr at " << at;
    EXPECT_EQ(get16(b, at + 2), port) << "kaddr at " << at;
    address.resize(16, 0);
    EXPECT_EQ(bytes_at(b, at + 4, 16), address) << "kaddr at " << at;
}

class FakeProc : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/rtpe-kernel-test-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        root_ = tmpl;
        touch(root_ + "/control");
        fs::create_directory(root_ + "/3");
        touch(root_ + "/3/control");
        touch(root_ + "/3/blist");
    }
    void TearDown() override { fs::remove_all(root_); }

    static void touch(const std::string& path) { std::ofstream(path, std::ios::binary).flush(); }
    static std::vector<uint8_t> read(const std::string& path) {
        std::ifstream f(path, std::ios::binary);
        return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
    }
    static std::string text(const std::string& path) {
        auto b = read(path);
        return std::string(b.begin(), b.end());
    }
    static void write(const std::string& path, const std::vector<uint8_t>& b) {
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()),
                                                    static_cast<std::streamsize>(b.size()));
    }
    // The messages written to N/control after the probe.
    std::vector<uint8_t> messages() const {
        auto all = read(root_ + "/3/control");
        EXPECT_GE(all.size(), kMsg);
        return all.size() >= kMsg ? bytes_at(all, kMsg, all.size() - kMsg) : all;
    }
    std::unique_ptr<KernelTable> open_table() {
        auto opened = KernelTable::open(3, root_);
        EXPECT_TRUE(opened.status.ok()) << opened.status.message();
        return std::move(opened.table);
    }

    std::string root_;
};

KernelTarget full_target() {
    KernelTarget t;
    t.local = addr("10.0.0.1", 30000);
    t.expected_source = addr("192.168.1.2", 5000);
    t.send_from = addr("10.0.0.1", 30002);
    t.destination = addr("192.168.1.3", 6000);
    t.payload_types = {0, 8, 101};
    t.payload_type_filter = true;
    t.ssrcs = {0x11223344, 0xdeadbeef};
    t.ssrc_check = true;
    t.rtp_only = true;
    t.tos = 184;
    t.stats_slot = 77;
    return t;
}

TEST_F(FakeProc, OpenReclaimsCreatesProbesAndDeletesAtExit) {
    auto table = open_table();
    ASSERT_TRUE(table);
    EXPECT_EQ(table->id(), 3u);
    // upstream's order: a table left by a dead daemon is deleted, then created
    EXPECT_EQ(text(root_ + "/control"), "del 3\nadd 3\n");
    // the ABI probe: a delete of 0.0.0.0:9 in the fresh table
    auto probe = read(root_ + "/3/control");
    ASSERT_EQ(probe.size(), kMsg);
    EXPECT_EQ(get32(probe, 0), kMagic);
    EXPECT_EQ(get16(probe, 4), kVersion);
    EXPECT_EQ(get16(probe, 6), kMsg);
    EXPECT_EQ(get32(probe, 8), 3u);
    expect_kaddr(probe, 16, 2, 9, {0, 0, 0, 0});
    EXPECT_EQ(bytes_at(probe, 36, kMsg - 36), std::vector<uint8_t>(kMsg - 36, 0));
    table.reset();
    EXPECT_EQ(text(root_ + "/control"), "del 3\nadd 3\ndel 3\n");
}

TEST_F(FakeProc, AddMessageBytes) {
    auto table = open_table();
    ASSERT_TRUE(table);
    ASSERT_TRUE(table->add(full_target()).ok());
    auto m = messages();
    ASSERT_EQ(m.size(), kMsg);
    EXPECT_EQ(get32(m, 0), kMagic);
    EXPECT_EQ(get16(m, 4), kVersion);
    EXPECT_EQ(get16(m, 6), kMsg);
    EXPECT_EQ(get32(m, 8), 1u);   // RTPE_KCMD_ADD_TARGET
    EXPECT_EQ(get32(m, 12), 0u);  // reserved
    expect_kaddr(m, 16, 2, 30000, {10, 0, 0, 1});       // local
    expect_kaddr(m, 36, 2, 5000, {192, 168, 1, 2});     // expected source
    expect_kaddr(m, 56, 2, 30002, {10, 0, 0, 1});       // send from
    expect_kaddr(m, 76, 2, 6000, {192, 168, 1, 3});     // destination
    EXPECT_EQ(get32(m, 96), 2u | 4u | 8u);              // PT_FILTER | SSRC_CHECK | RTP_ONLY
    EXPECT_EQ(get32(m, 100), 77u);                      // stats slot
    EXPECT_EQ(m[104], 184);                             // tos
    EXPECT_EQ(m[105], 3);                               // num_pt
    EXPECT_EQ(m[106], 2);                               // num_ssrc
    EXPECT_EQ(bytes_at(m, 108, 4), (std::vector<uint8_t>{0, 8, 101, 0}));
    EXPECT_EQ(get32(m, 140), 0x11223344u);
    EXPECT_EQ(get32(m, 144), 0xdeadbeefu);
    EXPECT_EQ(get32(m, 148), 0u);
    // decrypt and encrypt: NULL/NULL, all zero
    EXPECT_EQ(bytes_at(m, 156, kMsg - 156), std::vector<uint8_t>(kMsg - 156, 0));
}

TEST_F(FakeProc, UpdateAndDeleteMessageBytes) {
    auto table = open_table();
    ASSERT_TRUE(table);
    KernelTarget t = full_target();
    t.expected_source.reset();
    t.rtcp = true;
    t.payload_type_filter = false;
    t.ssrc_check = false;
    t.rtp_only = false;
    ASSERT_TRUE(table->update(t).ok());
    ASSERT_TRUE(table->remove(addr("10.0.0.1", 30000)).ok());
    auto m = messages();
    ASSERT_EQ(m.size(), 2 * kMsg);
    EXPECT_EQ(get32(m, 8), 2u);  // RTPE_KCMD_UPDATE_TARGET
    expect_kaddr(m, 36, 0, 0, {});  // any source
    EXPECT_EQ(get32(m, 96), 1u);    // RTCP only
    EXPECT_EQ(m[105], 3);           // the payload types are still listed, for counting
    auto d = bytes_at(m, kMsg, kMsg);
    EXPECT_EQ(get32(d, 0), kMagic);
    EXPECT_EQ(get32(d, 8), 3u);  // RTPE_KCMD_DEL_TARGET
    expect_kaddr(d, 16, 2, 30000, {10, 0, 0, 1});
    EXPECT_EQ(bytes_at(d, 36, kMsg - 36), std::vector<uint8_t>(kMsg - 36, 0));
}

TEST_F(FakeProc, BridgingTargetIpv4ToIpv6) {
    auto table = open_table();
    ASSERT_TRUE(table);
    KernelTarget t;
    t.local = addr("10.0.0.1", 30000);
    t.expected_source = addr("192.168.1.2", 0);  // any port
    t.send_from = addr("2001:db8::1", 40000);
    t.destination = addr("2001:db8::2", 6000);
    ASSERT_TRUE(table->add(t).ok());
    auto m = messages();
    ASSERT_EQ(m.size(), kMsg);
    expect_kaddr(m, 16, 2, 30000, {10, 0, 0, 1});
    expect_kaddr(m, 36, 2, 0, {192, 168, 1, 2});
    expect_kaddr(m, 56, 10, 40000, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    expect_kaddr(m, 76, 10, 6000, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
    EXPECT_EQ(get32(m, 96), 0u);
    EXPECT_EQ(m[105], 0);
    EXPECT_EQ(m[106], 0);
}

TEST_F(FakeProc, RefusedTargetsAreNotWritten) {
    auto table = open_table();
    ASSERT_TRUE(table);
    struct Case {
        const char* what;
        void (*change)(KernelTarget&);
        const char* words;
    };
    const Case cases[] = {
        {"33 payload types", [](KernelTarget& t) { t.payload_types.assign(33, 0); }, "33 payload types"},
        {"payload type 128", [](KernelTarget& t) { t.payload_types = {0, 128}; }, "payload type 128"},
        {"5 SSRCs", [](KernelTarget& t) { t.ssrcs = {1, 2, 3, 4, 5}; }, "5 SSRCs"},
        {"families differ", [](KernelTarget& t) { t.send_from = addr("::1", 1); }, "differ in address family"},
        {"no local", [](KernelTarget& t) { t.local = net::SocketAddress(); }, "local address"},
        {"local port 0", [](KernelTarget& t) { t.local = addr("10.0.0.1", 0); }, "local address"},
        {"no destination", [](KernelTarget& t) { t.destination = net::SocketAddress(); }, "destination"},
    };
    for (const auto& c : cases) {
        KernelTarget t = full_target();
        c.change(t);
        auto s = table->add(t);
        EXPECT_FALSE(s.ok()) << c.what;
        EXPECT_EQ(s.error(), EINVAL) << c.what;
        EXPECT_NE(s.message().find(c.words), std::string::npos) << c.what << ": " << s.message();
        EXPECT_NE(s.message().find("add target"), std::string::npos) << s.message();
    }
    EXPECT_FALSE(table->remove(net::SocketAddress()).ok());
    EXPECT_TRUE(messages().empty());
}

TEST_F(FakeProc, WriteErrorsCarryErrnoText) {
    // /dev/full fails every write with ENOSPC, as the module fails one with its errno.
    auto table = KernelTable::adopt(3, root_, net::Fd(::open("/dev/full", O_WRONLY | O_CLOEXEC)));
    auto s = table->add(full_target());
    EXPECT_EQ(s.error(), ENOSPC);
    EXPECT_EQ(s.message(), "write " + root_ + "/3/control (add target 10.0.0.1:30000): No space left on device");
    s = table->update(full_target());
    EXPECT_EQ(s.message(), "write " + root_ + "/3/control (update target 10.0.0.1:30000): No space left on device");
    s = table->remove(addr("10.0.0.1", 30000));
    EXPECT_EQ(s.message(), "write " + root_ + "/3/control (delete target 10.0.0.1:30000): No space left on device");
    // a read-only descriptor: EBADF
    auto ro = KernelTable::adopt(3, root_, net::Fd(::open((root_ + "/3/control").c_str(), O_RDONLY | O_CLOEXEC)));
    EXPECT_EQ(ro->add(full_target()).error(), EBADF);
}

TEST_F(FakeProc, ProbeFailureDeletesTheTableAgain) {
    fs::remove(root_ + "/3/control");
    fs::create_symlink("/dev/full", root_ + "/3/control");
    auto opened = KernelTable::open(3, root_);
    EXPECT_FALSE(opened.table);
    EXPECT_EQ(opened.status.error(), ENOSPC);
    EXPECT_EQ(opened.status.message(), "write " + root_ + "/3/control (ABI probe): No space left on device");
    EXPECT_EQ(text(root_ + "/control"), "del 3\nadd 3\ndel 3\n");
}

TEST_F(FakeProc, MissingFiles) {
    auto opened = KernelTable::open(3, root_ + "/nothing");
    EXPECT_FALSE(opened.table);
    EXPECT_EQ(opened.status.error(), ENOENT);
    EXPECT_EQ(opened.status.message(), "open " + root_ + "/nothing/control: No such file or directory");

    opened = KernelTable::open(4, root_);  // root/control exists, root/4/control does not
    EXPECT_FALSE(opened.table);
    EXPECT_EQ(opened.status.error(), ENOENT);
    EXPECT_EQ(opened.status.message(), "open " + root_ + "/4/control: No such file or directory");
    EXPECT_EQ(text(root_ + "/control"), "del 4\nadd 4\ndel 4\n");
}

TEST_F(FakeProc, NoPermission) {
    if (geteuid() == 0) {
        // root ignores file modes; a directory in place of the file fails the open instead
        fs::remove(root_ + "/control");
        fs::create_directory(root_ + "/control");
        auto opened = KernelTable::open(3, root_);
        EXPECT_FALSE(opened.table);
        EXPECT_EQ(opened.status.error(), EISDIR);
        EXPECT_NE(opened.status.message().find("Is a directory"), std::string::npos);
        return;
    }
    chmod((root_ + "/control").c_str(), 0444);
    auto opened = KernelTable::open(3, root_);
    EXPECT_FALSE(opened.table);
    EXPECT_EQ(opened.status.error(), EACCES);
    EXPECT_NE(opened.status.message().find("Permission denied"), std::string::npos);
}

// An empty blist record: its header only.
std::vector<uint8_t> empty_record() {
    std::vector<uint8_t> r(kRec, 0);
    put32(r, 0, kMagic);
    put16(r, 4, kVersion);
    put16(r, 6, kRec);
    return r;
}

// A record carrying the target of a control message (what the module shows of it).
std::vector<uint8_t> record_of_message(const std::vector<uint8_t>& message) {
    std::vector<uint8_t> r = empty_record();
    std::copy(message.begin() + 16, message.begin() + 16 + 432, r.begin() + 8);
    return r;
}

// A blist record as the module writes it.
std::vector<uint8_t> record(uint32_t slot, uint64_t packets) {
    std::vector<uint8_t> r = empty_record();
    // target at 8: local 10.0.0.1:(30000+slot), dst [2001:db8::2]:6000 from [2001:db8::1]:40000
    put16(r, 8, 2);
    put16(r, 10, static_cast<uint16_t>(30000 + slot));
    r[12] = 10, r[13] = 0, r[14] = 0, r[15] = 1;
    put16(r, 48, 10);
    put16(r, 50, 40000);
    r[52] = 0x20, r[53] = 0x01, r[54] = 0x0d, r[55] = 0xb8, r[67] = 1;
    put16(r, 68, 10);
    put16(r, 70, 6000);
    r[72] = 0x20, r[73] = 0x01, r[74] = 0x0d, r[75] = 0xb8, r[87] = 2;
    put32(r, 88, 4 | 8);   // flags: SSRC_CHECK | RTP_ONLY
    put32(r, 92, slot);    // stats slot
    r[96] = 46;            // tos
    r[97] = 2;             // num_pt
    r[98] = 1;             // num_ssrc
    r[100] = 0, r[101] = 96;
    put32(r, 132, 0xcafe0001);
    // counters at 440
    put64(r, 440, packets);
    put64(r, 448, packets * 160);
    put64(r, 456, 3);
    put64(r, 464, 5);
    put64(r, 472, 1700000000123456ull);
    put64(r, 480, packets - 1);  // pt 0
    put64(r, 488, 1);            // pt 96
    // ssrc stats at 736: one used slot, then an empty one, then one with an SSRC of 0 that counted
    put32(r, 736, 0xcafe0001);
    put32(r, 740, 0x10000 | 0xfff0);  // srtp_seq: seen, 0xfff0
    put64(r, 744, packets);
    put64(r, 752, packets * 160);
    put32(r, 784, 0);
    put64(r, 792, 7);
    put64(r, 800, 700);
    return r;
}

TEST_F(FakeProc, BlistRecordsParsed) {
    auto table = open_table();
    ASSERT_TRUE(table);
    auto blist = record(1, 50);
    auto second = record(2, 9);
    blist.insert(blist.end(), second.begin(), second.end());
    write(root_ + "/3/blist", blist);
    std::vector<KernelTargetStats> stats;
    auto s = table->read_stats(stats);
    ASSERT_TRUE(s.ok()) << s.message();
    ASSERT_EQ(stats.size(), 2u);
    const auto& a = stats[0];
    EXPECT_EQ(a.target.local, addr("10.0.0.1", 30001));
    EXPECT_FALSE(a.target.expected_source);
    EXPECT_EQ(a.target.send_from, addr("2001:db8::1", 40000));
    EXPECT_EQ(a.target.destination, addr("2001:db8::2", 6000));
    EXPECT_TRUE(a.target.ssrc_check);
    EXPECT_TRUE(a.target.rtp_only);
    EXPECT_FALSE(a.target.rtcp);
    EXPECT_FALSE(a.target.payload_type_filter);
    EXPECT_EQ(a.target.stats_slot, 1u);
    EXPECT_EQ(a.target.tos, 46);
    EXPECT_EQ(a.target.payload_types, (std::vector<uint8_t>{0, 96}));
    EXPECT_EQ(a.target.ssrcs, (std::vector<uint32_t>{0xcafe0001}));
    EXPECT_EQ(a.packets, 50u);
    EXPECT_EQ(a.bytes, 8000u);
    EXPECT_EQ(a.errors, 3u);
    EXPECT_EQ(a.userspace, 5u);
    EXPECT_EQ(a.last_packet_us, 1700000000123456ull);
    EXPECT_EQ(a.pt_packets, (std::vector<uint64_t>{49, 1}));
    ASSERT_EQ(a.ssrcs.size(), 2u);
    EXPECT_EQ(a.ssrcs[0], (KernelSsrcCounters{0xcafe0001, 50, 8000, 0, 0xfff0}));
    EXPECT_EQ(a.ssrcs[1], (KernelSsrcCounters{0, 7, 700, 2, std::nullopt}));
    EXPECT_EQ(stats[1].target.stats_slot, 2u);
    EXPECT_EQ(stats[1].packets, 9u);
}

TEST_F(FakeProc, RemoveReadsTheDeletedTargetsLastRecordBack) {
    // The module answers a delete with the target's last record on the same file; a
    // socket pair stands in for it: the record waits there before the delete goes out.
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
    net::Fd module(pair[1]);
    auto table = KernelTable::adopt(3, root_, net::Fd(pair[0]));
    const auto last_record = record(1, 50);
    ASSERT_EQ(::write(module.get(), last_record.data(), last_record.size()), static_cast<ssize_t>(kRec));
    std::optional<KernelTargetStats> last;
    auto s = table->remove(addr("10.0.0.1", 30001), &last);
    ASSERT_TRUE(s.ok()) << s.message();
    ASSERT_TRUE(last);
    EXPECT_EQ(last->target.local, addr("10.0.0.1", 30001));
    EXPECT_EQ(last->packets, 50u);
    ASSERT_FALSE(last->ssrcs.empty());
    EXPECT_EQ(last->ssrcs[0].srtp_seq, 0xfff0);
    std::vector<uint8_t> sent(kMsg + 1);
    ASSERT_EQ(::read(module.get(), sent.data(), sent.size()), static_cast<ssize_t>(kMsg));
    EXPECT_EQ(get32(sent, 8), 3u);  // RTPE_KCMD_DEL_TARGET

    // a malformed record is an error, not a guess
    auto bad = record(1, 50);
    put32(bad, 0, 0x1234);
    ASSERT_EQ(::write(module.get(), bad.data(), bad.size()), static_cast<ssize_t>(kRec));
    s = table->remove(addr("10.0.0.1", 30001), &last);
    EXPECT_EQ(s.error(), EPROTO) << s.message();
    EXPECT_FALSE(last);
}

TEST_F(FakeProc, BlistRoundTripsAnEncodedTarget) {
    // what add() writes comes back the same from a record carrying it
    auto table = open_table();
    ASSERT_TRUE(table);
    const KernelTarget t = full_target();
    ASSERT_TRUE(table->add(t).ok());
    std::vector<uint8_t> r = record_of_message(messages());
    KernelTargetStats s;
    ASSERT_TRUE(decode_record(r, s).ok());
    EXPECT_EQ(s.target, t);
    EXPECT_EQ(s.pt_packets, (std::vector<uint64_t>{0, 0, 0}));
    EXPECT_TRUE(s.ssrcs.empty());
}

TEST_F(FakeProc, BlistManyRecordsAndEmpty) {
    auto table = open_table();
    ASSERT_TRUE(table);
    std::vector<KernelTargetStats> stats;
    ASSERT_TRUE(table->read_stats(stats).ok());
    EXPECT_TRUE(stats.empty());
    std::vector<uint8_t> blist;
    for (uint32_t i = 0; i < 70; ++i) {  // more than one read's worth
        auto r = record(i, 10 + i);
        blist.insert(blist.end(), r.begin(), r.end());
    }
    write(root_ + "/3/blist", blist);
    ASSERT_TRUE(table->read_stats(stats).ok());
    ASSERT_EQ(stats.size(), 70u);
    EXPECT_EQ(stats[69].target.stats_slot, 69u);
    EXPECT_EQ(stats[69].packets, 79u);
}

TEST_F(FakeProc, BadBlistIsAnError) {
    auto table = open_table();
    ASSERT_TRUE(table);
    std::vector<KernelTargetStats> stats;

    auto partial = record(1, 5);
    auto cut = record(2, 5);
    partial.insert(partial.end(), cut.begin(), cut.begin() + 100);
    write(root_ + "/3/blist", partial);
    auto s = table->read_stats(stats);
    EXPECT_EQ(s.error(), EPROTO);
    EXPECT_NE(s.message().find("partial record of 100 bytes"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(root_ + "/3/blist"), std::string::npos) << s.message();
    EXPECT_EQ(stats.size(), 1u);  // the whole record before it

    for (auto [offset, value] : {std::pair<std::size_t, uint16_t>{0, 0x1234}, {4, 3}, {6, 831}}) {
        auto bad = record(1, 5);
        put16(bad, offset, value);
        write(root_ + "/3/blist", bad);
        stats.clear();
        s = table->read_stats(stats);
        EXPECT_EQ(s.error(), EPROTO) << offset;
        EXPECT_NE(s.message().find("ABI version 2"), std::string::npos) << s.message();
        EXPECT_TRUE(stats.empty());
    }
    auto bad_family = record(1, 5);
    put16(bad_family, 8, 7);
    write(root_ + "/3/blist", bad_family);
    s = table->read_stats(stats);
    EXPECT_EQ(s.error(), EPROTO);
    EXPECT_NE(s.message().find("malformed target"), std::string::npos);

    fs::remove(root_ + "/3/blist");
    s = table->read_stats(stats);
    EXPECT_EQ(s.error(), ENOENT);
    EXPECT_EQ(s.message(), "open " + root_ + "/3/blist: No such file or directory");
}

TEST_F(FakeProc, StartupPolicy) {
    auto off = start_kernel(-1, true, root_);
    EXPECT_FALSE(off.kernel_forwarding());
    EXPECT_FALSE(off.refuse_start);
    EXPECT_EQ(text(root_ + "/control"), "");  // nothing touched

    {
        auto on = start_kernel(3, true, root_);
        EXPECT_TRUE(on.kernel_forwarding());
        EXPECT_FALSE(on.refuse_start);
        EXPECT_EQ(on.log_level, log::kInfo);
        EXPECT_NE(on.message.find("table 3"), std::string::npos) << on.message;
    }
    EXPECT_EQ(text(root_ + "/control"), "del 3\nadd 3\ndel 3\n");

    auto fallback = start_kernel(0, false, root_ + "/missing");
    EXPECT_FALSE(fallback.kernel_forwarding());
    EXPECT_FALSE(fallback.refuse_start);
    EXPECT_EQ(fallback.log_level, log::kWarning);
    for (const char* words : {"continuing in userspace", "table 0", "/missing/control: No such file or directory",
                              "modprobe xt_RTPENGINE", "iptables -I INPUT -p udp -j RTPENGINE --id 0", "--table=-1"})
        EXPECT_NE(fallback.message.find(words), std::string::npos) << words << ": " << fallback.message;

    auto refuse = start_kernel(0, true, root_ + "/missing");
    EXPECT_FALSE(refuse.kernel_forwarding());
    EXPECT_TRUE(refuse.refuse_start);
    EXPECT_EQ(refuse.log_level, log::kErr);
    for (const char* words : {"--no-fallback", "table 0", "No such file or directory", "modprobe xt_RTPENGINE"})
        EXPECT_NE(refuse.message.find(words), std::string::npos) << words << ": " << refuse.message;
}


// ---- SRTP parameters (struct rtpe_kcrypto: decrypt at message offset 160, encrypt at 304;
// in it: cipher 0, hmac 4, key length 8, salt length 12, key 16..47, salt 48..63, SRTP tag
// 64, SRTCP tag 68, MKI length 72, reserved 76, MKI 80..95, roc[4] 96, last_rtcp_index[4] 112)

std::vector<uint8_t> seq_bytes(uint8_t first, std::size_t n) {
    std::vector<uint8_t> b(n);
    for (std::size_t i = 0; i < n; ++i)
        b[i] = static_cast<uint8_t>(first + i);
    return b;
}

KernelTarget srtp_target() {
    KernelTarget t = full_target();
    t.decrypt = *kernel_crypto_for_suite("AES_CM_128_HMAC_SHA1_80", seq_bytes(1, 16), seq_bytes(0x40, 14), {0, 0, 0, 9});
    t.decrypt.roc = {3, 0, 0, 7};
    t.decrypt.srtcp_index = {0, 1000, 0, 0};
    t.encrypt = *kernel_crypto_for_suite("aes_256_cm_hmac_sha1_32", seq_bytes(0x80, 32), seq_bytes(0xc0, 14));
    t.encrypt.roc = {9, 0, 0, 0};
    t.encrypt.srtcp_index = {42, 0, 0, 0};
    return t;
}

TEST_F(FakeProc, SrtpMessageBytes) {
    auto table = open_table();
    ASSERT_TRUE(table);
    ASSERT_TRUE(table->add(srtp_target()).ok());
    auto m = messages();
    ASSERT_EQ(m.size(), kMsg);
    EXPECT_EQ(get32(m, 156), 0u);  // reserved1, before decrypt
    const std::size_t d = 160, e = 304;
    EXPECT_EQ(get32(m, d + 0), 1u);   // RTPE_KCIPHER_AES_CM_128
    EXPECT_EQ(get32(m, d + 4), 1u);   // RTPE_KHMAC_SHA1
    EXPECT_EQ(get32(m, d + 8), 16u);
    EXPECT_EQ(get32(m, d + 12), 14u);
    EXPECT_EQ(bytes_at(m, d + 16, 32), [] { auto k = seq_bytes(1, 16); k.resize(32, 0); return k; }());
    EXPECT_EQ(bytes_at(m, d + 48, 16), [] { auto k = seq_bytes(0x40, 14); k.resize(16, 0); return k; }());
    EXPECT_EQ(get32(m, d + 64), 10u);
    EXPECT_EQ(get32(m, d + 68), 10u);
    EXPECT_EQ(get32(m, d + 72), 4u);
    EXPECT_EQ(get32(m, d + 76), 0u);
    EXPECT_EQ(bytes_at(m, d + 80, 16), (std::vector<uint8_t>{0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    EXPECT_EQ(get32(m, d + 96), 3u);
    EXPECT_EQ(get32(m, d + 108), 7u);
    EXPECT_EQ(get32(m, d + 112), 0u);
    EXPECT_EQ(get32(m, d + 120), 1000u);
    EXPECT_EQ(get32(m, d + 124), 0u);
    EXPECT_EQ(get32(m, e + 0), 3u);   // RTPE_KCIPHER_AES_CM_256
    EXPECT_EQ(get32(m, e + 4), 1u);
    EXPECT_EQ(get32(m, e + 8), 32u);
    EXPECT_EQ(get32(m, e + 12), 14u);
    EXPECT_EQ(bytes_at(m, e + 16, 32), seq_bytes(0x80, 32));
    EXPECT_EQ(get32(m, e + 64), 4u);  // _32: a 4-byte SRTP tag...
    EXPECT_EQ(get32(m, e + 68), 10u); // ...and the full one on SRTCP
    EXPECT_EQ(get32(m, e + 72), 0u);
    EXPECT_EQ(get32(m, e + 96), 9u);
    EXPECT_EQ(get32(m, e + 112), 42u);
    EXPECT_EQ(e + 144, kMsg);
}

TEST_F(FakeProc, SrtpSuitesByName) {
    struct Case {
        const char* name;
        KernelCipher cipher;
        uint8_t rtp_tag;
    };
    for (const Case& c : {Case{"AES_CM_128_HMAC_SHA1_80", KernelCipher::aes_cm_128, 10},
                          Case{"AES_CM_128_HMAC_SHA1_32", KernelCipher::aes_cm_128, 4},
                          Case{"AES_192_CM_HMAC_SHA1_80", KernelCipher::aes_cm_192, 10},
                          Case{"AES_192_CM_HMAC_SHA1_32", KernelCipher::aes_cm_192, 4},
                          Case{"AES_256_CM_HMAC_SHA1_80", KernelCipher::aes_cm_256, 10},
                          Case{"AES_256_CM_HMAC_SHA1_32", KernelCipher::aes_cm_256, 4},
                          Case{"NULL_HMAC_SHA1_80", KernelCipher::null, 10},
                          Case{"NULL_HMAC_SHA1_32", KernelCipher::null, 4}}) {
        auto k = kernel_crypto_for_suite(c.name, {1}, {2});
        ASSERT_TRUE(k) << c.name;
        EXPECT_EQ(k->cipher, c.cipher) << c.name;
        EXPECT_EQ(k->hmac, KernelHmac::sha1) << c.name;
        EXPECT_EQ(k->rtp_tag_length, c.rtp_tag) << c.name;
        EXPECT_EQ(k->rtcp_tag_length, 10) << c.name;
        EXPECT_EQ(k->master_key, std::vector<uint8_t>{1});
        EXPECT_FALSE(k->plain());
    }
    for (const char* name : {"AEAD_AES_128_GCM", "AEAD_AES_256_GCM", "F8_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_8", ""})
        EXPECT_FALSE(kernel_crypto_for_suite(name, {}, {})) << name;
    EXPECT_TRUE(KernelCrypto{}.plain());
}

TEST_F(FakeProc, SrtpParametersRefusedBeforeWriting) {
    auto table = open_table();
    ASSERT_TRUE(table);
    struct Case {
        const char* what;
        void (*change)(KernelCrypto&);
        int error;
        const char* words;
    };
    const Case cases[] = {
        {"15-byte key", [](KernelCrypto& c) { c.master_key.resize(15); }, EINVAL, "master key of 15 bytes"},
        {"AES-256 with 16", [](KernelCrypto& c) { c.cipher = KernelCipher::aes_cm_256; }, EINVAL, "the suite has 32"},
        {"13-byte salt", [](KernelCrypto& c) { c.master_salt.resize(13); }, EINVAL, "master salt of 13"},
        {"tag 8", [](KernelCrypto& c) { c.rtp_tag_length = 8; }, EINVAL, "tag of 8 bytes"},
        {"SRTCP tag 0", [](KernelCrypto& c) { c.rtcp_tag_length = 0; }, EINVAL, "tag of 0 bytes"},
        {"MKI 17", [](KernelCrypto& c) { c.mki.assign(17, 1); }, EINVAL, "MKI of 17 bytes"},
        {"F8", [](KernelCrypto& c) { c.cipher = KernelCipher::aes_f8; }, EOPNOTSUPP, "AES-F8 or AES-GCM"},
        {"GCM", [](KernelCrypto& c) { c.cipher = KernelCipher::aes_gcm_128; }, EOPNOTSUPP, "AES-F8 or AES-GCM"},
        {"no HMAC", [](KernelCrypto& c) { c.hmac = KernelHmac::null; }, EOPNOTSUPP, "only with HMAC-SHA1"},
        {"plain with a key", [](KernelCrypto& c) { c.cipher = KernelCipher::null, c.hmac = KernelHmac::null; },
         EINVAL, "plain RTP with SRTP keys"},
    };
    for (const auto& c : cases) {
        for (bool enc : {false, true}) {
            KernelTarget t = srtp_target();
            c.change(enc ? t.encrypt : t.decrypt);
            if (enc && std::string(c.what) == "AES-256 with 16")
                t.encrypt.master_key.resize(16);  // the encrypt side is AES-256 already
            auto s = table->add(t);
            EXPECT_EQ(s.error(), c.error) << c.what << (enc ? " (encrypt)" : " (decrypt)") << ": " << s.message();
            EXPECT_NE(s.message().find(c.words), std::string::npos) << c.what << ": " << s.message();
            EXPECT_NE(s.message().find(enc ? "encrypt: " : "decrypt: "), std::string::npos) << s.message();
        }
    }
    EXPECT_TRUE(messages().empty());
    EXPECT_TRUE(validate(srtp_target()).ok());
}

TEST_F(FakeProc, BlistSrtpStateReadBackWithoutKeys) {
    auto table = open_table();
    ASSERT_TRUE(table);
    auto r = record(1, 10);
    const std::size_t d = 8 + 144, e = 8 + 288;  // decrypt and encrypt in the record's target
    put32(r, d + 0, 2);   // AES-CM-192
    put32(r, d + 4, 1);
    put32(r, d + 8, 24);  // lengths stay, key and salt bytes are zero as the module writes them
    put32(r, d + 12, 14);
    put32(r, d + 64, 4);
    put32(r, d + 68, 10);
    put32(r, d + 72, 2);
    r[d + 80] = 0xab, r[d + 81] = 0xcd;
    put32(r, d + 96, 1);            // ROC of slot 0 after a rollover
    put32(r, d + 100, 0x10000);
    put64(r, d + 120, 0x7fffffff);  // highest SRTCP index of slot 1
    put32(r, e + 0, 0);             // NULL_HMAC_SHA1
    put32(r, e + 4, 1);
    put32(r, e + 8, 16);
    put32(r, e + 12, 14);
    put32(r, e + 64, 10);
    put32(r, e + 68, 10);
    put32(r, e + 96, 4);
    put64(r, e + 112, 43);          // the next SRTCP index
    write(root_ + "/3/blist", r);
    std::vector<KernelTargetStats> stats;
    auto s = table->read_stats(stats);
    ASSERT_TRUE(s.ok()) << s.message();
    ASSERT_EQ(stats.size(), 1u);
    const KernelCrypto& dec = stats[0].target.decrypt;
    EXPECT_EQ(dec.cipher, KernelCipher::aes_cm_192);
    EXPECT_EQ(dec.hmac, KernelHmac::sha1);
    EXPECT_TRUE(dec.master_key.empty());
    EXPECT_TRUE(dec.master_salt.empty());
    EXPECT_EQ(dec.rtp_tag_length, 4);
    EXPECT_EQ(dec.rtcp_tag_length, 10);
    EXPECT_EQ(dec.mki, (std::vector<uint8_t>{0xab, 0xcd}));
    EXPECT_EQ(dec.roc, (std::array<uint32_t, 4>{1, 0x10000, 0, 0}));
    EXPECT_EQ(dec.srtcp_index, (std::array<uint64_t, 4>{0, 0x7fffffff, 0, 0}));
    const KernelCrypto& enc = stats[0].target.encrypt;
    EXPECT_EQ(enc.cipher, KernelCipher::null);
    EXPECT_EQ(enc.hmac, KernelHmac::sha1);
    EXPECT_FALSE(enc.plain());
    EXPECT_EQ(enc.roc[0], 4u);
    EXPECT_EQ(enc.srtcp_index[0], 43u);

    // an unknown cipher in a record is a malformed target
    put32(r, d + 0, 9);
    write(root_ + "/3/blist", r);
    stats.clear();
    EXPECT_EQ(table->read_stats(stats).error(), EPROTO);
}

TEST_F(FakeProc, BlistRoundTripsAnSrtpTargetButTheKeys) {
    auto table = open_table();
    ASSERT_TRUE(table);
    const KernelTarget t = srtp_target();
    ASSERT_TRUE(table->add(t).ok());
    std::vector<uint8_t> r = record_of_message(messages());
    // the module zeroes the keys and salts of what it shows
    std::fill(r.begin() + 8 + 144 + 16, r.begin() + 8 + 144 + 64, 0);
    std::fill(r.begin() + 8 + 288 + 16, r.begin() + 8 + 288 + 64, 0);
    KernelTargetStats s;
    ASSERT_TRUE(decode_record(r, s).ok());
    KernelTarget want = t;
    want.decrypt.master_key.clear();
    want.decrypt.master_salt.clear();
    want.encrypt.master_key.clear();
    want.encrypt.master_salt.clear();
    EXPECT_EQ(s.target, want);
}

}  // namespace
}  // namespace rtpe::kernel
