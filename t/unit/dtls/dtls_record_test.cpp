#include "dtls/record.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using namespace rtpe::dtls;

std::vector<uint8_t> record(uint8_t type, uint16_t version, uint16_t epoch, uint64_t seq, std::size_t length,
                            std::size_t actual) {
    std::vector<uint8_t> r = {type, uint8_t(version >> 8), uint8_t(version), uint8_t(epoch >> 8), uint8_t(epoch)};
    for (int i = 5; i >= 0; --i)
        r.push_back(uint8_t(seq >> (8 * i)));
    r.push_back(uint8_t(length >> 8));
    r.push_back(uint8_t(length));
    r.resize(r.size() + actual, 0xaa);
    return r;
}

TEST(DtlsRecord, ParsesAHeader) {
    auto r = record(22, kDtls12, 1, 0x0102030405ull, 40, 40);
    RecordHeader h;
    ASSERT_EQ(parse_record_header(r, h), RecordStatus::ok);
    EXPECT_EQ(h.content_type, 22);
    EXPECT_EQ(h.version, kDtls12);
    EXPECT_EQ(h.epoch, 1);
    EXPECT_EQ(h.sequence, 0x0102030405ull);
    EXPECT_EQ(h.length, 40);
    EXPECT_TRUE(looks_like_record(r));
}

TEST(DtlsRecord, Rfc7983Range) {
    for (int b = 0; b < 256; ++b) {
        const std::vector<uint8_t> d = {uint8_t(b)};
        EXPECT_EQ(looks_like_record(d), b >= 20 && b <= 63) << b;
    }
    EXPECT_FALSE(looks_like_record({}));
}

TEST(DtlsRecord, RejectsBadInput) {
    RecordHeader h;
    auto r = record(22, kDtls12, 0, 0, 40, 39);
    EXPECT_EQ(parse_record_header(r, h), RecordStatus::truncated);
    r = record(22, 0x0303, 0, 0, 4, 4);  // TLS 1.2, not DTLS
    EXPECT_EQ(parse_record_header(r, h), RecordStatus::bad_version);
    r = record(64, kDtls12, 0, 0, 4, 4);
    EXPECT_EQ(parse_record_header(r, h), RecordStatus::not_dtls);
    r = record(23, kDtls10, 0, 0, 20000, 20000);
    EXPECT_EQ(parse_record_header(r, h), RecordStatus::bad_length);
    r = record(22, kDtls12, 0, 0, 0, 0);
    r.pop_back();
    EXPECT_EQ(parse_record_header(r, h), RecordStatus::too_short);
}

TEST(DtlsRecord, DatagramMustBeRecordsBackToBack) {
    auto d = record(22, kDtls10, 0, 0, 10, 10);
    auto second = record(20, kDtls12, 0, 1, 1, 1);
    d.insert(d.end(), second.begin(), second.end());
    std::size_t n = 0;
    RecordHeader first;
    EXPECT_EQ(check_datagram(d, &n, &first), RecordStatus::ok);
    EXPECT_EQ(n, 2u);
    EXPECT_EQ(first.length, 10);
    d.push_back(0x16);  // a stray byte after the records
    EXPECT_EQ(check_datagram(d, &n), RecordStatus::too_short);
    EXPECT_EQ(n, 2u);
    EXPECT_EQ(check_datagram({}), RecordStatus::too_short);
}

}  // namespace
