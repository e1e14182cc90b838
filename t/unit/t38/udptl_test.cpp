// The UDPTL packet format: exact bytes for redundancy and FEC datagrams, round trips, and
// a status for every way a datagram can be malformed.

#include "hex.hpp"
#include "t38/udptl.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using namespace rtpe::t38;
using rtpe::test::unhex;

std::vector<uint8_t> bytes_of(Bytes b) {
    return {b.begin(), b.end()};
}

UdptlStatus parse(const std::vector<uint8_t>& datagram) {
    UdptlPacket p;
    return parse_udptl(datagram, p);
}

TEST(Udptl, RedundancyDatagramBytes) {
    const auto primary = unhex("0102");
    const auto older = unhex("aa");
    const auto oldest = unhex("bbcc");
    const Bytes previous[] = {older, oldest};
    std::vector<uint8_t> out(64);
    UdptlBuilt built;
    ASSERT_EQ(build_udptl_redundancy(0x1234, primary, previous, out, built), UdptlStatus::ok);
    out.resize(built.size);
    EXPECT_EQ(built.entries, 2u);
    EXPECT_EQ(out, unhex("1234 02 0102 00 02 01aa 02bbcc"));

    UdptlPacket p;
    ASSERT_EQ(parse_udptl(out, p), UdptlStatus::ok);
    EXPECT_EQ(p.seq, 0x1234);
    EXPECT_EQ(bytes_of(p.primary), primary);
    EXPECT_EQ(p.recovery, ErrorRecovery::redundancy);
    ASSERT_EQ(p.entries().size(), 2u);
    EXPECT_EQ(bytes_of(p.entries()[0]), older);
    EXPECT_EQ(bytes_of(p.entries()[1]), oldest);
}

TEST(Udptl, TwoOctetLengths) {
    std::vector<uint8_t> primary(200, 0x5a);
    primary[0] = 0x11;
    std::vector<uint8_t> secondary(kUdptlMaxLength, 0x33);
    const Bytes previous[] = {secondary};
    std::vector<uint8_t> out(20000);
    UdptlBuilt built;
    ASSERT_EQ(build_udptl_redundancy(7, primary, previous, out, built), UdptlStatus::ok);
    EXPECT_EQ(out[2], 0x80);
    EXPECT_EQ(out[3], 200);
    EXPECT_EQ(out[4], 0x11);
    EXPECT_EQ(out[2 + 2 + 200 + 2], 0xbf);  // 16383 = 0x3fff behind the 10 prefix
    EXPECT_EQ(out[2 + 2 + 200 + 3], 0xff);
    out.resize(built.size);
    UdptlPacket p;
    ASSERT_EQ(parse_udptl(out, p), UdptlStatus::ok);
    EXPECT_EQ(bytes_of(p.primary), primary);
    EXPECT_EQ(bytes_of(p.entries()[0]), secondary);
}

TEST(Udptl, NoRedundancyIsAnEmptyList) {
    const auto primary = unhex("07");
    std::vector<uint8_t> out(16);
    UdptlBuilt built;
    ASSERT_EQ(build_udptl_redundancy(0, primary, {}, out, built), UdptlStatus::ok);
    out.resize(built.size);
    EXPECT_EQ(out, unhex("0000 0107 00 00"));
}

TEST(Udptl, FecDatagramBytes) {
    // Datagram 10, span 2, 2 entries: entry 0 covers 6 and 8, entry 1 covers 7 and 9.
    const auto p9 = unhex("0901"), p8 = unhex("08"), p7 = unhex("070707"), p6 = unhex("0606");
    const Bytes previous[] = {p9, p8, p7, p6};
    const auto primary = unhex("10");
    std::vector<uint8_t> out(64);
    UdptlBuilt built;
    ASSERT_EQ(build_udptl_fec(10, primary, 2, 2, previous, out, built), UdptlStatus::ok);
    out.resize(built.size);
    // 06^08 06^00 | 07^09 07^01 07^00
    EXPECT_EQ(out, unhex("000a 0110 80 0102 02 02 0e06 03 0e0607"));
    EXPECT_EQ(fec_covered_seq(10, 2, 2, 0, 0), 6);
    EXPECT_EQ(fec_covered_seq(10, 2, 2, 0, 1), 8);
    EXPECT_EQ(fec_covered_seq(10, 2, 2, 1, 0), 7);
    EXPECT_EQ(fec_covered_seq(10, 2, 2, 1, 1), 9);

    UdptlPacket p;
    ASSERT_EQ(parse_udptl(out, p), UdptlStatus::ok);
    EXPECT_EQ(p.recovery, ErrorRecovery::fec);
    EXPECT_EQ(p.fec_span, 2u);
    ASSERT_EQ(p.entries().size(), 2u);
    EXPECT_EQ(bytes_of(p.entries()[0]), unhex("0e06"));
    EXPECT_EQ(bytes_of(p.entries()[1]), unhex("0e0607"));
}

TEST(Udptl, FecSpanAbove127TakesTwoOctets) {
    std::vector<Bytes> previous(200, Bytes{});
    const auto one = unhex("01");
    for (Bytes& b : previous)
        b = one;
    const auto primary = unhex("02");
    std::vector<uint8_t> out(64);
    UdptlBuilt built;
    ASSERT_EQ(build_udptl_fec(1, primary, 200, 1, previous, out, built), UdptlStatus::ok);
    out.resize(built.size);
    EXPECT_EQ(out, unhex("0001 0102 80 0200c8 01 0100"));  // 200 ones XOR to zero
    UdptlPacket p;
    ASSERT_EQ(parse_udptl(out, p), UdptlStatus::ok);
    EXPECT_EQ(p.fec_span, 200u);
}

TEST(Udptl, SeqWrapsInFecCoverage) {
    EXPECT_EQ(fec_covered_seq(1, 3, 3, 0, 0), 65528);
    EXPECT_EQ(fec_covered_seq(1, 3, 3, 2, 2), 0);
}

TEST(Udptl, BuilderRefusals) {
    const auto primary = unhex("01");
    std::vector<uint8_t> out(64);
    UdptlBuilt built;
    EXPECT_EQ(build_udptl_redundancy(0, {}, {}, out, built), UdptlStatus::empty_primary);
    std::vector<uint8_t> huge(kUdptlMaxLength + 1, 1);
    std::vector<uint8_t> big_out(20000);
    EXPECT_EQ(build_udptl_redundancy(0, huge, {}, big_out, built), UdptlStatus::ifp_too_large);
    std::vector<uint8_t> tiny(4);
    EXPECT_EQ(build_udptl_redundancy(0, primary, {}, tiny, built), UdptlStatus::no_space);

    const Bytes previous[] = {primary, primary, primary};
    EXPECT_EQ(build_udptl_fec(0, primary, 2, 2, previous, out, built), UdptlStatus::short_history);
    EXPECT_EQ(build_udptl_fec(0, primary, 256, 0, previous, out, built), UdptlStatus::bad_fec_span);
    std::vector<Bytes> many(40 * 1, primary);
    EXPECT_EQ(build_udptl_fec(0, primary, 1, 33, many, out, built), UdptlStatus::too_many_entries);
    std::vector<uint8_t> head_only(2 + 2 + 1 + 2 + 1);
    EXPECT_EQ(build_udptl_fec(0, primary, 3, 1, previous, head_only, built), UdptlStatus::no_space);
    EXPECT_EQ(build_udptl_fec(0, primary, 3, 0, previous, head_only, built), UdptlStatus::ok);
}

TEST(Udptl, RedundancyShedsWhatDoesNotFit) {
    const auto primary = unhex("01");
    const std::vector<uint8_t> ten(10, 0xee);
    const Bytes previous[] = {ten, ten, ten};
    std::vector<uint8_t> out(2 + 2 + 1 + 1 + 11 + 11 + 5);  // room for two secondaries
    UdptlBuilt built;
    ASSERT_EQ(build_udptl_redundancy(3, primary, previous, out, built), UdptlStatus::ok);
    EXPECT_EQ(built.entries, 2u);
    EXPECT_EQ(built.size, 2u + 2 + 1 + 1 + 11 + 11);

    std::vector<Bytes> forty(40, Bytes(primary));
    std::vector<uint8_t> large(256);
    ASSERT_EQ(build_udptl_redundancy(3, primary, forty, large, built), UdptlStatus::ok);
    EXPECT_EQ(built.entries, kUdptlMaxEntries);
}

TEST(Udptl, ZeroLengthSecondaryParses) {
    UdptlPacket p;
    const auto d = unhex("0005 0101 00 02 00 0102");
    ASSERT_EQ(parse_udptl(d, p), UdptlStatus::ok);
    ASSERT_EQ(p.entries().size(), 2u);
    EXPECT_TRUE(p.entries()[0].empty());
    EXPECT_EQ(bytes_of(p.entries()[1]), unhex("02"));
}

TEST(Udptl, PaddingBitsOfTheChoiceAreIgnored) {
    EXPECT_EQ(parse(unhex("0005 0101 7f 00")), UdptlStatus::ok);
    UdptlPacket p;
    const auto d = unhex("0005 0101 ff 0103 00");
    ASSERT_EQ(parse_udptl(d, p), UdptlStatus::ok);
    EXPECT_EQ(p.recovery, ErrorRecovery::fec);
    EXPECT_EQ(p.fec_span, 3u);
}

TEST(Udptl, MalformedDatagrams) {
    struct Case {
        const char* hex;
        UdptlStatus expected;
    };
    const Case cases[] = {
        {"", UdptlStatus::truncated},
        {"00", UdptlStatus::truncated},
        {"0001", UdptlStatus::truncated},                     // no primary length
        {"0001 03 0102", UdptlStatus::truncated},             // primary shorter than said
        {"0001 80", UdptlStatus::truncated},                  // two-octet length cut
        {"0001 8100", UdptlStatus::truncated},                // 256 octets announced
        {"0001 c1", UdptlStatus::fragmented},
        {"0001 00 00 00", UdptlStatus::empty_primary},
        {"0001 0101", UdptlStatus::truncated},                // no error-recovery choice
        {"0001 0101 00", UdptlStatus::truncated},             // no secondary count
        {"0001 0101 00 21", UdptlStatus::too_many_entries},   // 33 secondaries
        {"0001 0101 00 c1", UdptlStatus::fragmented},
        {"0001 0101 00 02 0101", UdptlStatus::truncated},     // second secondary missing
        {"0001 0101 00 01 0201", UdptlStatus::truncated},     // secondary shorter than said
        {"0001 0101 00 00 ff", UdptlStatus::trailing_data},
        {"0001 0101 80", UdptlStatus::truncated},             // no fec-npackets
        {"0001 0101 80 01", UdptlStatus::truncated},          // fec-npackets value missing
        {"0001 0101 80 00 00", UdptlStatus::bad_fec_span},    // zero-octet INTEGER
        {"0001 0101 80 03 000001 00", UdptlStatus::bad_fec_span},
        {"0001 0101 80 01 80 00", UdptlStatus::bad_fec_span},  // negative
        {"0001 0101 80 02 0100 00", UdptlStatus::bad_fec_span},  // 256
        {"0001 0101 80 0103", UdptlStatus::truncated},        // no entry count
        {"0001 0101 80 0103 21", UdptlStatus::too_many_entries},
        {"0001 0101 80 0103 01 02aa", UdptlStatus::truncated},
        {"0001 0101 80 0103 01 01aa bb", UdptlStatus::trailing_data},
    };
    for (const Case& c : cases)
        EXPECT_EQ(parse(unhex(c.hex)), c.expected) << c.hex;
}

TEST(Udptl, StatusTexts) {
    EXPECT_STREQ(to_string(UdptlStatus::ok), "ok");
    EXPECT_STREQ(to_string(UdptlStatus::truncated), "truncated UDPTL packet");
    EXPECT_STREQ(to_string(UdptlStatus::short_history), "not enough IFP packets for the FEC span");
}

}  // namespace
