// The daemon's side of /proc/rtpengine against a fake root of regular files: the table
// commands and control messages written (byte offsets as kernel-module/rtpengine_kernel_abi.h
// lays them out, written out here independently), blist records parsed, and the errors.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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
#include "daemon/kernel/kernel_table.hpp"

namespace rtpe::kernel {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMsg = 448;
constexpr std::size_t kRec = 832;
constexpr uint32_t kMagic = 0x4b455452;

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
    EXPECT_EQ(get16(probe, 4), 1u);
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
    EXPECT_EQ(get16(m, 4), 1u);
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

// A blist record as the module writes it.
std::vector<uint8_t> record(uint32_t slot, uint64_t packets) {
    std::vector<uint8_t> r(kRec, 0);
    put32(r, 0, kMagic);
    put16(r, 4, 1);
    put16(r, 6, kRec);
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
    EXPECT_EQ(a.ssrcs[0], (KernelSsrcCounters{0xcafe0001, 50, 8000}));
    EXPECT_EQ(a.ssrcs[1], (KernelSsrcCounters{0, 7, 700}));
    EXPECT_EQ(stats[1].target.stats_slot, 2u);
    EXPECT_EQ(stats[1].packets, 9u);
}

TEST_F(FakeProc, BlistRoundTripsAnEncodedTarget) {
    // what add() writes comes back the same from a record carrying it
    auto table = open_table();
    ASSERT_TRUE(table);
    const KernelTarget t = full_target();
    ASSERT_TRUE(table->add(t).ok());
    auto m = messages();
    std::vector<uint8_t> r(kRec, 0);
    put32(r, 0, kMagic);
    put16(r, 4, 1);
    put16(r, 6, kRec);
    std::copy(m.begin() + 16, m.begin() + 16 + 432, r.begin() + 8);
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

    for (auto [offset, value] : {std::pair<std::size_t, uint16_t>{0, 0x1234}, {4, 2}, {6, 831}}) {
        auto bad = record(1, 5);
        put16(bad, offset, value);
        write(root_ + "/3/blist", bad);
        stats.clear();
        s = table->read_stats(stats);
        EXPECT_EQ(s.error(), EPROTO) << offset;
        EXPECT_NE(s.message().find("ABI version 1"), std::string::npos) << s.message();
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

}  // namespace
}  // namespace rtpe::kernel
