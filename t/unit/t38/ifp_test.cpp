// The length of an IFP packet read from its encoding, for both field layouts (T.38 version 0
// and later), with padding behind it and cut short.

#include "hex.hpp"
#include "t38/ifp.hpp"

#include <gtest/gtest.h>

namespace {

using rtpe::t38::ifp_packet_size;
using rtpe::test::unhex;

std::size_t size_of(const char* hex, int version) {
    return ifp_packet_size(unhex(hex), version);
}

TEST(IfpPacketSize, Indicators) {
    EXPECT_EQ(size_of("06", 0), 1u);          // v21-preamble
    EXPECT_EQ(size_of("06 0000", 0), 1u);     // FEC padding behind it
    EXPECT_EQ(size_of("2040 00", 2), 2u);     // an extended indicator (v8-ansam and on)
    EXPECT_EQ(size_of("20", 2), 0u);
    EXPECT_EQ(size_of("", 0), 0u);
}

TEST(IfpPacketSize, DataFieldsFromVersion1) {
    // v17-14400 data, one t4-non-ecm-data field of three octets.
    EXPECT_EQ(size_of("d0 01 b0 0002 aabbcc 0000", 2), 8u);
    // hdlc-data of two octets, then hdlc-fcs-OK without data.
    EXPECT_EQ(size_of("c0 02 80 0001 1122 10 00", 1), 8u);
    // An extended field type (cm-message) with data.
    EXPECT_EQ(size_of("c0 01 c000 0000 55", 3), 7u);
}

TEST(IfpPacketSize, Version0PacksFieldsWithoutDataInHalfOctets) {
    EXPECT_EQ(size_of("c0 01 20 0000", 0), 3u);     // hdlc-fcs-OK alone: half an octet
    EXPECT_EQ(size_of("c0 02 21 00", 0), 3u);       // hdlc-fcs-OK and hdlc-sig-end share one
    EXPECT_EQ(size_of("c0 01 80 0000 aa 00", 0), 6u);   // hdlc-data with one octet
    EXPECT_EQ(size_of("c0 02 08 0001 aabb", 0), 7u);  // no-data high half, data in the low half
}

TEST(IfpPacketSize, CutShortOrUnreadable) {
    EXPECT_EQ(size_of("d0", 2), 0u);                  // no field count
    EXPECT_EQ(size_of("d0 81", 2), 0u);               // two-octet count cut
    EXPECT_EQ(size_of("d0 c1", 2), 0u);               // fragmented count
    EXPECT_EQ(size_of("d0 02 b0 0000 aa", 2), 0u);    // second field missing
    EXPECT_EQ(size_of("d0 01 b0 00", 2), 0u);         // data length cut
    EXPECT_EQ(size_of("d0 01 b0 0005 aa", 2), 0u);    // data shorter than its length
    EXPECT_EQ(size_of("d0 01 c0", 2), 0u);            // extended field type cut
    EXPECT_EQ(size_of("c0 03 21", 0), 0u);            // version 0: a third field missing
}

}  // namespace
