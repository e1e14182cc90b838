#include "stun/message.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "stun/builder.hpp"
#include "stun/rfc5769_vectors.hpp"

namespace {

using namespace rtpe::stun;
using rtpe::stun::test::kShortTermPassword;

ByteView text_bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

const TransactionId kSampleId = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

TEST(StunRfc5769, SampleRequest) {
    const auto bytes = test::sample_request();
    Message m;
    ASSERT_EQ(Message::parse(bytes, m), ParseStatus::ok);
    EXPECT_TRUE(m.is(MessageClass::request, Method::binding));
    EXPECT_EQ(m.transaction_id(), kSampleId);
    EXPECT_EQ(m.software(), "STUN test client");
    EXPECT_EQ(m.priority(), 0x6e0001ffu);
    EXPECT_EQ(m.ice_controlled(), 0x932ff9b151263b36ull);
    EXPECT_FALSE(m.ice_controlling());
    EXPECT_FALSE(m.use_candidate());
    EXPECT_EQ(m.username(), "evtj:h6vY");
    EXPECT_TRUE(m.unknown_required().empty());
    EXPECT_EQ(m.check_integrity(text_bytes(kShortTermPassword)), Check::ok);
    EXPECT_EQ(m.check_integrity(text_bytes("VOkJxbRl1RmTxUk/WvJxBu")), Check::mismatch);
    EXPECT_EQ(m.check_fingerprint(), Check::ok);
    EXPECT_EQ(m.attributes().size(), 6u);
}

TEST(StunRfc5769, SampleIpv4Response) {
    const auto bytes = test::sample_ipv4_response();
    Message m;
    ASSERT_EQ(Message::parse(bytes, m), ParseStatus::ok);
    EXPECT_TRUE(m.is(MessageClass::success, Method::binding));
    EXPECT_EQ(m.transaction_id(), kSampleId);
    EXPECT_EQ(m.software(), "test vector");
    const auto mapped = m.xor_mapped_address();
    ASSERT_TRUE(mapped);
    EXPECT_EQ(mapped->to_string(), "192.0.2.1:32853");
    EXPECT_EQ(m.check_integrity(text_bytes(kShortTermPassword)), Check::ok);
    EXPECT_EQ(m.check_fingerprint(), Check::ok);
}

TEST(StunRfc5769, SampleIpv6Response) {
    const auto bytes = test::sample_ipv6_response();
    Message m;
    ASSERT_EQ(Message::parse(bytes, m), ParseStatus::ok);
    EXPECT_TRUE(m.is(MessageClass::success, Method::binding));
    const auto mapped = m.xor_mapped_address();
    ASSERT_TRUE(mapped);
    EXPECT_EQ(mapped->to_string(), "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
    EXPECT_EQ(m.check_integrity(text_bytes(kShortTermPassword)), Check::ok);
    EXPECT_EQ(m.check_fingerprint(), Check::ok);
}

// Long-term credentials need MD5(username:realm:password) as the key, which this code
// does not use (ICE has short-term credentials only): parsed, not verified.
TEST(StunRfc5769, LongTermRequestParses) {
    const auto bytes = test::sample_long_term_request();
    Message m;
    ASSERT_EQ(Message::parse(bytes, m), ParseStatus::ok);
    EXPECT_TRUE(m.is(MessageClass::request, Method::binding));
    EXPECT_EQ(m.username(), "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9");
    EXPECT_EQ(m.nonce(), "f//499k954d6OL34oL9FSTvy64sA");
    EXPECT_EQ(m.realm(), "example.org");
    EXPECT_TRUE(m.has_integrity());
    EXPECT_EQ(m.check_fingerprint(), Check::absent);
    EXPECT_TRUE(m.unknown_required().empty());
}

TEST(StunRfc5769, BuilderWritesTheVectorsAddresses) {
    // The XOR-MAPPED-ADDRESS values must come out exactly as the RFC prints them.
    for (const auto& [vector, address] :
         {std::pair{test::sample_ipv4_response(), std::string("192.0.2.1")},
          std::pair{test::sample_ipv6_response(), std::string("2001:db8:1234:5678:11:2233:4455:6677")}}) {
        Message reference;
        ASSERT_EQ(Message::parse(vector, reference), ParseStatus::ok);
        std::array<uint8_t, kMaxMessageSize> buffer;
        MessageBuilder b(buffer, MessageClass::success, Method::binding, kSampleId);
        b.add_xor_mapped_address(rtpe::net::SocketAddress(*rtpe::net::IpAddress::parse(address), 32853));
        Message built;
        ASSERT_EQ(Message::parse(b.finish(), built), ParseStatus::ok);
        const auto a = built.find(attr::kXorMappedAddress);
        const auto r = reference.find(attr::kXorMappedAddress);
        ASSERT_TRUE(a && r);
        EXPECT_EQ(std::vector<uint8_t>(a->value.begin(), a->value.end()),
                  std::vector<uint8_t>(r->value.begin(), r->value.end()));
    }
}

TEST(StunRfc5769, BuilderRebuildsTheSampleRequest) {
    // With zero padding instead of spaces the bytes differ from the RFC's; what must
    // hold is that our output verifies with the same password and reads the same.
    std::array<uint8_t, kMaxMessageSize> buffer;
    rtpe::crypto::HmacSha1 key(text_bytes(kShortTermPassword));
    MessageBuilder b(buffer, MessageClass::request, Method::binding, kSampleId);
    b.add_software("STUN test client")
        .add_priority(0x6e0001ff)
        .add_ice_controlled(0x932ff9b151263b36ull)
        .add_username("evtj:h6vY")
        .add_message_integrity(key)
        .add_fingerprint();
    const auto out = b.finish();
    ASSERT_EQ(out.size(), test::sample_request().size());
    Message m;
    ASSERT_EQ(Message::parse(out, m), ParseStatus::ok);
    EXPECT_EQ(m.check_integrity(key), Check::ok);
    EXPECT_EQ(m.check_fingerprint(), Check::ok);
    EXPECT_EQ(m.username(), "evtj:h6vY");
    // Header and the attributes without padding are identical to the RFC's.
    const auto rfc = test::sample_request();
    EXPECT_TRUE(std::equal(rfc.begin(), rfc.begin() + 20 + 36, out.begin()));
}

TEST(StunType, ClassAndMethodBits) {
    EXPECT_EQ(encode_type(MessageClass::request, Method::binding), 0x0001);
    EXPECT_EQ(encode_type(MessageClass::indication, Method::binding), 0x0011);
    EXPECT_EQ(encode_type(MessageClass::success, Method::binding), 0x0101);
    EXPECT_EQ(encode_type(MessageClass::error, Method::binding), 0x0111);
    for (uint16_t t : {0x0001, 0x0011, 0x0101, 0x0111, 0x0003, 0x0113, 0x3eef}) {
        const auto method = static_cast<Method>(type_method(t));
        EXPECT_EQ(encode_type(type_class(t), method), t) << t;
    }
}

// A valid message to corrupt: request with USERNAME, PRIORITY, MI and FINGERPRINT.
std::vector<uint8_t> valid_request() {
    std::array<uint8_t, kMaxMessageSize> buffer;
    rtpe::crypto::HmacSha1 key(text_bytes("password"));
    MessageBuilder b(buffer, MessageClass::request, Method::binding, kSampleId);
    b.add_username("a:b").add_priority(7).add_message_integrity(key).add_fingerprint();
    const auto out = b.finish();
    return {out.begin(), out.end()};
}

ParseStatus parse(const std::vector<uint8_t>& bytes) {
    Message m;
    return Message::parse(bytes, m);
}

void set16(std::vector<uint8_t>& v, std::size_t at, uint16_t x) {
    v[at] = static_cast<uint8_t>(x >> 8);
    v[at + 1] = static_cast<uint8_t>(x);
}

TEST(StunMalformed, ShortAndForeignDatagrams) {
    auto v = valid_request();
    ASSERT_EQ(parse(v), ParseStatus::ok);
    EXPECT_EQ(parse({}), ParseStatus::too_short);
    EXPECT_EQ(parse(std::vector<uint8_t>(v.begin(), v.begin() + 19)), ParseStatus::too_short);
    auto rtp = v;
    rtp[0] = 0x80;
    EXPECT_EQ(parse(rtp), ParseStatus::not_stun);
    auto cookie = v;
    cookie[4] ^= 1;
    EXPECT_EQ(parse(cookie), ParseStatus::bad_magic_cookie);
    EXPECT_FALSE(looks_like_stun(cookie));
    EXPECT_TRUE(looks_like_stun(v));
}

TEST(StunMalformed, HeaderLength) {
    auto v = valid_request();
    auto unaligned = v;
    set16(unaligned, 2, static_cast<uint16_t>(v.size() - 20 - 2));
    EXPECT_EQ(parse(unaligned), ParseStatus::length_unaligned);
    auto shorter = v;
    set16(shorter, 2, static_cast<uint16_t>(v.size() - 20 - 4));
    EXPECT_EQ(parse(shorter), ParseStatus::length_mismatch);
    auto trailing = v;
    trailing.insert(trailing.end(), {0, 0, 0, 0});
    EXPECT_EQ(parse(trailing), ParseStatus::length_mismatch);
    auto cut = v;
    cut.resize(v.size() - 4);
    EXPECT_EQ(parse(cut), ParseStatus::length_mismatch);
}

TEST(StunMalformed, AttributeRunsPastTheMessage) {
    auto v = valid_request();
    // USERNAME is the first attribute at 20; claim a longer value than the message has.
    set16(v, 22, 0x0100);
    EXPECT_EQ(parse(v), ParseStatus::attribute_truncated);
    // A value whose padding would not fit: 3 bytes of value in a 4-byte body is fine,
    // 5 bytes is not.
    std::vector<uint8_t> m = {0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                              0x80, 0x22, 0x00, 0x05, 'a', 'b', 'c', 'd'};
    EXPECT_EQ(parse(m), ParseStatus::attribute_truncated);
    set16(m, 22, 4);
    EXPECT_EQ(parse(m), ParseStatus::ok);
    // An attribute header cut after two bytes.
    std::vector<uint8_t> h = {0x00, 0x01, 0x00, 0x04, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                              0x80, 0x22, 0x00, 0x04};
    EXPECT_EQ(parse(h), ParseStatus::attribute_truncated);
}

TEST(StunMalformed, TooManyAttributes) {
    std::array<uint8_t, kMaxMessageSize> buffer;
    MessageBuilder b(buffer, MessageClass::request, Method::binding, kSampleId);
    for (std::size_t i = 0; i < kMaxAttributes; ++i)
        b.add_software("x");
    ASSERT_TRUE(b.ok());
    const auto at_limit = b.finish();
    EXPECT_EQ(parse({at_limit.begin(), at_limit.end()}), ParseStatus::ok);
    b.add_software("y");
    const auto over = b.finish();
    EXPECT_EQ(parse({over.begin(), over.end()}), ParseStatus::too_many_attributes);
}

TEST(StunMalformed, IntegrityAndFingerprintLengths) {
    auto v = valid_request();
    // Layout: USERNAME 20..28, PRIORITY 28..36, MI 36..60, FINGERPRINT 60..68.
    auto mi = v;
    set16(mi, 38, 16);
    EXPECT_EQ(parse(mi), ParseStatus::bad_integrity_length);
    auto fp = v;
    set16(fp, 62, 0);
    fp.resize(64);
    set16(fp, 2, 44);
    EXPECT_EQ(parse(fp), ParseStatus::bad_fingerprint_length);
}

TEST(StunMalformed, FingerprintMustBeLast) {
    auto v = valid_request();
    v.insert(v.end(), {0x80, 0x22, 0x00, 0x00});
    set16(v, 2, static_cast<uint16_t>(v.size() - 20));
    EXPECT_EQ(parse(v), ParseStatus::fingerprint_not_last);
}

TEST(StunMalformed, CorruptionIsCaughtByIntegrityAndFingerprint) {
    auto v = valid_request();
    v[26] ^= 0x01;  // inside USERNAME
    Message m;
    ASSERT_EQ(Message::parse(v, m), ParseStatus::ok);
    EXPECT_EQ(m.check_integrity(text_bytes("password")), Check::mismatch);
    EXPECT_EQ(m.check_fingerprint(), Check::mismatch);
}

TEST(StunAttributes, UnknownComprehensionRequiredAreReported) {
    std::array<uint8_t, kMaxMessageSize> buffer;
    MessageBuilder b(buffer, MessageClass::request, Method::binding, kSampleId);
    const uint8_t four[4] = {1, 2, 3, 4};
    b.add(0x7777, four).add(0xC057, four).add(0x0003, four).add_username("a:b");
    Message m;
    ASSERT_EQ(Message::parse(b.finish(), m), ParseStatus::ok);
    ASSERT_EQ(m.unknown_required().size(), 2u);
    EXPECT_EQ(m.unknown_required()[0], 0x7777);
    EXPECT_EQ(m.unknown_required()[1], 0x0003);
}

TEST(StunAttributes, AttributesAfterIntegrityAreIgnored) {
    auto v = valid_request();
    // Put an unknown required attribute between MI and FINGERPRINT (fingerprint now
    // wrong, but parsing only indexes).
    v.insert(v.begin() + 60, {0x77, 0x77, 0x00, 0x00});
    set16(v, 2, static_cast<uint16_t>(v.size() - 20));
    Message m;
    ASSERT_EQ(Message::parse(v, m), ParseStatus::ok);
    EXPECT_TRUE(m.unknown_required().empty());
    EXPECT_EQ(m.find(0x7777), nullptr);
    EXPECT_TRUE(m.has_fingerprint());
}

TEST(StunAttributes, ErrorResponseRoundTrip) {
    std::array<uint8_t, kMaxMessageSize> buffer;
    rtpe::crypto::HmacSha1 key(text_bytes("pw"));
    MessageBuilder b(buffer, MessageClass::error, Method::binding, kSampleId);
    const uint16_t unknown[] = {0x7777, 0x0003, 0x1234};
    b.add_error_code(error::kUnknownAttribute).add_unknown_attributes(unknown).add_message_integrity(key).add_fingerprint();
    Message m;
    ASSERT_EQ(Message::parse(b.finish(), m), ParseStatus::ok);
    EXPECT_EQ(m.message_class(), MessageClass::error);
    const auto e = m.error_code();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code, 420);
    EXPECT_EQ(e->reason, "Unknown Attribute");
    uint16_t out[8];
    ASSERT_EQ(m.unknown_attributes(out), 3u);
    EXPECT_EQ(out[0], 0x7777);
    EXPECT_EQ(out[2], 0x1234);
    EXPECT_EQ(m.check_integrity(key), Check::ok);
    EXPECT_EQ(m.check_fingerprint(), Check::ok);

    for (int code : {400, 401, 487, 500}) {
        MessageBuilder e2(buffer, MessageClass::error, Method::binding, kSampleId);
        e2.add_error_code(code, code == 487 ? "Role Conflict" : "");
        Message r;
        ASSERT_EQ(Message::parse(e2.finish(), r), ParseStatus::ok);
        ASSERT_TRUE(r.error_code());
        EXPECT_EQ(r.error_code()->code, code);
        EXPECT_EQ(r.error_code()->reason, error::default_reason(code));
    }
}

TEST(StunAttributes, AddressesAndIceAttributes) {
    std::array<uint8_t, kMaxMessageSize> buffer;
    MessageBuilder b(buffer, MessageClass::request, Method::binding, kSampleId);
    const auto v4 = rtpe::net::SocketAddress(*rtpe::net::IpAddress::parse("10.1.2.3"), 5000);
    b.add_mapped_address(v4).add_use_candidate().add_ice_controlling(0x0102030405060708ull);
    Message m;
    ASSERT_EQ(Message::parse(b.finish(), m), ParseStatus::ok);
    EXPECT_EQ(m.mapped_address(), v4);
    EXPECT_FALSE(m.xor_mapped_address());
    EXPECT_TRUE(m.use_candidate());
    EXPECT_EQ(m.ice_controlling(), 0x0102030405060708ull);
    EXPECT_EQ(m.check_integrity(text_bytes("x")), Check::absent);
    // A malformed address attribute reads as absent rather than garbage.
    const uint8_t bad[] = {0, 3, 0, 1, 1, 2, 3, 4};
    MessageBuilder c(buffer, MessageClass::success, Method::binding, kSampleId);
    c.add(attr::kXorMappedAddress, bad).add(attr::kPriority, ByteView(bad, 3));
    ASSERT_EQ(Message::parse(c.finish(), m), ParseStatus::ok);
    EXPECT_FALSE(m.xor_mapped_address());
    EXPECT_FALSE(m.priority());
}

TEST(StunBuilder, OverflowAndOrderAreReportedAtFinish) {
    std::array<uint8_t, 32> small;
    MessageBuilder b(small, MessageClass::request, Method::binding, kSampleId);
    b.add_username("a-rather-long-username:with-more");
    EXPECT_FALSE(b.ok());
    EXPECT_TRUE(b.finish().empty());

    std::array<uint8_t, kMaxMessageSize> buffer;
    rtpe::crypto::HmacSha1 key(text_bytes("pw"));
    MessageBuilder c(buffer, MessageClass::request, Method::binding, kSampleId);
    c.add_message_integrity(key).add_priority(1);
    EXPECT_FALSE(c.ok());
    MessageBuilder d(buffer, MessageClass::request, Method::binding, kSampleId);
    d.add_message_integrity(key).add_fingerprint();
    EXPECT_TRUE(d.ok());
    d.add_fingerprint();
    EXPECT_FALSE(d.ok());

    std::array<uint8_t, 10> tiny;
    MessageBuilder e(tiny, MessageClass::request, Method::binding, kSampleId);
    EXPECT_TRUE(e.finish().empty());
}

TEST(StunBuilder, TransactionIdsAreRandom) {
    EXPECT_NE(new_transaction_id(), new_transaction_id());
}

}  // namespace
